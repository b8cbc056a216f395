/*
 * test_cadence.c - unit tests of the cadence parser and printer (src/core).
 */
#include "cadence.h"
#include "unit.h"

static fu_cadence c;
static fu_cadence_error err;
static char buf[FU_CADENCE_TEXT_MAX];

/* canonical form of text, or "ERR:<message>" */
static const char *
roundtrip(const char *text)
{
	static char out[FU_CADENCE_TEXT_MAX + 300];

	if (fu_cadence_parse(text, &c, &err) != FU_CADENCE_OK)
	{
		snprintf(out, sizeof(out), "ERR:%s", err.message);
		return out;
	}
	fu_cadence_format(&c, out);
	return out;
}

static void
seed_cadence_is_canonical(void)
{
	CHECK_STR_EQ(roundtrip("24h, 3d, 7d"), "24h, 3d, 7d");
	CHECK_INT_EQ(c.nsteps, 3);
	CHECK_INT_EQ(c.step[0].days, 0);
	CHECK_INT_EQ(c.step[0].usecs, 24 * 60 * FU_USECS_PER_MINUTE);
	CHECK_INT_EQ(c.step[2].days, 7);
}

static void
whitespace_is_tolerated(void)
{
	CHECK_STR_EQ(roundtrip("  24h ,3d,\t7d  "), "24h, 3d, 7d");
}

static void
weeks_print_as_days(void)
{
	CHECK_STR_EQ(roundtrip("1w, 2w"), "7d, 14d");
}

static void
units_combine_and_normalize_time(void)
{
	CHECK_STR_EQ(roundtrip("1d12h, 1w1d, 90m"), "ERR:offset \"90m\" at position 14 is not later than the offset before it; offsets must be strictly increasing");
	CHECK_STR_EQ(roundtrip("90m, 1d12h, 1w1d"), "1h30m, 1d12h, 8d");
	CHECK_STR_EQ(roundtrip("2h90m"), "3h30m");
}

static void
hours_stay_hours(void)
{
	/* 48h is not 2d: a calendar day differs from 24 hours across DST */
	CHECK_STR_EQ(roundtrip("48h"), "48h");
	CHECK_STR_EQ(roundtrip("23h, 1d"), "23h, 1d");
}

static void
zero_first_is_allowed(void)
{
	CHECK_STR_EQ(roundtrip("0, 1d"), "0, 1d");
	CHECK_STR_EQ(roundtrip("0h, 1d"), "0, 1d");
}

static void
zero_later_is_rejected(void)
{
	CHECK_STR_EQ(roundtrip("1d, 0"), "ERR:offset \"0\" at position 5: 0 is only allowed as the first offset");
	CHECK_INT_EQ(err.status, FU_CADENCE_ORDER);
	CHECK_INT_EQ(err.position, 5);
}

static void
equal_offsets_are_rejected(void)
{
	CHECK_STR_EQ(roundtrip("24h, 1d"), "ERR:offset \"1d\" at position 6 is not later than the offset before it; offsets must be strictly increasing");
}

static void
uppercase_units_are_rejected(void)
{
	CHECK_STR_EQ(roundtrip("24H, 3D"), "ERR:unit \"H\" in \"24H\" at position 3 must be lower case: \"h\"");
	CHECK_INT_EQ(err.status, FU_CADENCE_SYNTAX);
	CHECK_INT_EQ(err.position, 3);
	CHECK_STR_EQ(roundtrip("24h, 3D"), "ERR:unit \"D\" in \"3D\" at position 7 must be lower case: \"d\"");
	CHECK_STR_EQ(roundtrip("1W"), "ERR:unit \"W\" in \"1W\" at position 2 must be lower case: \"w\"");
	CHECK_STR_EQ(roundtrip("1d12H"), "ERR:unit \"H\" in \"12H\" at position 5 must be lower case: \"h\"");
	/* "M" is not months: refused like the others */
	CHECK_STR_EQ(roundtrip("1M"), "ERR:unit \"M\" in \"1M\" at position 2 must be lower case: \"m\"");
}

static void
unknown_unit_names_token_and_position(void)
{
	CHECK_STR_EQ(roundtrip("24h, 3x"), "ERR:unknown unit \"x\" in \"3x\" at position 7");
	CHECK_INT_EQ(err.status, FU_CADENCE_SYNTAX);
	CHECK_INT_EQ(err.position, 7);
}

static void
missing_unit_is_rejected(void)
{
	CHECK_STR_EQ(roundtrip("24h, 3"), "ERR:missing unit after \"3\" at position 6");
	CHECK_STR_EQ(roundtrip("5"), "ERR:missing unit after \"5\" at position 1");
}

static void
empty_input_is_rejected(void)
{
	CHECK_STR_EQ(roundtrip(""), "ERR:cadence is empty");
	CHECK_STR_EQ(roundtrip("   "), "ERR:cadence is empty");
}

static void
empty_offsets_are_rejected(void)
{
	CHECK_STR_EQ(roundtrip("24h,,3d"), "ERR:empty offset at position 5");
	CHECK_STR_EQ(roundtrip("24h, 3d,"), "ERR:empty offset at position 9 after the last \",\"");
	CHECK_STR_EQ(roundtrip(",24h"), "ERR:empty offset at position 1");
}

static void
space_inside_offset_needs_comma(void)
{
	CHECK_STR_EQ(roundtrip("1d 12h"), "ERR:unexpected \"12h\" at position 4; separate offsets with \",\"");
}

