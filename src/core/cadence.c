/*
 * cadence.c - parse, validate and print follow-up cadences.
 *
 * The grammar is small: offsets separated by commas, each either "0" or
 * number-unit components from the largest unit to the smallest ("1d12h").
 * Like pgvector's vector_in, the scanner checks one thing at a time and stops
 * at the first problem, reporting the token and where it starts.
 */
#include "cadence.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_MINUTES ((int64_t) FU_CADENCE_MAX_DAYS * 24 * 60)

#if defined(__GNUC__)
#define FORMAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FORMAT_PRINTF(f, a)
#endif

static fu_cadence_status fail(fu_cadence_error *err, fu_cadence_status status,
							  int position, const char *fmt,...) FORMAT_PRINTF(4, 5);

static fu_cadence_status
fail(fu_cadence_error *err, fu_cadence_status status, int position,
	 const char *fmt,...)
{
	va_list		ap;

	err->status = status;
	err->position = position;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

/*
 * How much of a token to quote in a message: at most 40 bytes, never half
 * a UTF-8 character.
 */
static int
shown(const char *token, int len)
{
	if (len <= 40)
		return len;
	len = 40;
	while (len > 0 && (token[len] & 0xC0) == 0x80)
		len--;
	return len;
}

/*
 * Units are lower case only, as documented: "M" would read as months to
 * some, and configuration is checked as strictly as data.
 */
static int
unit_rank(char c)
{
	switch (c)
	{
		case 'w':
			return 4;
		case 'd':
			return 3;
		case 'h':
			return 2;
		case 'm':
			return 1;
	}
	return 0;
}

static int
offset_is_zero(const fu_offset *o)
{
	return o->days == 0 && o->usecs == 0;
}

int
fu_offset_cmp(const fu_offset *a, const fu_offset *b)
{
	/* both parts are bounded, so this cannot overflow */
	int64_t		x = a->days * FU_USECS_PER_DAY + a->usecs;
	int64_t		y = b->days * FU_USECS_PER_DAY + b->usecs;

	return (x > y) - (x < y);
}

/*
 * The check shared by text and binary input, for each offset after the
 * first; "what" names the offset in the message.
 */
static fu_cadence_status
check_order(const fu_cadence *c, int i, int position, const char *what,
			fu_cadence_error *err)
{
	if (i == 0)
		return FU_CADENCE_OK;
	if (offset_is_zero(&c->step[i]))
		return fail(err, FU_CADENCE_ORDER, position,
					"%s: 0 is only allowed as the first offset", what);
	if (fu_offset_cmp(&c->step[i], &c->step[i - 1]) <= 0)
		return fail(err, FU_CADENCE_ORDER, position,
					"%s is not later than the offset before it; offsets must be strictly increasing",
					what);
	return FU_CADENCE_OK;
}

/* Parse one offset starting at text[*pos]; leaves *pos after it. */
static fu_cadence_status
parse_offset(const char *text, int *pos, fu_offset *out, fu_cadence_error *err)
{
	int			start = *pos;
	int			p = start;
	int			last_rank = 5;
	int64_t		days = 0;
	int64_t		minutes = 0;

	if (text[p] == '\0' || text[p] == ',')
		return fail(err, FU_CADENCE_SYNTAX, p + 1,
					"empty offset at position %d", p + 1);

	while (isdigit((unsigned char) text[p]))
	{
		int			num_start = p;
		int64_t		value = 0;
		int			rank;

		while (isdigit((unsigned char) text[p]))
		{
			value = value * 10 + (text[p] - '0');
			if (value > MAX_MINUTES)
			{
				while (isdigit((unsigned char) text[p]))
					p++;
				return fail(err, FU_CADENCE_RANGE, num_start + 1,
							"number \"%.*s\" at position %d is out of range",
							shown(text + num_start, p - num_start), text + num_start, num_start + 1);
			}
			p++;
		}

		rank = unit_rank(text[p]);
		if (text[p] == '.')
			return fail(err, FU_CADENCE_SYNTAX, num_start + 1,
						"fractional number at position %d; offsets take whole numbers, as in \"1d12h\" rather than \"1.5d\"",
						num_start + 1);
		if (rank == 0)
		{
			const char *end = text + p;

			/* a bare "0" is the one offset that needs no unit */
			if (value == 0 && p - num_start == 1 && num_start == start &&
				(*end == '\0' || *end == ',' || isspace((unsigned char) *end)))
				break;
			if (*end == '\0' || *end == ',' || isspace((unsigned char) *end))
				return fail(err, FU_CADENCE_SYNTAX, num_start + 1,
							"missing unit after \"%.*s\" at position %d",
							shown(text + num_start, p - num_start), text + num_start, num_start + 1);
			if (*end == 'W' || *end == 'D' || *end == 'H' || *end == 'M')
				return fail(err, FU_CADENCE_SYNTAX, p + 1,
							"unit \"%c\" in \"%.*s\" at position %d must be lower case: \"%c\"",
							*end, shown(text + num_start, p - num_start + 1), text + num_start, p + 1,
							(char) tolower((unsigned char) *end));
			return fail(err, FU_CADENCE_SYNTAX, p + 1,
						"unknown unit \"%c\" in \"%.*s\" at position %d",
						*end, shown(text + num_start, p - num_start + 1), text + num_start, p + 1);
		}
		if (rank >= last_rank)
			return fail(err, FU_CADENCE_SYNTAX, num_start + 1,
						"unit \"%c\" at position %d repeats or follows a smaller unit; write the largest unit first, as in \"1d12h\"",
						text[p], p + 1);
		last_rank = rank;
		p++;

		switch (rank)
		{
			case 4:
				days += value * 7;
				break;
			case 3:
				days += value;
				break;
			case 2:
				minutes += value * 60;
				break;
			case 1:
				minutes += value;
				break;
		}
		if (days > FU_CADENCE_MAX_DAYS || minutes > MAX_MINUTES)
			return fail(err, FU_CADENCE_RANGE, start + 1,
						"offset \"%.*s\" at position %d is out of range; offsets are at most %d days",
						shown(text + start, p - start), text + start, start + 1, FU_CADENCE_MAX_DAYS);
	}

	if (p == start)
	{
		int			len = 1;

		while (text[p + len] && text[p + len] != ',' &&
			   !isspace((unsigned char) text[p + len]))
			len++;
		return fail(err, FU_CADENCE_SYNTAX, p + 1,
					"unexpected \"%.*s\" at position %d; an offset is a number with a unit, as in \"24h\"",
					shown(text + p, len), text + p, p + 1);
	}
	if (text[p] != '\0' && text[p] != ',' && !isspace((unsigned char) text[p]))
		return fail(err, FU_CADENCE_SYNTAX, p + 1,
					"unexpected character \"%c\" at position %d", text[p], p + 1);

	out->days = (int32_t) days;
	out->usecs = minutes * FU_USECS_PER_MINUTE;
	*pos = p;
	return FU_CADENCE_OK;
}

fu_cadence_status
fu_cadence_parse(const char *text, fu_cadence *out, fu_cadence_error *err)
{
	int			p = 0;

	out->nsteps = 0;
	while (isspace((unsigned char) text[p]))
		p++;
	if (text[p] == '\0')
		return fail(err, FU_CADENCE_SYNTAX, p + 1, "cadence is empty");

	for (;;)
	{
		int			start;
		char		what[96];
		fu_cadence_status st;

		while (isspace((unsigned char) text[p]))
			p++;
		start = p;
		if (out->nsteps == FU_CADENCE_MAX_STEPS)
			return fail(err, FU_CADENCE_TOO_MANY, start + 1,
						"more than %d offsets; the offset at position %d is one too many",
						FU_CADENCE_MAX_STEPS, start + 1);
		st = parse_offset(text, &p, &out->step[out->nsteps], err);
		if (st != FU_CADENCE_OK)
			return st;
		snprintf(what, sizeof(what), "offset \"%.*s\" at position %d",
				 shown(text + start, p - start), text + start, start + 1);
		st = check_order(out, out->nsteps, start + 1, what, err);
		if (st != FU_CADENCE_OK)
			return st;
		out->nsteps++;

		while (isspace((unsigned char) text[p]))
			p++;
		if (text[p] == '\0')
			break;
		if (text[p] != ',')
		{
			int			len = 1;

			while (text[p + len] && text[p + len] != ',' &&
				   !isspace((unsigned char) text[p + len]))
				len++;
			return fail(err, FU_CADENCE_SYNTAX, p + 1,
						"unexpected \"%.*s\" at position %d; separate offsets with \",\"",
						shown(text + p, len), text + p, p + 1);
		}
		p++;					/* the comma */
		while (isspace((unsigned char) text[p]))
			p++;
		if (text[p] == '\0')
			return fail(err, FU_CADENCE_SYNTAX, p + 1,
						"empty offset at position %d after the last \",\"", p + 1);
	}
	return FU_CADENCE_OK;
}

fu_cadence_status
fu_cadence_validate(const fu_cadence *c, fu_cadence_error *err)
{
	if (c->nsteps < 1)
		return fail(err, FU_CADENCE_SYNTAX, 1, "cadence is empty");
	if (c->nsteps > FU_CADENCE_MAX_STEPS)
		return fail(err, FU_CADENCE_TOO_MANY, FU_CADENCE_MAX_STEPS + 1,
					"%d offsets; a cadence has at most %d",
					c->nsteps, FU_CADENCE_MAX_STEPS);
	for (int i = 0; i < c->nsteps; i++)
	{
		const fu_offset *o = &c->step[i];
		char		what[32];
		fu_cadence_status st;

		if (o->days < 0 || o->usecs < 0)
			return fail(err, FU_CADENCE_RANGE, i + 1,
						"offset %d is negative", i + 1);
		if (o->days > FU_CADENCE_MAX_DAYS ||
			o->usecs > MAX_MINUTES * FU_USECS_PER_MINUTE)
			return fail(err, FU_CADENCE_RANGE, i + 1,
						"offset %d is out of range; offsets are at most %d days",
						i + 1, FU_CADENCE_MAX_DAYS);
		if (o->usecs % FU_USECS_PER_MINUTE != 0)
			return fail(err, FU_CADENCE_SYNTAX, i + 1,
						"offset %d has seconds; cadences count whole minutes",
						i + 1);
		snprintf(what, sizeof(what), "offset %d", i + 1);
		st = check_order(c, i, i + 1, what, err);
		if (st != FU_CADENCE_OK)
			return st;
	}
	return FU_CADENCE_OK;
}

void
fu_cadence_format(const fu_cadence *c, char *buf)
{
	char	   *p = buf;

	*p = '\0';
	for (int i = 0; i < c->nsteps; i++)
	{
		const fu_offset *o = &c->step[i];
		int64_t		minutes = o->usecs / FU_USECS_PER_MINUTE;

		if (i > 0)
			p += sprintf(p, ", ");
		if (offset_is_zero(o))
		{
			p += sprintf(p, "0");
			continue;
		}
		if (o->days > 0)
			p += sprintf(p, "%dd", (int) o->days);
		if (minutes / 60 > 0)
			p += sprintf(p, "%lldh", (long long) (minutes / 60));
		if (minutes % 60 > 0)
			p += sprintf(p, "%lldm", (long long) (minutes % 60));
	}
}
