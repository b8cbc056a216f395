/*
 * config_cache.h - per-backend cache of policies, steps, signals and rules.
 */
#ifndef FOLLOWUP_CONFIG_CACHE_H
#define FOLLOWUP_CONFIG_CACHE_H

#include "postgres.h"

#include "core/cadence.h"
#include "domain.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/date.h"
#include "utils/hsearch.h"


typedef struct Policy
{
	bool		present;
	fu_cadence	cadence;
	Interval	reply_within;
	Interval	close_after;
	Interval	escalate_after;
	LeadState	on_exhausted;
	char	   *escalate_to;
	uint8		work_days;		/* bit d set: ISO day d is a working day */
	TimeADT		work_start;
	TimeADT		work_end;
	char	   *timezone;
	pg_tz	   *tz;
} Policy;

typedef struct Step
{
	int			step_no;
	char	   *channel;
	char	   *purpose;
	char	   *action_code;
	char	   *template;
	char	   *reasons;		/* ",price,financing,": the reasons it answers; NULL = none */
} Step;

typedef struct StateSteps
{
	int			count;
	Step	   *steps;			/* ordered by step_no */
} StateSteps;

typedef struct Rule
{
	int64		rule_id;
	LeadState	from_state;		/* LS_NONE = any */
	LeadState	to_state;		/* LS_NONE = keep */
	RuleEffect	effect;
	bool		has_due_in;
	Interval	due_in;
	bool		has_min_momentum;
	float4		min_momentum;
	char	   *close_reason;
} Rule;

#define KIND_MAXLEN 64

/* One interaction kind: its signal and its rules, overrides applied. */
typedef struct KindEntry
{
	char		kind[KIND_MAXLEN];	/* hash key */
	SignalDirection direction;
	float4		weight;
	int			nrules;
	Rule	   *rules;			/* in the order they are tried */
} KindEntry;

typedef struct TenantConfig
{
	int64		tenant_id;		/* hash key */
	Policy		policy[LS_COUNT];
	StateSteps	steps[LS_COUNT];
	HTAB	   *kinds;
	int			nreasons;		/* the reasons an interaction may give */
	char	  **reasons;
	/* respect for the customer and the team (calendar.c, pressure.c) */
	const struct Calendar *calendar;	/* NULL: no non-working days */
	const struct Pressure *pressure;	/* NULL: no caps, no quiet hours */
	const struct Capacity *capacity;	/* NULL: no operator has a capacity */
	struct ExperimentSet *experiments;	/* NULL: none (experiment.c) */
} TenantConfig;

/* The OIDs of the enums' labels in this database. */
typedef struct EnumOids
{
	Oid			lead_state_type;
	Oid			next_action_type;
	Oid			lead_state[LS_COUNT];
	Oid			next_action[NA_COUNT];
	Oid			task_status[TS_COUNT];
} EnumOids;

extern TenantConfig *get_tenant_config(int64 tenant_id);
extern const EnumOids *get_enum_oids(void);
extern LeadState lead_state_from_oid(Oid oid);
extern NextAction next_action_from_oid(Oid oid);
extern const KindEntry *find_kind(TenantConfig *cfg, const char *kind);
extern const Step *find_step(const TenantConfig *cfg, LeadState state, int step_no);
extern bool reason_known(const TenantConfig *cfg, const char *reason);

/*
 * Load the tenant's experiments into cfg (after its policies and steps),
 * in cxt; SPI connected.  Nothing is kept for a tenant without any.
 * Defined in experiment.c, which reads TenantConfig and nothing else here.
 */
extern void experiments_load(TenantConfig *cfg, MemoryContext cxt);

#endif							/* FOLLOWUP_CONFIG_CACHE_H */
