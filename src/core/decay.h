/*
 * decay.h - momentum: a sum of signal weights that halves every half-life.
 */
#ifndef FOLLOWUP_CORE_DECAY_H
#define FOLLOWUP_CORE_DECAY_H

/*
 * The value a momentum of "value" has decayed to after elapsed_seconds.
 * Negative elapsed time (a clock that went back) decays nothing.
 */
extern double fu_decay(double value, double elapsed_seconds, double half_life_seconds);

/* Momentum after adding a signal of "weight" elapsed_seconds after the last. */
extern double fu_momentum_add(double value, double elapsed_seconds,
							  double half_life_seconds, double weight);

#endif							/* FOLLOWUP_CORE_DECAY_H */
