/*
 * decay.c - exponential decay of a lead's momentum.
 *
 * Storing (momentum, momentum_at) and decaying on read keeps every update
 * O(1): a new signal decays the stored value to its own time and adds its
 * weight, whatever the lead's history.
 */
#include "decay.h"

#include <math.h>

double
fu_decay(double value, double elapsed_seconds, double half_life_seconds)
{
	if (!(elapsed_seconds > 0) || !(half_life_seconds > 0) || value == 0)
		return value;
	return value * exp2(-elapsed_seconds / half_life_seconds);
}

double
fu_momentum_add(double value, double elapsed_seconds, double half_life_seconds,
				double weight)
{
	return fu_decay(value, elapsed_seconds, half_life_seconds) + weight;
}
