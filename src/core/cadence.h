/*
 * cadence.h - the follow-up cadence, parsed and printed without the server.
 *
 * A cadence is the list of planned touches of one lead state, as offsets
 * from the moment the silence began: '24h, 3d, 7d'.  Each offset keeps days
 * and time apart, like PostgreSQL's interval, so that "1d" stays a calendar
 * day across a DST change while "24h" stays 24 hours.
 */
#ifndef FOLLOWUP_CORE_CADENCE_H
#define FOLLOWUP_CORE_CADENCE_H

#include <stddef.h>
#include <stdint.h>

#define FU_CADENCE_MAX_STEPS	32
/* 100 years: any longer offset is a typo, and it keeps every sum in range */
#define FU_CADENCE_MAX_DAYS		36525
#define FU_USECS_PER_MINUTE		INT64_C(60000000)
#define FU_USECS_PER_DAY		INT64_C(86400000000)

typedef struct fu_offset
{
	int32_t		days;			/* calendar days (weeks are 7 days) */
	int64_t		usecs;			/* hours and minutes, in microseconds */
} fu_offset;

typedef struct fu_cadence
{
	int			nsteps;
	fu_offset	step[FU_CADENCE_MAX_STEPS];
} fu_cadence;

typedef enum fu_cadence_status
{
	FU_CADENCE_OK = 0,
	FU_CADENCE_SYNTAX,			/* malformed text: 22P02 */
	FU_CADENCE_RANGE,			/* an offset too large: 22008 */
	FU_CADENCE_TOO_MANY,		/* more than FU_CADENCE_MAX_STEPS: 54000 */
	FU_CADENCE_ORDER			/* not strictly increasing: 22P02 */
} fu_cadence_status;

typedef struct fu_cadence_error
{
	fu_cadence_status status;
	int			position;		/* 1-based byte position of the token */
	char		message[256];
} fu_cadence_error;

/* Parse text (NUL-terminated) into *out; on failure fill *err. */
extern fu_cadence_status fu_cadence_parse(const char *text, fu_cadence *out,
										  fu_cadence_error *err);

/*
 * Validate an already-built cadence (from binary input or an interval
 * array): ranges, minute resolution, strict increase, step count.
 */
extern fu_cadence_status fu_cadence_validate(const fu_cadence *c,
											 fu_cadence_error *err);

/* Order two offsets as interval does: a day counts as 24 hours. */
extern int	fu_offset_cmp(const fu_offset *a, const fu_offset *b);

/* Longest text fu_cadence_format can produce, with its NUL. */
#define FU_CADENCE_TEXT_MAX (FU_CADENCE_MAX_STEPS * 32)

/* Print the canonical form into buf (FU_CADENCE_TEXT_MAX bytes). */
extern void fu_cadence_format(const fu_cadence *c, char *buf);

#endif							/* FOLLOWUP_CORE_CADENCE_H */
