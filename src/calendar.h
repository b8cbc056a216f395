/*
 * calendar.h - a tenant's non-working days (followup.calendar), as the
 * planner and the jobs see them.
 */
#ifndef FOLLOWUP_CALENDAR_H
#define FOLLOWUP_CALENDAR_H

#include "postgres.h"
#include "pgtime.h"

/* The days of one tenant's calendar (its own rows, else tenant 0's). */
typedef struct Calendar
{
	int64		tenant_id;		/* whose days these are: the tenant's or 0 */
	int			ndays;
	int32	   *julian;			/* sorted */
	char	  **zone;			/* NULL: every lead; else leads planned in that zone */
} Calendar;

/*
 * Load the calendar that applies to tenant_id into cxt; NULL when it has
 * no days, so that a tenant without a calendar costs the planner nothing.
 * SPI must be connected.
 */
extern Calendar *calendar_load(int64 tenant_id, MemoryContext cxt);

/* Is julian day (in zone tz) a non-working day of cal?  cal may be NULL. */
extern bool calendar_closed(const Calendar *cal, int julian, pg_tz *tz);

#endif							/* FOLLOWUP_CALENDAR_H */
