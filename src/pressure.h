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

struct TenantConfig;
struct Policy;
struct LeadRow;

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

/*
 * The first moment at or after due that respects the caps (given the
 * touches in h) and the quiet hours, inside the working window; *why says
 * what moved it (NULL: nothing did).
 */
extern TimestampTz pressure_respect(const struct TenantConfig *cfg, const TouchHistory *h,
									TimestampTz due, const struct Policy *policy,
									pg_tz *tz, const char **why);

/*
 * The lead's recent touches, read once (when its tenant has caps) and kept
 * on the LeadRow; NULL when the tenant has none.
 */
extern const TouchHistory *pressure_history(const struct TenantConfig *cfg, struct LeadRow *lead);

/*
 * A late outbound touch (older than the lead's last event): it changes
 * nothing but still counts, so a planned touch it brings over a cap waits.
 * True if the lead's plan moved.
 */
extern bool pressure_late_touch(const struct TenantConfig *cfg, struct LeadRow *lead, TimestampTz at);

/* An outbound touch of the lead at "at", known to its history if loaded. */
extern void pressure_touched(struct LeadRow *lead, TimestampTz at);

/* A plan moved by pressure: recorded in followup.pressure_move (write paths only). */
extern void pressure_moved(const struct LeadRow *lead, TimestampTz planned, TimestampTz due,
						   const char *why);

/* false while preview simulates the silence: nothing is recorded */
extern bool pressure_record_moves;

#endif							/* FOLLOWUP_PRESSURE_H */
