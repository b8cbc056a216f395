/*
 * test_experiment.c - unit tests of arm assignment and the always-valid
 * comparison (src/core/experiment.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "experiment.h"
#include "unit.h"

static void
same_lead_same_arm(void)
{
	int			w[2] = {1, 1};

	for (int64_t lead = 1; lead <= 1000; lead++)
		CHECK_INT_EQ(fu_arm_pick(7, 3, lead, w, 2), fu_arm_pick(7, 3, lead, w, 2));
	/* pinned: a change of the hash would reassign every running experiment */
	CHECK(fu_arm_hash(1, 1, 1) == UINT64_C(0x7095beebd76575e4));
	CHECK_INT_EQ(fu_arm_hash(1, 1, 1) != fu_arm_hash(1, 1, 2), 1);
	CHECK_INT_EQ(fu_arm_hash(1, 1, 1) != fu_arm_hash(2, 1, 1), 1);
	CHECK_INT_EQ(fu_arm_hash(1, 1, 1) != fu_arm_hash(1, 2, 1), 1);
}

static void
splits_within_tolerance_on_10000_leads(void)
{
	int			even[2] = {1, 1};
	int			skew[3] = {1, 1, 2};
	long		n2[3] = {0, 0, 0};
	long		n3[4] = {0, 0, 0, 0};

	for (int64_t lead = 1; lead <= 10000; lead++)
	{
		n2[fu_arm_pick(42, 9, lead, even, 2)]++;
		n3[fu_arm_pick(42, 10, lead, skew, 3)]++;
	}
	CHECK_INT_EQ(n2[0], 0);
	/* 3 standard deviations of a binomial(10000, p) */
	CHECK(labs(n2[1] - 5000) <= 150);
	CHECK(labs(n3[1] - 2500) <= 130);
	CHECK(labs(n3[2] - 2500) <= 130);
	CHECK(labs(n3[3] - 5000) <= 150);
}

static void
other_experiment_reshuffles(void)
{
	int			w[2] = {1, 1};
	int			agree = 0;

	/* a lead's arm in one experiment says nothing of its arm in the next */
	for (int64_t lead = 1; lead <= 10000; lead++)
		agree += fu_arm_pick(1, 1, lead, w, 2) == fu_arm_pick(1, 2, lead, w, 2);
	CHECK(abs(agree - 5000) <= 150);
}

static void
bad_weights_pick_nothing(void)
{
	int			zero[2] = {0, 0};

	CHECK_INT_EQ(fu_arm_pick(1, 1, 1, zero, 2), 0);
	CHECK_INT_EQ(fu_arm_pick(1, 1, 1, zero, 0), 0);
}

static void
no_difference(void)
{
	fu_seq_result r;

	CHECK_INT_EQ(fu_seq_diff(100, 1000, 100, 1000, 0.05, 0.05, &r), 0);
	CHECK(r.diff == 0);
	CHECK(r.lower < 0 && r.upper > 0);
	CHECK(r.p_value == 1.0);
}

static void
clear_win(void)
{
	fu_seq_result r;

	CHECK_INT_EQ(fu_seq_diff(200, 1000, 100, 1000, 0.05, 0.05, &r), 0);
	CHECK(fabs(r.diff - 0.1) < 1e-12);
	CHECK(r.lower > 0);
	CHECK(r.p_value < 0.05);
	/* and the same loss seen from the other side */
	CHECK_INT_EQ(fu_seq_diff(100, 1000, 200, 1000, 0.05, 0.05, &r), 0);
	CHECK(r.upper < 0);
}

static void
more_replies_fewer_wins_more_opt_outs(void)
{
	fu_seq_result replies,
				wins,
				opt_outs;

	/* the variant provokes answers, many of them "stop writing to me" */
	CHECK_INT_EQ(fu_seq_diff(400, 1000, 250, 1000, 0.05, 0.05, &replies), 0);
	CHECK_INT_EQ(fu_seq_diff(60, 1000, 120, 1000, 0.05, 0.05, &wins), 0);
	CHECK_INT_EQ(fu_seq_diff(80, 1000, 20, 1000, 0.05, 0.05, &opt_outs), 0);
	CHECK(replies.lower > 0);
	CHECK(wins.upper < 0);
	CHECK(opt_outs.lower > 0);
}

static void
wider_than_a_fixed_sample_interval(void)
{
	fu_seq_result r;
	double		se = sqrt(0.15 * 0.85 / 1000 * 2);

	/* the price of looking every day: wider than +-1.96 se */
	CHECK_INT_EQ(fu_seq_diff(150, 1000, 150, 1000, 0.05, 0.05, &r), 0);
	CHECK(r.upper > 1.96 * se);
	CHECK(r.upper < 4 * se);
}

static void
refuses_bad_arguments(void)
{
	fu_seq_result r;

	CHECK_INT_EQ(fu_seq_diff(1, 0, 1, 1, 0.05, 0.05, &r), -1);
	CHECK_INT_EQ(fu_seq_diff(2, 1, 1, 1, 0.05, 0.05, &r), -1);
	CHECK_INT_EQ(fu_seq_diff(1, 1, 1, 1, 1.5, 0.05, &r), -1);
	CHECK_INT_EQ(fu_seq_diff(1, 1, 1, 1, 0.05, 0, &r), -1);
}

/* a small deterministic generator for the simulation below */
static uint64_t rng_state = 12345;

static double
uniform(void)
{
	rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (double) (rng_state >> 11) / 9007199254740992.0;
}

static void
daily_looks_keep_the_error_rate(void)
{
	/*
	 * No difference (both arms win 20%), 60 daily looks of 30 leads per
	 * arm each, 400 experiments: stopping at the first look whose p-value
	 * is below 0.05 must wrongly declare a winner in at most 5% of them;
	 * the fixed-sample z-test read daily does far worse.
	 */
	int			sequential = 0;
	int			naive = 0;

	for (int e = 0; e < 400; e++)
	{
		long		x1 = 0,
					x0 = 0,
					n = 0;
		int			seq_hit = 0,
					naive_hit = 0;

		for (int day = 0; day < 60; day++)
		{
			fu_seq_result r;
			double		p1,
						p0,
						pp,
						z;

			for (int i = 0; i < 30; i++)
			{
				x1 += uniform() < 0.2;
				x0 += uniform() < 0.2;
			}
			n += 30;
			fu_seq_diff(x1, n, x0, n, 0.05, 0.05, &r);
			seq_hit |= r.p_value < 0.05;
			p1 = (double) x1 / n;
			p0 = (double) x0 / n;
			pp = (p1 + p0) / 2;
			z = (p1 - p0) / sqrt(pp * (1 - pp) * 2 / n);
			naive_hit |= fabs(z) > 1.96;
		}
		sequential += seq_hit;
		naive += naive_hit;
	}
	CHECK(sequential <= 20);
	CHECK(naive > 40);
}

UNIT_MAIN("experiment",
		  UNIT_CASE(same_lead_same_arm),
		  UNIT_CASE(splits_within_tolerance_on_10000_leads),
		  UNIT_CASE(other_experiment_reshuffles),
		  UNIT_CASE(bad_weights_pick_nothing),
		  UNIT_CASE(no_difference),
		  UNIT_CASE(clear_win),
		  UNIT_CASE(more_replies_fewer_wins_more_opt_outs),
		  UNIT_CASE(wider_than_a_fixed_sample_interval),
		  UNIT_CASE(refuses_bad_arguments),
		  UNIT_CASE(daily_looks_keep_the_error_rate))
