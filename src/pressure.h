/*
 * pressure.h - contact-pressure caps: at most N outbound touches per lead
 * in rolling windows, and quiet hours, for our initiatives (never for an
 * owed reply).
 */
#ifndef FOLLOWUP_PRESSURE_H
#define FOLLOWUP_PRESSURE_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/date.h"

typedef struct ContactCap
{
	int64		per;			/* the rolling window, microseconds */
	int			max_touches;
	char		why[48];		/* "2 touches in the last 24 h" */
} ContactCap;

/* A tenant's caps and quiet hours (its own rows, else tenant 0's). */
typedef struct Pressure
{
	int			ncaps;
	ContactCap *caps;
	int			max_touches;	/* the largest cap's N */
	int64		max_per;		/* the longest window */
	bool		quiet;
	TimeADT		quiet_start;
	TimeADT		quiet_end;
	char		quiet_why[48];	/* "quiet hours 21:00-09:00" */
} Pressure;

/* A lead's latest outbound touches, newest first. */
typedef struct TouchHistory
{
	int			n;
	int			size;
	TimestampTz *at;
} TouchHistory;

/* NULL when the tenant has neither caps nor quiet hours.  SPI connected. */
extern Pressure *pressure_load(int64 tenant_id, MemoryContext cxt);

/* Add a touch at "at" to h, newest first, keeping the newest h->size. */
extern void pressure_history_add(TouchHistory *h, TimestampTz at);

#endif							/* FOLLOWUP_PRESSURE_H */
