/*
 * fuzz_cadence.c - libFuzzer harness for the cadence parser and printer.
 *
 * Invariants: parsing never crashes; an error points inside the input and
 * says something; whatever parses prints to a canonical form that parses
 * back to the same value and prints identically.
 */
#include <stdlib.h>
#include <string.h>

#include "cadence.h"

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char	   *text = malloc(size + 1);
	fu_cadence	c,
				again;
	fu_cadence_error err;
	char		out[FU_CADENCE_TEXT_MAX],
				out2[FU_CADENCE_TEXT_MAX];

	memcpy(text, data, size);
	text[size] = '\0';

	if (fu_cadence_parse(text, &c, &err) != FU_CADENCE_OK)
	{
		if (err.position < 1 || (size_t) err.position > strlen(text) + 1 ||
			err.message[0] == '\0')
			abort();
		free(text);
		return 0;
	}
	if (c.nsteps < 1 || c.nsteps > FU_CADENCE_MAX_STEPS ||
		fu_cadence_validate(&c, &err) != FU_CADENCE_OK)
		abort();
	fu_cadence_format(&c, out);
	if (strlen(out) >= FU_CADENCE_TEXT_MAX)
		abort();
	if (fu_cadence_parse(out, &again, &err) != FU_CADENCE_OK ||
		again.nsteps != c.nsteps)
		abort();
	for (int i = 0; i < c.nsteps; i++)
		if (again.step[i].days != c.step[i].days ||
			again.step[i].usecs != c.step[i].usecs)
			abort();
	fu_cadence_format(&again, out2);
	if (strcmp(out, out2) != 0)
		abort();
	free(text);
	return 0;
}
