/*
 * experiment.c - arm assignment and the always-valid comparison of two
 * proportions (docs/reporting.md, "Experiments", says why this test).
 *
 * Assignment: splitmix64 over the three keys, so that the arm depends on
 * nothing but (tenant, experiment, lead) and the weights; the high 32 bits
 * scaled to the total weight pick the arm.
 *
 * Comparison: the Gaussian mixture martingale of Robbins, as used for
 * always-valid A/B tests (Johari, Pekelis and Walsh; Howard, Ramdas,
 * McAuliffe and Sekhon).  With I = 1 / Var(diff) the information so far
 * and S = I * (diff - theta), mixing exp(l S - l^2 I / 2) over
 * l ~ N(0, tau^2) gives
 *     Lambda = sqrt(rho / (I + rho)) * exp(S^2 / (2 (I + rho))),
 *     rho = 1 / tau^2,
 * a nonnegative martingale under theta; Ville's inequality bounds the
 * chance it ever exceeds 1/alpha by alpha.  The confidence sequence is the
 * set of theta where it has not: |S| <= sqrt((I + rho) log((I + rho) /
 * (rho alpha^2))).
 */
#include "experiment.h"

#include <math.h>

static uint64_t
mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
fu_arm_hash(int64_t tenant_id, int64_t experiment_id, int64_t lead_id)
{
	uint64_t	h = mix64((uint64_t) tenant_id);

	h = mix64(h ^ (uint64_t) experiment_id);
	return mix64(h ^ (uint64_t) lead_id);
}

int
fu_arm_pick(int64_t tenant_id, int64_t experiment_id, int64_t lead_id,
			const int *weights, int narms)
{
	uint64_t	total = 0;
	uint64_t	point;

	for (int i = 0; i < narms; i++)
		total += weights[i] > 0 ? (uint64_t) weights[i] : 0;
	if (narms < 1 || total == 0)
		return 0;
	point = ((fu_arm_hash(tenant_id, experiment_id, lead_id) >> 32) * total) >> 32;
	for (int i = 0; i < narms; i++)
	{
		uint64_t	w = weights[i] > 0 ? (uint64_t) weights[i] : 0;

		if (point < w)
			return i + 1;
		point -= w;
	}
	return narms;				/* not reached: point < total */
}

/* A proportion's variance, kept off 0 and 1 so that 0/n or n/n still has some. */
static double
bernoulli_var(int64_t x, int64_t n)
{
	double		p = ((double) x + 0.5) / ((double) n + 1.0);

	return p * (1.0 - p) / (double) n;
}

int
fu_seq_diff(int64_t x1, int64_t n1, int64_t x0, int64_t n0,
			double alpha, double tau, fu_seq_result *r)
{
	double		var;
	double		info;
	double		rho;
	double		half;
	double		s;
	double		log_lambda;

	if (n1 < 1 || n0 < 1 || x1 < 0 || x0 < 0 || x1 > n1 || x0 > n0 ||
		!(alpha > 0 && alpha < 1) || !(tau > 0) || isinf(tau))
		return -1;
	var = bernoulli_var(x1, n1) + bernoulli_var(x0, n0);
	info = 1.0 / var;
	rho = 1.0 / (tau * tau);
	r->diff = (double) x1 / (double) n1 - (double) x0 / (double) n0;
	half = sqrt((info + rho) * log((info + rho) / (rho * alpha * alpha))) / info;
	r->lower = r->diff - half;
	r->upper = r->diff + half;
	if (r->lower < -1)
		r->lower = -1;
	if (r->upper > 1)
		r->upper = 1;
	s = info * r->diff;
	log_lambda = 0.5 * log(rho / (info + rho)) + s * s / (2.0 * (info + rho));
	r->p_value = log_lambda <= 0 ? 1.0 : exp(-log_lambda);
	return 0;
}
