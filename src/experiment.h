/*
 * experiment.h - the arm of a lead's stay, and the configuration its arm
 * gives it (src/experiment.c).
 */
#ifndef FOLLOWUP_EXPERIMENT_H
#define FOLLOWUP_EXPERIMENT_H

#include "config_cache.h"

/* An experiment of a tenant, loaded with its configuration. */
typedef struct Experiment
{
	int64		experiment_id;
	LeadState	state;
	TimestampTz starts_at;
	TimestampTz stops_at;		/* its end or conclusion; DT_NOEND: neither */
	int			narms;
	int			weights[4];
	TenantConfig *arm_cfg[4];	/* the tenant's configuration with the arm's variant */
} Experiment;

typedef struct ExperimentSet
{
	int			count;
	Experiment *experiments;
} ExperimentSet;

/* The arm a stay got: experiment_id 0 = none. */
typedef struct ArmChoice
{
	int64		experiment_id;
	int			arm;
} ArmChoice;

/* experiments_load(): in config_cache.h, which calls it */

/*
 * The configuration that governs the lead's stay in state, entered at
 * state_since: its arm's when an experiment on the state ran then, else
 * cfg itself (at once when the tenant has no experiment).  choice, when
 * not NULL, is set to the arm.
 */
extern const TenantConfig *experiment_config(const TenantConfig *cfg, int64 lead_id,
											 LeadState state, TimestampTz state_since,
											 ArmChoice *choice);

#endif							/* FOLLOWUP_EXPERIMENT_H */
