/*
 * render.h - message templates: "{{field}}" and "{{field|default}}".
 *
 * This is the server-free template engine behind followup.render(): plain
 * C99, no allocation, no PostgreSQL headers.  Values come from a lookup
 * callback and output goes to an emit callback, so the caller decides where
 * fields live (jsonb, a test table) and where text goes (a StringInfo, a
 * buffer).  A syntax error is always found before any lookup or output, so
 * a template that fu_render_check() accepts can only fail to render with
 * FU_RENDER_MISSING_FIELD.
 */
#ifndef FOLLOWUP_CORE_RENDER_H
#define FOLLOWUP_CORE_RENDER_H

#include <stddef.h>

/*
 * Called once per tag, in template order; return a pointer to the value and
 * set *value_len, or return NULL when the field is missing.  name is NOT
 * NUL-terminated; it always matches [A-Za-z_][A-Za-z0-9_.]*.  The value
 * only has to stay valid until the next call.
 */
typedef const char *(*fu_render_lookup) (void *ctx, const char *name,
										 size_t name_len, size_t *value_len);

/* Called to append output; s is not NUL-terminated and len is never 0. */
typedef void (*fu_render_emit) (void *ctx, const char *s, size_t len);

typedef enum fu_render_status
{
	FU_RENDER_OK = 0,
	FU_RENDER_UNTERMINATED,		/* "{{" with no "}}" after it */
	FU_RENDER_EMPTY_NAME,		/* "{{}}", "{{ |x}}" */
	FU_RENDER_BAD_NAME,			/* name not [A-Za-z_][A-Za-z0-9_.]* */
	FU_RENDER_MISSING_FIELD		/* lookup gave NULL and there is no default */
} fu_render_status;

/* Longest field name quoted in a message before it is cut with "..." */
#define FU_RENDER_NAME_SHOWN 64

typedef struct fu_render_error
{
	fu_render_status status;
	int			position;		/* 1-based byte offset of the offending "{{" */
	char		message[256];	/* lower case, no trailing period */
} fu_render_error;

/*
 * Render tmpl[0..len) (len is authoritative; NUL bytes are plain text).
 * Returns FU_RENDER_OK, or the error status after filling *err.  On a
 * syntax error nothing has been looked up or emitted; on a missing field
 * the output emitted so far is partial and should be thrown away.
 */
extern fu_render_status fu_render(const char *tmpl, size_t len,
								  fu_render_lookup lookup, void *lookup_ctx,
								  fu_render_emit emit, void *emit_ctx,
								  fu_render_error *err);

/*
 * Validate a template without values: the same syntax errors as fu_render,
 * never FU_RENDER_MISSING_FIELD.  Meant for CHECK constraints on stored
 * templates.
 */
extern fu_render_status fu_render_check(const char *tmpl, size_t len,
										fu_render_error *err);

#endif							/* FOLLOWUP_CORE_RENDER_H */
