/*
 * domain.c - the names of followup's domain types (domain.h).
 *
 * They must match the labels of the SQL enums and the CHECK constraints of
 * src/sql/types.sql and src/sql/config.sql, in order.
 */
#include "postgres.h"

#include "domain.h"

const char *const lead_state_names[LS_COUNT] = {
	"new", "hot", "warm", "thinking", "installment_rejected", "recycle", "won", "lost"
};

const char *const next_action_names[NA_COUNT] = {
	"reply", "followup", "plan_b", "reactivate", "close"
};

const char *const task_status_names[TS_COUNT] = {
	"open", "claimed", "done", "superseded"
};

const char *const rule_effect_names[EFFECT_COUNT] = {
	"restart", "respond", "touch", "next_plan_b", "close", "none"
};

const char *const signal_direction_names[DIR_COUNT] = {
	"inbound", "outbound", "system"
};

const char *
lead_state_name(LeadState state)
{
	return state >= 0 && state < LS_COUNT ? lead_state_names[state] : "(none)";
}

int
domain_label_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}
