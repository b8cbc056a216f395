
-- followup: shipped defaults (tenant 0).  Every tenant uses them until it
-- writes its own rows; see docs/concepts.md for what each one is for.

INSERT INTO followup.policy
    (tenant_id, state, cadence, reply_within, close_after, on_exhausted, escalate_after,
     work_days, work_start, work_end, timezone, shipped)
VALUES
    -- speed to lead: the first minutes decide whether a new lead answers at all
    (0, 'new', '5m, 1h, 1d', '5 minutes', '2 days', 'recycle', '15 minutes',
     '{1,2,3,4,5,6,7}', '09:00', '21:00', 'UTC', true),
    (0, 'hot', '2h, 1d, 3d', '10 minutes', '3 days', 'recycle', '1 hour',
     '{1,2,3,4,5,6,7}', '09:00', '21:00', 'UTC', true),
    (0, 'warm', '1d, 3d, 7d, 14d', '30 minutes', '7 days', 'recycle', '2 hours',
     '{1,2,3,4,5,6,7}', '09:00', '21:00', 'UTC', true),
    -- the seed's "I'll think about it": back after 24h, on day 3, on day 7
    (0, 'thinking', '24h, 3d, 7d', '30 minutes', '3 days', 'recycle', '2 hours',
     '{1,2,3,4,5,6,7}', '09:00', '21:00', 'UTC', true),
    -- Plan B: the first option at once, then one every day or two
    (0, 'installment_rejected', '0, 1d, 2d, 4d, 7d', '15 minutes', '3 days', 'recycle', '1 hour',
     '{1,2,3,4,5,6,7}', '09:00', '21:00', 'UTC', true),
    -- parked leads are reactivated over months, then let go
    (0, 'recycle', '30d, 60d, 90d', '1 hour', '30 days', 'lost', '1 day',
     '{1,2,3,4,5}', '10:00', '18:00', 'UTC', true);

INSERT INTO followup.step (tenant_id, state, step_no, channel, purpose, action_code, template, shipped) VALUES
    (0, 'new', 1, 'messenger', 'advance', 'confirm_interest',
     'Hi {{name|there}}, thanks for asking about {{product|our products}}. It is in stock today at {{price|the listed price}}, with delivery {{delivery_day|tomorrow}}. Shall I reserve one for you?', true),
    (0, 'new', 2, 'messenger', 'clarify', 'clarify_need',
     'Hi {{name|there}}, to pick the right {{product|model}} for you: what matters most, the price, the battery or the camera? I will send you the two best options.', true),
    (0, 'new', 3, 'messenger', 'close_loop', 'close_loop',
     'Hi {{name|there}}, I will not keep writing. If you still want {{product|it}}, reply with one word and I will hold today''s price for you.', true),

    (0, 'hot', 1, 'messenger', 'advance', 'confirm_order',
     'Hi {{name|there}}, your {{product|order}} is ready to confirm: reply YES and I will arrange delivery for {{delivery_day|tomorrow}}.', true),
    (0, 'hot', 2, 'messenger', 'clarify', 'remove_blocker',
     'Hi {{name|there}}, is anything holding you back: delivery, payment or the model itself? Tell me and I will sort it out today.', true),
    (0, 'hot', 3, 'messenger', 'close_loop', 'hold_expires',
     'Hi {{name|there}}, I am holding {{product|your item}} at {{price|this price}} until tonight; after that it goes back to stock. Shall I keep it?', true),

    (0, 'warm', 1, 'messenger', 'advance', 'answer_question',
     'Hi {{name|there}}, you asked about {{open_question|the details}}: {{answer|I have checked them for you}}. Shall I reserve {{product|it}}?', true),
    (0, 'warm', 2, 'messenger', 'advance', 'limited_offer',
     'Hi {{name|there}}, {{product|the model you looked at}} is {{discount|10%}} off until {{offer_ends|Sunday}}. Shall I lock that price for you?', true),
    (0, 'warm', 3, 'messenger', 'clarify', 'compare_offers',
     'Hi {{name|there}}, comparing with other shops? Send me their offer and I will show you what ours includes: warranty, delivery and setup.', true),
    (0, 'warm', 4, 'messenger', 'close_loop', 'close_loop',
     'Hi {{name|there}}, shall I keep your request for {{product|the item}} open, or close it for now? Either answer is fine.', true),

    -- the seed: an answer to their open question, a time-limited offer, low stock
    (0, 'thinking', 1, 'messenger', 'advance', 'answer_open_question',
     'Hi {{name|there}}, you wanted to think about {{product|it}}. You asked about {{open_question|the price}}: {{answer|it can also be paid in installments}}. Anything else I can clear up?', true),
    (0, 'thinking', 2, 'messenger', 'advance', 'limited_offer',
     'Hi {{name|there}}, {{product|the model you liked}} is {{discount|5%}} cheaper until {{offer_ends|Friday}}. Shall I reserve it at that price?', true),
    (0, 'thinking', 3, 'messenger', 'close_loop', 'low_stock',
     'Hi {{name|there}}, only {{stock_left|a few}} {{product|units}} are left in stock. Shall I keep one for you, or close your request for now?', true),

    -- the Plan B matrix, in the seed's order
    (0, 'installment_rejected', 1, 'messenger', 'advance', 'alternative_bank',
     'Hi {{name|there}}, the bank''s answer is not the last word: {{alt_bank|another bank}} often approves applications like yours. Shall I send it there now?', true),
    (0, 'installment_rejected', 2, 'messenger', 'advance', 'family_member_application',
     'Hi {{name|there}}, another way: the installment can be filed in the name of a family member, and {{product|the item}} is still yours. Would that work for you?', true),
    (0, 'installment_rejected', 3, 'messenger', 'advance', 'cheaper_sku',
     'Hi {{name|there}}, {{cheaper_product|a lower-priced model}} does the same job for {{cheaper_price|less}}, and a smaller amount is approved more easily. Shall I send you the details?', true),
    (0, 'installment_rejected', 4, 'messenger', 'advance', 'reserve_until_payday',
     'Hi {{name|there}}, we can reserve {{product|the item}} for you until payday with a small partial payment, at today''s price. Shall I hold it?', true),
    (0, 'installment_rejected', 5, 'messenger', 'close_loop', 'cash_on_delivery',
     'Hi {{name|there}}, one more option, and the simplest: pay the courier in cash on delivery. Shall I arrange it for {{delivery_day|tomorrow}}?', true),

    (0, 'recycle', 1, 'messenger', 'advance', 'new_arrival',
     'Hi {{name|there}}, you looked at {{product|a model}} with us. {{news|A new batch has arrived at a better price}}. Interested?', true),
    (0, 'recycle', 2, 'messenger', 'advance', 'seasonal_offer',
     'Hi {{name|there}}, our {{season|seasonal}} sale is on until {{offer_ends|Sunday}}, with {{product|the model you looked at}} included. Shall I send the price?', true),
    (0, 'recycle', 3, 'messenger', 'close_loop', 'last_check',
     'Hi {{name|there}}, one last question: should we keep you on our list for offers on {{product|this model}}? A yes or no is enough.', true);

