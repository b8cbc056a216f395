/*
 * experiment.h - experiments without a server: which arm a lead gets, and
 * an always-valid comparison of two proportions.
 */
#ifndef FOLLOWUP_CORE_EXPERIMENT_H
#define FOLLOWUP_CORE_EXPERIMENT_H

#include <stdint.h>

#define FU_MAX_ARMS 4

/*
 * The arm (1-based) of the lead in the experiment, given the arms' traffic
 * weights (each > 0): a hash of (tenant, experiment, lead), so the same
 * lead always gets the same arm, on any machine, with no state kept.
 */
extern int	fu_arm_pick(int64_t tenant_id, int64_t experiment_id, int64_t lead_id,
						const int *weights, int narms);

/* The 64-bit hash fu_arm_pick() splits. */
extern uint64_t fu_arm_hash(int64_t tenant_id, int64_t experiment_id, int64_t lead_id);

/*
 * The difference of two proportions, x1/n1 - x0/n0 (a variant against the
 * control), with a normal-mixture confidence sequence: the interval
 * [lower, upper] covers the true difference at every look at once with
 * probability 1 - alpha (asymptotically, variance plugged in), and p_value
 * is the always-valid p-value 1/Lambda (Ville's inequality: looking daily
 * and stopping when it is below alpha keeps the error rate at alpha).
 * tau is the mixing prior's standard deviation: the size of difference
 * the test is tuned to find.
 */
typedef struct fu_seq_result
{
	double		diff;
	double		lower;
	double		upper;
	double		p_value;
} fu_seq_result;

/* 0 on success, -1 when an argument is out of range (r untouched). */
extern int	fu_seq_diff(int64_t x1, int64_t n1, int64_t x0, int64_t n0,
						double alpha, double tau, fu_seq_result *r);

#endif							/* FOLLOWUP_CORE_EXPERIMENT_H */
