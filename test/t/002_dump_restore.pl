# pg_dump / pg_restore of a database with data and changed configuration
# gives identical leads, tasks, interactions, history, configuration and
# report answers.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TestFollowup;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE crm; CREATE DATABASE restored;');
$node->safe_psql('crm', 'CREATE EXTENSION followup; CREATE EXTENSION amcheck;');
# an experiment on tenant 1's thinking, running while the history loads
# (one INSERT of interactions: the statement's bulk path gives the arms)
$node->safe_psql('crm', q{
	BEGIN;
	INSERT INTO followup.experiment (tenant_id, experiment_id, name, state, starts_at)
	VALUES (1, 1, 'tighter', 'thinking', '2026-01-01');
	INSERT INTO followup.experiment_arm (tenant_id, experiment_id, arm, name, cadence)
	VALUES (1, 1, 1, 'seed', NULL), (1, 1, 2, 'tight', '30m, 12h');
	COMMIT;
});
load_history($node, 'crm', 200);
is($node->safe_psql('crm', q{
	SELECT count(DISTINCT arm) || ' arms, '
	       || count(*) FILTER (WHERE arm IS DISTINCT FROM followup.experiment_arm_of(1, 1, lead_id)) || ' not the hash''s'
	FROM followup.state_change WHERE tenant_id = 1 AND to_state = 'thinking'}),
	"2 arms, 0 not the hash's", 'the bulk load gave every entry into thinking its arm');
$node->safe_psql('crm', "SET followup.tenant_id = 1; SELECT count(*) FROM followup.claim_tasks('ana', 3)");
# reasons: a tenant's own and shipped ones, on interactions and leads; a
# won lead's after-sale touches and a repeat purchase
$node->safe_psql('crm', q{
	SET timezone = 'UTC';
	INSERT INTO followup.reason (tenant_id, reason, description) VALUES (1, 'warranty', 'a longer warranty');
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, reason)
	SELECT 1, l.lead_id, '2026-12-20 12:00+00', 'think_about_it',
	       (ARRAY['price', 'warranty', 'financing'])[1 + l.lead_id % 3]
	FROM followup.lead l WHERE l.tenant_id = 1 AND l.state <> 'won' AND l.lead_id % 4 = 0;
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
	SELECT 1, l.lead_id, '2027-01-20 12:00+00', 'order'
	FROM followup.lead l WHERE l.tenant_id = 1 AND l.state = 'won' AND l.lead_id % 2 = 0;
});

my $dump = $node->basedir . '/crm.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('crm') ], 'pg_dump');
# pg_dump of 16beta2 (the build the version matrix uses) dumps the policies
# of an extension's tables, which CREATE EXTENSION makes again; later
# releases leave them out.  Restore everything but those.
my $list = $node->basedir . '/crm.list';
my ($toc) = run_command([ 'pg_restore', '-l', $dump ]);
open(my $fh, '>', $list) or die "cannot write $list: $!";
print $fh join("\n", grep { !/ POLICY followup / } split(/\n/, $toc)), "\n";
close($fh);
$node->command_ok([ 'pg_restore', '-L', $list, '-d', $node->connstr('restored'), $dump ], 'pg_restore');

