/*
 * test_decay.c - unit tests of momentum decay (src/core/decay.c).
 */
#include <math.h>

#include "decay.h"
#include "unit.h"

#define DAY 86400.0

static int
close_to(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void
halves_every_half_life(void)
{
	CHECK(close_to(fu_decay(8, 3 * DAY, 3 * DAY), 4));
	CHECK(close_to(fu_decay(8, 6 * DAY, 3 * DAY), 2));
	CHECK(close_to(fu_decay(8, 1.5 * DAY, 3 * DAY), 8 / sqrt(2)));
}

static void
no_time_no_decay(void)
{
	CHECK(close_to(fu_decay(5, 0, 3 * DAY), 5));
}

static void
clock_going_back_decays_nothing(void)
{
	CHECK(close_to(fu_decay(5, -DAY, 3 * DAY), 5));
}

static void
two_views_within_half_life_reach_hot(void)
{
	/* the shipped rule: proposal_viewed (weight 1) twice, min_momentum 1.5 */
	double		m = fu_momentum_add(0, 0, 3 * DAY, 1);

	m = fu_momentum_add(m, 2 * DAY, 3 * DAY, 1);
	CHECK(m >= 1.5);
	m = fu_momentum_add(1, 4 * DAY, 3 * DAY, 1);
	CHECK(m < 1.5);
}

static void
decay_then_add_is_order_free(void)
{
	/* adding a, then b a day later equals decaying a and adding b */
	double		m = fu_momentum_add(fu_momentum_add(0, 0, DAY, 2), DAY, DAY, 3);

	CHECK(close_to(m, 4));
}

static void
long_silence_reaches_zero_without_nan(void)
{
	double		m = fu_decay(1e30, 1e12, 60);

	CHECK(m == 0);
	CHECK(!isnan(fu_decay(0, 1e12, 60)));
}

UNIT_MAIN("decay",
		  UNIT_CASE(halves_every_half_life),
		  UNIT_CASE(no_time_no_decay),
		  UNIT_CASE(clock_going_back_decays_nothing),
		  UNIT_CASE(two_views_within_half_life_reach_hot),
		  UNIT_CASE(decay_then_add_is_order_free),
		  UNIT_CASE(long_silence_reaches_zero_without_nan))
