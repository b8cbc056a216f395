# pg_dump / pg_restore of a database whose history partition_history
# partitioned: the partitions come back as tables of their own (their
# ATTACH fails on the unpartitioned tables the extension script makes);
# partition_history in the restored database takes their rows in, and the
# history, the sequences and the reports are those of the dumped database.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TestFollowup;

my $node = PostgreSQL::Test::Cluster->new('dump_partitioned');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE crm; CREATE DATABASE restored;');
$node->safe_psql('crm', 'CREATE EXTENSION followup;');
load_history($node, 'crm', 200);
is($node->safe_psql('crm', q{
	SET timezone = 'UTC';
	SELECT string_agg(relation || ' ' || rows_moved, ', ' ORDER BY relation::text)
	FROM followup.partition_history()}),
	'followup.interaction 1200, followup.state_change ' . $node->safe_psql('crm', 'SELECT count(*) FROM followup.state_change'),
	'partition_history moved every row');
# written after the conversion, into the partitions
$node->safe_psql('crm', q{
	SET timezone = 'UTC';
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
	SELECT 1, lead_id, '2026-12-01 10:00+00', 'reply' FROM followup.lead WHERE lead_id % 10 = 0;
});

my $dump = $node->basedir . '/crm.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('crm') ], 'pg_dump');
my $list = $node->basedir . '/crm.list';
my ($toc) = run_command([ 'pg_restore', '-l', $dump ]);
open(my $fh, '>', $list) or die "cannot write $list: $!";
print $fh join("\n", grep { !/ POLICY followup / } split(/\n/, $toc)), "\n";
close($fh);
# the ATTACHes fail, and pg_restore goes on past them
my ($out, $err) = run_command([ 'pg_restore', '-L', $list, '-d', $node->connstr('restored'), $dump ]);
# (PostgreSQL 18 words the refusal differently)
like($err, qr/table "interaction" is not partitioned|ATTACH PARTITION cannot be performed on relation "interaction"/,
	'the partitions are restored as tables of their own');
is($node->safe_psql('restored', 'SELECT followup.maintain_partitions()'), '0',
	'maintain_partitions waits for partition_history');
is($node->safe_psql('restored', q{
	SELECT string_agg(relation::text, ', ' ORDER BY relation::text) FROM followup.partition_history()}),
	'followup.interaction, followup.state_change', 'partition_history takes the restored partitions in');
is($node->safe_psql('restored', q{
	SELECT string_agg(c.relkind::text, '') FROM pg_class c
	WHERE c.oid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass)}), 'pp',
	'both tables are partitioned again');
is($node->safe_psql('restored', q{
	SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'followup'::regnamespace
	  AND c.relkind = 'r' AND NOT c.relispartition AND c.relname ~ '^(restored_)?(interaction|state_change)_'}), '0',
	'no restored partition is left over');

my %same = (
	leads => 'SELECT * FROM followup.lead ORDER BY tenant_id, lead_id',
	tasks => 'SELECT * FROM followup.task ORDER BY tenant_id, task_id',
	interactions => 'SELECT * FROM followup.interaction ORDER BY tenant_id, interaction_id',
	history => 'SELECT * FROM followup.state_change ORDER BY tenant_id, lead_id, changed_at, to_state',
	partitioning => 'SELECT period, premake, zone FROM followup.history_partitioning',
	partitions => q{SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
	                JOIN pg_class c ON c.oid = i.inhrelid
	                WHERE i.inhparent IN ('followup.interaction'::regclass, 'followup.state_change'::regclass)
	                  AND c.relname < 'interaction_p20270101' ORDER BY 1},
	stall_diagnostic => "SET followup.tenant_id = 1; SELECT * FROM followup.stall_diagnostic('60 days', '2026-12-01')",
	operator_compliance => 'SELECT * FROM followup.operator_compliance ORDER BY 1, 2, 3',
	step_funnel => 'SELECT * FROM followup.step_funnel ORDER BY 1, 2, 3',
	plan_b_recovery => 'SELECT * FROM followup.plan_b_recovery ORDER BY 1, 2',
	sequence => 'SELECT last_value FROM followup.interaction_interaction_id_seq');
for my $what (sort keys %same)
{
	my $before = $node->safe_psql('crm', "SET timezone = 'UTC'; $same{$what}");
	my $after = $node->safe_psql('restored', "SET timezone = 'UTC'; $same{$what}");
	ok(length($before) > 0, "$what: there is something to compare");
	is($after, $before, "$what: identical after restore");
}

# the restored database goes on working: a new interaction is planned
is($node->safe_psql('restored', q{
	SET timezone = 'UTC';
	INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
	SELECT tenant_id, lead_id, '2026-12-02 10:00+00', 'think_about_it' FROM followup.lead
	WHERE tenant_id = 1 ORDER BY lead_id LIMIT 1
	RETURNING applied}), 't',
	'a new interaction applies after the restore');

$node->stop;
done_testing();
