/*
 * kept_plan.c - SPI plans kept for the backend's life, prepared again for
 * each installation of the extension.
 *
 * A kept plan's parameter types are fixed when it is prepared, and several
 * of followup's are its enums (lead_state, next_action), which DROP
 * EXTENSION removes.  PostgreSQL re-plans a kept plan after DDL but with
 * the parameter types it was given: after DROP EXTENSION followup; CREATE
 * EXTENSION followup in one session every use failed with "cache lookup
 * failed for type" until the client reconnected.  Each plan remembers the
 * lead_state type it was prepared under (a new installation has a new
 * one), and is prepared again when that changed.
 */
#include "postgres.h"

#include "config_cache.h"
#include "kept_plan.h"

bool
kept_plan_current(const KeptPlan *kp)
{
	return kp->plan != NULL && kp->installation == get_enum_oids()->lead_state_type;
}

SPIPlanPtr
kept_plan_prepare(KeptPlan *kp, const char *sql, int nargs, Oid *argtypes)
{
	return kept_plan_prepare_cursor(kp, sql, nargs, argtypes, 0);
}

SPIPlanPtr
kept_plan_prepare_cursor(KeptPlan *kp, const char *sql, int nargs, Oid *argtypes,
						 int cursor_options)
{
	Oid			installation = get_enum_oids()->lead_state_type;
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, cursor_options);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of \"%s\"", sql);

	/*
	 * The former installation's plan cannot be running: its extension was
	 * dropped, which no statement using it could have done meanwhile.
	 */
	if (kp->plan != NULL)
		SPI_freeplan(kp->plan);
	kp->plan = plan;
	kp->installation = installation;
	return plan;
}
