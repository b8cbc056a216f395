/*
 * pressure_touch.h - a lead's touches as the contact caps count them, on the
 * write paths (pressure_touch.c).
 */
#ifndef FOLLOWUP_PRESSURE_TOUCH_H
#define FOLLOWUP_PRESSURE_TOUCH_H

#include "postgres.h"
#include "datatype/timestamp.h"

#include "pressure.h"

struct TenantConfig;
struct LeadRow;

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

/* false while preview or the forecast simulate, or a plan is only asked for */
extern bool pressure_record_moves;

#endif							/* FOLLOWUP_PRESSURE_TOUCH_H */
