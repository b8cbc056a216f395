# Kill -9 the server in the middle of run_due, claims and a bulk load of
# interactions: after crash recovery no committed work is lost, nothing
# uncommitted is left, and every invariant holds.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TestFollowup;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION followup; CREATE EXTENSION amcheck;');
load_history($node, 'postgres', 300);
invariants_hold($node, 'postgres', 'before any crash');

my $count = sub { $node->safe_psql('postgres', shift) };
my $tasks = $count->('SELECT count(*) FROM followup.task');
my $interactions = $count->('SELECT count(*) FROM followup.interaction');

# 1. run_due in flight
my $bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_safe('BEGIN');
$bg->query_safe("SELECT followup.run_due('2026-12-01 12:00+00')");
crash_and_restart($node);
eval { $bg->quit };
is($count->('SELECT count(*) FROM followup.task'), $tasks, 'run_due in flight: its tasks are gone');
invariants_hold($node, 'postgres', 'after a crash during run_due');

# a committed run survives (new leads, so that there is something to make)
$node->safe_psql('postgres', q{
	INSERT INTO followup.lead (tenant_id, external_ref, created_at)
	SELECT 1, 'late' || i, '2026-11-30 10:00+00' FROM generate_series(1, 20) i});
my ($made) = $count->("SELECT materialized FROM followup.run_due('2026-12-01 12:00+00')");
ok($made > 0, "a later run_due makes $made tasks");
$tasks = $count->('SELECT count(*) FROM followup.task');
crash_and_restart($node);
is($count->('SELECT count(*) FROM followup.task'), $tasks, 'committed tasks survive a crash');

# 2. claims in flight, after some committed ones
$node->safe_psql('postgres', "SET followup.tenant_id = 1; SELECT count(*) FROM followup.claim_tasks('ana', 5)");
my $claimed = $count->("SELECT count(*) FROM followup.task WHERE status = 'claimed'");
$bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_safe('SET followup.tenant_id = 1');
$bg->query_safe('BEGIN');
$bg->query_safe("SELECT count(*) FROM followup.claim_tasks('beka', 20)");
crash_and_restart($node);
eval { $bg->quit };
is($count->("SELECT count(*) FROM followup.task WHERE status = 'claimed'"), $claimed,
	'claims in flight are gone, committed claims stay');
invariants_hold($node, 'postgres', 'after a crash during claims');

# 3. a bulk load of interactions in flight
$bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_safe('BEGIN');
$bg->query_safe(q{
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
	SELECT 1, l.lead_id, '2026-12-02 10:00+00'::timestamptz - n * interval '1 minute', 'reply'
	FROM followup.lead l, generate_series(1, 20) n WHERE l.tenant_id = 1
});
crash_and_restart($node);
eval { $bg->quit };
is($count->('SELECT count(*) FROM followup.interaction'), $interactions,
	'a bulk load in flight leaves no interaction behind');
invariants_hold($node, 'postgres', 'after a crash during a bulk load');

$node->stop;
done_testing();
