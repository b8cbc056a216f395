/*
 * fuzz_render.c - libFuzzer harness for the message template renderer.
 *
 * The first line of the input is the template and each further line (up to
 * four) is a value; a field gets the value picked by a hash of its name, or
 * is missing, so the same seed exercises values and defaults.  The whole
 * input is also rendered as one template, to cover newlines and NUL bytes
 * inside tags.  Invariants checked with abort(): fu_render_check agrees with
 * fu_render on every syntax error and then nothing was looked up or
 * emitted; an error points at a "{{" inside the template and says where;
 * lookups only see valid names taken from the template; the output is never
 * longer than the template plus the values handed out; a template without
 * "{{" renders to itself; when every field has a value the render succeeds
 * exactly when the check does.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define MAX_VALUES 4

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

typedef struct fuzz_state
{
	const char *tmpl;
	size_t		len;
	const char *value[MAX_VALUES];
	size_t		value_len[MAX_VALUES];
	int			nvalues;
	bool		echo;			/* every field's value is its own name */
	size_t		lookups;
	size_t		misses;
	size_t		handed_out;		/* total bytes of the values returned */
	char	   *out;
	size_t		out_len;
	size_t		out_cap;
	size_t		emits;
} fuzz_state;

static bool
valid_name(const char *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		char		c = name[i];
		bool		ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
			(i > 0 && ((c >= '0' && c <= '9') || c == '.'));

		if (!ok)
			return false;
	}
	return true;
}

static const char *
lookup(void *ctx, const char *name, size_t name_len, size_t *value_len)
{
	fuzz_state *st = ctx;
	unsigned int h = 2166136261u;
	int			pick;

	/* names are spans of the template, never empty, always well formed */
	if (name < st->tmpl || name + name_len > st->tmpl + st->len ||
		!valid_name(name, name_len))
		abort();
	st->lookups++;
	if (st->echo)
	{
		*value_len = name_len;
		st->handed_out += name_len;
		return name;
	}
	for (size_t i = 0; i < name_len; i++)
		h = (h ^ (unsigned char) name[i]) * 16777619u;
	pick = (int) (h % (unsigned int) (st->nvalues + 1));
	if (pick == st->nvalues)
	{
		st->misses++;
		return NULL;
	}
	*value_len = st->value_len[pick];
	st->handed_out += st->value_len[pick];
	return st->value[pick];
}

static void
emit(void *ctx, const char *s, size_t len)
{
	fuzz_state *st = ctx;

	if (len == 0)
		abort();				/* the renderer promises never to emit nothing */
	if (st->out_len + len > st->out_cap)
	{
		size_t		cap = (st->out_len + len) * 2;
		char	   *grown = realloc(st->out, cap);

		if (grown == NULL)
			abort();
		st->out = grown;
		st->out_cap = cap;
	}
	memcpy(st->out + st->out_len, s, len);
	st->out_len += len;
	st->emits++;
}

static bool
has_open(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '{' && s[i + 1] == '{')
			return true;
	return false;
}

/* An error must name a "{{" of the template and say where it is. */
static void
check_error(const fu_render_error *err, fu_render_status status,
			const char *tmpl, size_t len)
{
	char		where[32];

	if (err->status != status ||
		err->position < 1 || (size_t) err->position + 1 > len ||
		tmpl[err->position - 1] != '{' || tmpl[err->position] != '{' ||
		memchr(err->message, '\0', sizeof(err->message)) == NULL ||
		err->message[0] == '\0')
		abort();
	snprintf(where, sizeof(where), " at position %d", err->position);
	if (strstr(err->message, where) == NULL)
		abort();
}

static fu_render_status
run(fuzz_state *st, fu_render_error *err)
{
	st->lookups = st->misses = st->handed_out = 0;
	st->out_len = st->emits = 0;
	return fu_render(st->tmpl, st->len, lookup, st, emit, st, err);
}

static void
fuzz_template(fuzz_state *st)
{
	fu_render_error err,
				check_err;
	fu_render_status status,
				check_status;

	check_status = fu_render_check(st->tmpl, st->len, &check_err);
	if (check_status == FU_RENDER_MISSING_FIELD)
		abort();
	if (check_status != FU_RENDER_OK)
		check_error(&check_err, check_status, st->tmpl, st->len);

	/* values picked by name */
	st->echo = false;
	status = run(st, &err);
	if (check_status != FU_RENDER_OK)
	{
		/* syntax errors come first, the same whatever the values */
		if (status != check_status || err.position != check_err.position ||
			strcmp(err.message, check_err.message) != 0 ||
			st->lookups != 0 || st->emits != 0)
			abort();
		return;
	}
	if (status == FU_RENDER_MISSING_FIELD)
	{
		check_error(&err, status, st->tmpl, st->len);
		if (st->misses == 0)
			abort();
	}
	else if (status == FU_RENDER_OK)
	{
		if (err.status != FU_RENDER_OK || st->out_len > st->len + st->handed_out)
			abort();
		if (!has_open(st->tmpl, st->len) &&
			(st->lookups != 0 || st->out_len != st->len ||
			 (st->len > 0 && memcmp(st->out, st->tmpl, st->len) != 0)))
			abort();
	}
	else
		abort();

	/*
	 * Every field present, its value its own name: nothing can fail, and as
	 * each tag is at least "{{" name "}}" the output shrinks by 4 per tag.
	 */
	st->echo = true;
	status = run(st, &err);
	if (status != FU_RENDER_OK || st->out_len + 4 * st->lookups > st->len)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text = (const char *) data;
	const char *end = text + size;
	const char *nl = memchr(text, '\n', size);
	fuzz_state	st;

	memset(&st, 0, sizeof(st));

	/* first line: the template; further lines: values */
	st.tmpl = text;
	st.len = nl != NULL ? (size_t) (nl - text) : size;
	if (nl != NULL)
	{
		const char *p = nl + 1;

		while (st.nvalues < MAX_VALUES && p <= end)
		{
			const char *eol = memchr(p, '\n', (size_t) (end - p));
			const char *stop = eol != NULL ? eol : end;

			st.value[st.nvalues] = p;
			st.value_len[st.nvalues] = (size_t) (stop - p);
			st.nvalues++;
			if (eol == NULL)
				break;
			p = eol + 1;
		}
	}
	fuzz_template(&st);

	/* the whole input as one template, with the same values */
	if (nl != NULL)
	{
		st.tmpl = text;
		st.len = size;
		fuzz_template(&st);
	}

	free(st.out);
	return 0;
}
