-- A small CRM's own schema, as a CRM team would have it before followup:
-- deals with a stage, messages in and out, financing applications.
CREATE SCHEMA crm;

CREATE TABLE crm.deals (
    deal_id          bigint PRIMARY KEY,
    shop_id          int NOT NULL,
    customer_name    text NOT NULL,
    owner            text,
    product          text,
    price            text,
    stage            text NOT NULL DEFAULT 'new',
    -- kept current by followup (write-back): what to do next, and when
    next_action      text,
    next_followup_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crm.messages (
    message_id   text PRIMARY KEY,
    shop_id      int NOT NULL,
    deal_id      bigint NOT NULL REFERENCES crm.deals ON DELETE CASCADE,
    -- inbound, outbound, or an inbound message the CRM tagged with an intent
    kind         text NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    author       text,
    body         text
);

CREATE TABLE crm.financing (
    application_id bigint PRIMARY KEY,
    shop_id        int NOT NULL,
    deal_id        bigint NOT NULL REFERENCES crm.deals ON DELETE CASCADE,
    status         text NOT NULL DEFAULT 'pending',   -- pending, refused, approved
    decided_at     timestamptz
);