static void
units_must_decrease(void)
{
	CHECK_STR_EQ(roundtrip("12h1d"), "ERR:unit \"d\" at position 5 repeats or follows a smaller unit; write the largest unit first, as in \"1d12h\"");
	CHECK_STR_EQ(roundtrip("1h1h"), "ERR:unit \"h\" at position 4 repeats or follows a smaller unit; write the largest unit first, as in \"1d12h\"");
}

static void
garbage_is_rejected(void)
{
	CHECK_STR_EQ(roundtrip("soon"), "ERR:unexpected \"soon\" at position 1; an offset is a number with a unit, as in \"24h\"");
	CHECK_STR_EQ(roundtrip("-1d"), "ERR:unexpected \"-1d\" at position 1; an offset is a number with a unit, as in \"24h\"");
	CHECK_STR_EQ(roundtrip("1d;"), "ERR:unexpected character \";\" at position 3");
	CHECK_STR_EQ(roundtrip("1.5d"), "ERR:fractional number at position 1; offsets take whole numbers, as in \"1d12h\" rather than \"1.5d\"");
}

static void
huge_numbers_are_range_errors(void)
{
	CHECK_STR_EQ(roundtrip("99999999999999999999999d"), "ERR:number \"99999999999999999999999\" at position 1 is out of range");
	CHECK_INT_EQ(err.status, FU_CADENCE_RANGE);
	CHECK_STR_EQ(roundtrip("36526d"), "ERR:offset \"36526d\" at position 1 is out of range; offsets are at most 36525 days");
	CHECK_STR_EQ(roundtrip("36525d"), "36525d");
	CHECK_STR_EQ(roundtrip("5218w"), "ERR:offset \"5218w\" at position 1 is out of range; offsets are at most 36525 days");
}

static void
thirty_two_offsets_max(void)
{
	char		text[512] = "";
	char	   *p = text;

	for (int i = 1; i <= 32; i++)
		p += sprintf(p, "%s%dd", i > 1 ? "," : "", i);
	CHECK_INT_EQ(fu_cadence_parse(text, &c, &err), FU_CADENCE_OK);
	CHECK_INT_EQ(c.nsteps, 32);
	sprintf(p, ",33d");
	CHECK_INT_EQ(fu_cadence_parse(text, &c, &err), FU_CADENCE_TOO_MANY);
	CHECK_STR_CONTAINS(err.message, "more than 32 offsets");
}

static void
validate_rejects_what_parse_rejects(void)
{
	fu_cadence	v = {2, {{0, 0}, {0, 0}}};

	CHECK_INT_EQ(fu_cadence_validate(&v, &err), FU_CADENCE_ORDER);
	CHECK_STR_EQ(err.message, "offset 2: 0 is only allowed as the first offset");
	v.step[1].usecs = 30 * INT64_C(1000000);
	CHECK_INT_EQ(fu_cadence_validate(&v, &err), FU_CADENCE_SYNTAX);
	CHECK_STR_EQ(err.message, "offset 2 has seconds; cadences count whole minutes");
	v.step[1].usecs = FU_USECS_PER_MINUTE;
	CHECK_INT_EQ(fu_cadence_validate(&v, &err), FU_CADENCE_OK);
	v.step[1].days = -1;
	CHECK_INT_EQ(fu_cadence_validate(&v, &err), FU_CADENCE_RANGE);
	v.nsteps = 0;
	CHECK_INT_EQ(fu_cadence_validate(&v, &err), FU_CADENCE_SYNTAX);
}

static void
format_roundtrips_its_own_output(void)
{
	const char *inputs[] = {"0, 15m, 1h, 1d1h1m, 2w, 36525d876600h"};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
	{
		fu_cadence	again;

		CHECK_INT_EQ(fu_cadence_parse(inputs[i], &c, &err), FU_CADENCE_OK);
		fu_cadence_format(&c, buf);
		CHECK_INT_EQ(fu_cadence_parse(buf, &again, &err), FU_CADENCE_OK);
		CHECK_INT_EQ(again.nsteps, c.nsteps);
		for (int k = 0; k < c.nsteps; k++)
			CHECK(fu_offset_cmp(&again.step[k], &c.step[k]) == 0 &&
				  again.step[k].days == c.step[k].days);
	}
	CHECK_STR_EQ(buf, "0, 15m, 1h, 1d1h1m, 14d, 36525d876600h");
}

UNIT_MAIN("cadence",
		  UNIT_CASE(seed_cadence_is_canonical),
		  UNIT_CASE(whitespace_is_tolerated),
		  UNIT_CASE(weeks_print_as_days),
		  UNIT_CASE(units_combine_and_normalize_time),
		  UNIT_CASE(hours_stay_hours),
		  UNIT_CASE(zero_first_is_allowed),
		  UNIT_CASE(zero_later_is_rejected),
		  UNIT_CASE(equal_offsets_are_rejected),
		  UNIT_CASE(uppercase_units_are_rejected),
		  UNIT_CASE(unknown_unit_names_token_and_position),
		  UNIT_CASE(missing_unit_is_rejected),
		  UNIT_CASE(empty_input_is_rejected),
		  UNIT_CASE(empty_offsets_are_rejected),
		  UNIT_CASE(space_inside_offset_needs_comma),
		  UNIT_CASE(units_must_decrease),
		  UNIT_CASE(garbage_is_rejected),
		  UNIT_CASE(huge_numbers_are_range_errors),
		  UNIT_CASE(thirty_two_offsets_max),
		  UNIT_CASE(validate_rejects_what_parse_rejects),
		  UNIT_CASE(format_roundtrips_its_own_output))