INSERT INTO followup.signal (tenant_id, kind, direction, weight, shipped) VALUES
    (0, 'reply',                'inbound',  1.0,  true),
    (0, 'think_about_it',       'inbound',  0.5,  true),
    (0, 'proposal_viewed',      'inbound',  1.0,  true),
    (0, 'link_clicked',         'inbound',  0.75, true),
    (0, 'email_opened',         'inbound',  0.25, true),
    (0, 'meeting_booked',       'inbound',  2.0,  true),
    (0, 'meeting_missed',       'system',   0,    true),
    (0, 'installment_rejected', 'system',   0,    true),
    (0, 'plan_b_declined',      'inbound',  0.25, true),
    (0, 'installment_approved', 'system',   0,    true),
    (0, 'order',                'inbound',  3.0,  true),
    (0, 'not_interested',       'inbound',  0,    true),
    (0, 'opt_out',              'inbound',  0,    true),
    (0, 'message',              'outbound', 0,    true),
    (0, 'call',                 'outbound', 0,    true),
    (0, 'call_unanswered',      'outbound', 0,    true);

INSERT INTO followup.rule
    (tenant_id, kind, from_state, to_state, effect, due_in, min_momentum, close_reason, priority, shipped)
VALUES
    (0, 'reply',                'recycle',              'warm',                 'respond',     NULL, NULL, NULL, 10, true),
    (0, 'reply',                NULL,                   NULL,                   'respond',     NULL, NULL, NULL, 100, true),
    (0, 'think_about_it',       NULL,                   'thinking',             'restart',     NULL, NULL, NULL, 100, true),
    -- a proposal viewed twice (or a view and a click) within a few days: hot
    (0, 'proposal_viewed',      'new',                  'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'proposal_viewed',      'warm',                 'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'proposal_viewed',      'thinking',             'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'proposal_viewed',      NULL,                   NULL,                   'none',        NULL, NULL, NULL, 100, true),
    (0, 'link_clicked',         'new',                  'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'link_clicked',         'warm',                 'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'link_clicked',         'thinking',             'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'link_clicked',         NULL,                   NULL,                   'none',        NULL, NULL, NULL, 100, true),
    (0, 'email_opened',         'new',                  'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'email_opened',         'warm',                 'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'email_opened',         'thinking',             'hot',                  'restart',     NULL, 1.5,  NULL, 10, true),
    (0, 'email_opened',         NULL,                   NULL,                   'none',        NULL, NULL, NULL, 100, true),
    (0, 'meeting_booked',       NULL,                   'hot',                  'restart',     NULL, NULL, NULL, 100, true),
    -- a missed meeting deserves a follow-up soon, not the cadence's first offset
    (0, 'meeting_missed',       NULL,                   NULL,                   'restart',     '2 hours', NULL, NULL, 100, true),
    (0, 'installment_rejected', NULL,                   'installment_rejected', 'restart',     NULL, NULL, NULL, 100, true),
    (0, 'plan_b_declined',      'installment_rejected', NULL,                   'next_plan_b', NULL, NULL, NULL, 100, true),
    (0, 'installment_approved', NULL,                   'won',                  'close',       NULL, NULL, 'installment_approved', 100, true),
    (0, 'order',                NULL,                   'won',                  'close',       NULL, NULL, 'order', 100, true),
    (0, 'not_interested',       NULL,                   'lost',                 'close',       NULL, NULL, 'not_interested', 100, true),
    (0, 'opt_out',              NULL,                   'lost',                 'close',       NULL, NULL, 'opt_out', 100, true),
    (0, 'message',              NULL,                   NULL,                   'touch',       NULL, NULL, NULL, 100, true),
    (0, 'call',                 NULL,                   NULL,                   'touch',       NULL, NULL, NULL, 100, true),
    (0, 'call_unanswered',      NULL,                   NULL,                   'touch',       NULL, NULL, NULL, 100, true);
