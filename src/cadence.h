/*
 * cadence.h - the followup.cadence SQL type: on-disk form and accessors.
 */
#ifndef FOLLOWUP_CADENCE_H
#define FOLLOWUP_CADENCE_H

#include "postgres.h"
#include "core/cadence.h"
#include "fmgr.h"

/*
 * Varlena: header, step count, then the time parts (int64, kept aligned)
 * followed by the day parts.  12 bytes per offset plus 8.
 */
typedef struct Cadence
{
	int32		vl_len_;
	int32		nsteps;
	int64		usecs[FLEXIBLE_ARRAY_MEMBER];
	/* int32 days[nsteps] follows */
} Cadence;

#define CADENCE_SIZE(n)		(offsetof(Cadence, usecs) + (n) * (sizeof(int64) + sizeof(int32)))
#define CADENCE_DAYS(c)		((int32 *) ((c)->usecs + (c)->nsteps))
#define DatumGetCadenceP(d)	((Cadence *) PG_DETOAST_DATUM(d))
#define PG_GETARG_CADENCE_P(n) DatumGetCadenceP(PG_GETARG_DATUM(n))

extern Cadence *cadence_from_core(const fu_cadence *c);
extern void cadence_to_core(const Cadence *c, fu_cadence *out);

#endif							/* FOLLOWUP_CADENCE_H */
