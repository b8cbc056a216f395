# TestFollowup.pm - helpers shared by followup's cluster-level TAP tests.
package TestFollowup;

use strict;
use warnings;
use Exporter 'import';
use Test::More;

our @EXPORT = qw(crash_and_restart invariants_hold load_history);

# A history of leads and interactions in tenant 1, driven through the real
# triggers and jobs, with some configuration changed from the shipped one.
sub load_history
{
	my ($node, $db, $leads) = @_;
	$node->safe_psql($db, qq{
		SET timezone = 'UTC';
		INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (1, 'thinking', '2h, 1d, 4d');
		UPDATE followup.policy SET close_after = '4 days' WHERE tenant_id = 0 AND state = 'warm';
		INSERT INTO followup.signal (tenant_id, kind, direction, weight) VALUES (1, 'voice_note', 'inbound', 1);
		INSERT INTO followup.rule (tenant_id, kind, effect) VALUES (1, 'voice_note', 'respond');
		INSERT INTO followup.lead (tenant_id, external_ref, created_at, state, owner, attrs)
		SELECT 1, 'lead' || i, '2026-11-01 09:00+00'::timestamptz + i * interval '3 minutes',
		       (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + i % 4]::followup.lead_state,
		       (ARRAY['ana', 'beka', 'carl'])[1 + i % 3], jsonb_build_object('name', 'N' || i)
		FROM generate_series(1, $leads) i;
		INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, operator)
		SELECT 1, l.lead_id, '2026-11-01 12:00+00'::timestamptz + ((l.lead_id * 7 + n * 13) % 300) * interval '1 hour',
		       (ARRAY['reply', 'message', 'think_about_it', 'proposal_viewed', 'voice_note',
		              'installment_rejected', 'message', 'plan_b_declined', 'call', 'order'])[1 + (l.lead_id + n) % 10],
		       'ana'
		FROM followup.lead l, generate_series(1, 6) n WHERE l.tenant_id = 1;
		SELECT followup.run_due('2026-11-20 12:00+00');
	});
}

# kill -9 the postmaster, then start it again once its processes are gone
# (the new one refuses to start while the old shared memory is attached).
sub crash_and_restart
{
	my ($node) = @_;
	$node->kill9;
	for my $try (1 .. 60)
	{
		# a failed start leaves the dead postmaster's pid behind
		$node->{_pid} = undef;
		return if $node->start(fail_ok => 1);
		sleep 1;
	}
	BAIL_OUT('the server did not come back after kill -9');
}

# The promises that must survive anything: every open lead has a plan, a
# closed one at most an after-sale or win-back touch (or an owed reply) and
# none at all when it opted out, at most one live task per lead and it matches the
# plan, each lead's last event is its latest applied interaction, and every
# btree index of the extension verifies with amcheck.
sub invariants_hold
{
	my ($node, $db, $what) = @_;
	my $bad = $node->safe_psql($db, q{
		SELECT (SELECT count(*) FROM followup.lead
		        WHERE CASE WHEN state IN ('won', 'lost')
		                   THEN next_action IN ('plan_b', 'close') OR (do_not_contact AND next_action IS NOT NULL)
		                   ELSE next_action IS NULL END)
		     + (SELECT count(*) FROM (SELECT 1 FROM followup.task WHERE status IN ('open', 'claimed')
		                              GROUP BY tenant_id, lead_id HAVING count(*) > 1) d)
		     + (SELECT count(*) FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
		        WHERE t.status IN ('open', 'claimed') AND t.kind IS DISTINCT FROM l.next_action)
		     + (SELECT count(*) FROM followup.lead l
		        WHERE l.last_event_at IS DISTINCT FROM (SELECT max(i.occurred_at) FROM followup.interaction i
		              WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.lead_id AND i.applied))
	});
	is($bad, '0', "$what: plans, live tasks and last events are consistent");
	my $checked = $node->safe_psql($db, q{
		SELECT count(bt_index_check(c.oid, true))
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_am am ON am.oid = c.relam
		WHERE c.relnamespace = 'followup'::regnamespace AND am.amname = 'btree'
	});
	ok($checked > 10, "$what: $checked indexes verify with amcheck");
}

1;
