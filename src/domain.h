/*
 * domain.h - followup's domain types: the labels of its SQL enums and of the
 * rule and signal columns, as C enums, with their names.
 *
 * Each enum lists its labels in their SQL order, so that a member is also
 * the label's position.  A member of value -1 (LS_NONE, NA_NONE) stands for
 * SQL NULL where a column allows it.
 */
#ifndef FOLLOWUP_DOMAIN_H
#define FOLLOWUP_DOMAIN_H

typedef enum LeadState
{
	LS_NONE = -1,				/* NULL; in a rule: any state, or keep it */
	LS_NEW, LS_HOT, LS_WARM, LS_THINKING, LS_INSTALLMENT_REJECTED, LS_RECYCLE,
	LS_WON, LS_LOST, LS_COUNT
} LeadState;

typedef enum NextAction
{
	NA_NONE = -1,				/* NULL: nothing planned */
	NA_REPLY, NA_FOLLOWUP, NA_PLAN_B, NA_REACTIVATE, NA_CLOSE, NA_COUNT
} NextAction;

typedef enum TaskStatus
{
	TS_OPEN, TS_CLAIMED, TS_DONE, TS_SUPERSEDED, TS_COUNT
} TaskStatus;

typedef enum RuleEffect
{
	EFFECT_RESTART, EFFECT_RESPOND, EFFECT_TOUCH, EFFECT_NEXT_PLAN_B,
	EFFECT_CLOSE, EFFECT_NONE
} RuleEffect;

/* not members: switches over these enums need no case for a count */
#define EFFECT_COUNT	(EFFECT_NONE + 1)

typedef enum SignalDirection
{
	DIR_INBOUND, DIR_OUTBOUND, DIR_SYSTEM
} SignalDirection;

#define DIR_COUNT		(DIR_SYSTEM + 1)

#define STATE_IS_TERMINAL(s)	((s) == LS_WON || (s) == LS_LOST)

/* The SQL labels, indexed by member. */
extern const char *const lead_state_names[LS_COUNT];
extern const char *const next_action_names[NA_COUNT];
extern const char *const task_status_names[TS_COUNT];
extern const char *const rule_effect_names[EFFECT_COUNT];
extern const char *const signal_direction_names[DIR_COUNT];

/* A state's label, or "(none)" for LS_NONE. */
extern const char *lead_state_name(LeadState state);

/*
 * The member named name among the n labels of names, or -1: the CHECK
 * constraints of the configuration tables admit only known labels.
 */
extern int	domain_label_index(const char *const *names, int n, const char *name);

#endif							/* FOLLOWUP_DOMAIN_H */
