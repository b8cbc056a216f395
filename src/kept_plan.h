/*
 * kept_plan.h - SPI plans kept for the backend's life, prepared again for
 * each installation of the extension.
 */
#ifndef FOLLOWUP_KEPT_PLAN_H
#define FOLLOWUP_KEPT_PLAN_H

#include "postgres.h"
#include "executor/spi.h"

typedef struct KeptPlan
{
	SPIPlanPtr	plan;
	Oid			installation;	/* followup.lead_state when it was prepared */
} KeptPlan;

/* Is kp prepared, for the extension as it is installed now? */
extern bool kept_plan_current(const KeptPlan *kp);

/*
 * Prepare sql (SPI connected) and keep it in kp, freeing the plan of a
 * former installation; errors if it cannot be prepared.
 */
extern SPIPlanPtr kept_plan_prepare(KeptPlan *kp, const char *sql, int nargs, Oid *argtypes);

/* Likewise with SPI_prepare_cursor()'s cursor_options (CURSOR_OPT_*). */
extern SPIPlanPtr kept_plan_prepare_cursor(KeptPlan *kp, const char *sql, int nargs,
										   Oid *argtypes, int cursor_options);

#endif							/* FOLLOWUP_KEPT_PLAN_H */
