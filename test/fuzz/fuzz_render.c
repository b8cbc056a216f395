/*
 * fuzz_render.c - libFuzzer harness for the template renderer.
 *
 * The input is split at the first NUL: a template, then a value given to
 * every field whose name starts with a letter before 'n' (the others are
 * missing).  Invariants: no crash; an error points at a "{{" inside the
 * template and agrees with fu_render_check on syntax; a template without
 * "{{" renders to itself; output stays within a bound computed up front.
 */
#define _GNU_SOURCE				/* memmem */
#include <stdlib.h>
#include <string.h>

#include "render.h"

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

typedef struct sink
{
	size_t		len;
	size_t		cap;
	char	   *buf;
} sink;

static const char *value;
static size_t value_len;

static const char *
lookup(void *ctx, const char *name, size_t name_len, size_t *len)
{
	(void) ctx;
	if (name_len == 0)
		abort();				/* the renderer never asks for an empty name */
	if (name[0] >= 'n' || (name[0] >= 'N' && name[0] <= 'Z'))
		return NULL;
	*len = value_len;
	return value;
}

static void
emit(void *ctx, const char *s, size_t len)
{
	sink	   *out = ctx;

	if (out->len + len > out->cap)
		abort();
	memcpy(out->buf + out->len, s, len);
	out->len += len;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *tmpl = (const char *) data;
	const char *nul = memchr(data, '\0', size);
	size_t		tmpl_len = nul ? (size_t) (nul - tmpl) : size;
	sink		out;
	fu_render_error err,
				check_err;
	fu_render_status st,
				check_st;

	value = nul ? nul + 1 : "";
	value_len = nul ? size - tmpl_len - 1 : 0;

	/* each tag is at least 4 bytes and yields at most max(value, default) */
	out.cap = tmpl_len + (tmpl_len / 4 + 1) * value_len + 1;
	out.len = 0;
	out.buf = malloc(out.cap);

	st = fu_render(tmpl, tmpl_len, lookup, NULL, emit, &out, &err);
	check_st = fu_render_check(tmpl, tmpl_len, &check_err);
	if (st != FU_RENDER_OK)
	{
		if (err.position < 1 || (size_t) err.position + 1 > tmpl_len ||
			memcmp(tmpl + err.position - 1, "{{", 2) != 0 || err.message[0] == '\0')
			abort();
		if (st != FU_RENDER_MISSING_FIELD &&
			(check_st != st || check_err.position != err.position))
			abort();
	}
	else
	{
		if (check_st != FU_RENDER_OK)
			abort();
		if (tmpl_len < 2 || memmem(tmpl, tmpl_len, "{{", 2) == NULL)
			if (out.len != tmpl_len || memcmp(out.buf, tmpl, tmpl_len) != 0)
				abort();
	}
	free(out.buf);
	return 0;
}