# each query's rows, in a stable order, must be the same in both databases
my %same = (
	leads => 'SELECT * FROM followup.lead ORDER BY tenant_id, lead_id',
	tasks => 'SELECT * FROM followup.task ORDER BY tenant_id, task_id',
	interactions => 'SELECT * FROM followup.interaction ORDER BY tenant_id, interaction_id',
	history => 'SELECT * FROM followup.state_change ORDER BY tenant_id, lead_id, changed_at, to_state',
	policies => 'SELECT * FROM followup.policy ORDER BY tenant_id, state',
	steps => 'SELECT * FROM followup.step ORDER BY tenant_id, state, step_no',
	signals => 'SELECT * FROM followup.signal ORDER BY tenant_id, kind',
	rules => 'SELECT * FROM followup.rule ORDER BY tenant_id, rule_id',
	reason_list => 'SELECT * FROM followup.reason ORDER BY tenant_id, reason',
	reasons => 'SELECT * FROM followup.reasons ORDER BY 1, 2, 3, 4',
	repeat_purchases => 'SELECT * FROM followup.repeat_purchases ORDER BY 1, 3',
	experiments => 'SELECT * FROM followup.experiment ORDER BY tenant_id, experiment_id',
	experiment_arms => 'SELECT * FROM followup.experiment_arm ORDER BY tenant_id, experiment_id, arm',
	experiment_results => 'SELECT * FROM followup.experiment_results ORDER BY tenant_id, experiment_id, arm',
	stall_diagnostic => "SET followup.tenant_id = 1; SELECT * FROM followup.stall_diagnostic('60 days', '2026-12-01')",
	pipeline => 'SELECT tenant_id, state, leads, awaiting_reply FROM followup.pipeline ORDER BY 1, 2',
	operator_compliance => 'SELECT * FROM followup.operator_compliance ORDER BY 1, 2, 3',
	plan_b_recovery => 'SELECT * FROM followup.plan_b_recovery ORDER BY 1, 2',
	sequences => "SELECT last_value FROM followup.lead_lead_id_seq UNION ALL SELECT last_value FROM followup.task_task_id_seq"
	  . " UNION ALL SELECT last_value FROM followup.interaction_interaction_id_seq UNION ALL SELECT last_value FROM followup.rule_rule_id_seq"
	  . " UNION ALL SELECT last_value FROM followup.experiment_experiment_id_seq");
for my $what (sort keys %same)
{
	my $before = $node->safe_psql('crm', "SET timezone = 'UTC'; $same{$what}");
	my $after = $node->safe_psql('restored', "SET timezone = 'UTC'; $same{$what}");
	ok(length($before) > 0, "$what: there is something to compare");
	is($after, $before, "$what: identical after restore");
}

# the experiment goes on the same after the restore: new leads entering
# thinking get the same arms and plans in both databases
my $enter = q{
	SET timezone = 'UTC';
	INSERT INTO followup.lead (tenant_id, external_ref, created_at, state)
	SELECT 1, 'after' || i, '2027-01-01 10:00+00', 'thinking' FROM generate_series(1, 20) i;
	SELECT string_agg(l.lead_id || ':' || sc.arm || ':' || l.next_followup_at, ' ' ORDER BY l.lead_id)
	FROM followup.lead l JOIN followup.state_change sc USING (tenant_id, lead_id)
	WHERE l.tenant_id = 1 AND l.external_ref LIKE 'after%'};
my $arms_before = $node->safe_psql('crm', $enter);
like($arms_before, qr/:1:.*:2:|:2:.*:1:/, 'new entries get both arms');
is($node->safe_psql('restored', $enter), $arms_before, 'the same arms and plans after the restore');

# the restored database goes on working: a new interaction is planned
is($node->safe_psql('restored', q{
	SET timezone = 'UTC';
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
	SELECT tenant_id, lead_id, '2027-01-01 10:00+00', 'think_about_it' FROM followup.lead
	WHERE tenant_id = 1 ORDER BY lead_id LIMIT 1
	RETURNING applied}), 't', 'a new interaction applies after the restore');
# the tenant's own reason came back with the dump; an unknown one is refused
is($node->safe_psql('restored', q{
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, reason)
	SELECT tenant_id, lead_id, '2027-02-01 10:00+00', 'reply', 'warranty' FROM followup.lead
	WHERE tenant_id = 1 ORDER BY lead_id LIMIT 1
	RETURNING reason}), 'warranty', "a tenant's reason is known after the restore");
my ($ret, $out, $err) = $node->psql('restored', q{
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, reason)
	SELECT tenant_id, lead_id, '2027-02-01 11:00+00', 'reply', 'pricey' FROM followup.lead
	WHERE tenant_id = 1 ORDER BY lead_id LIMIT 1});
like($err, qr/unknown reason "pricey"/, 'an unknown reason is refused after the restore');
$node->safe_psql('restored', 'CREATE EXTENSION IF NOT EXISTS amcheck');
invariants_hold($node, 'restored', 'restored database');

$node->stop;
done_testing();
