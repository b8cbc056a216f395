/*
 * render.c - fill message templates: "{{field}}" and "{{field|default}}".
 *
 * A tag opens at the first "{{" and closes at the next "}}"; there is no
 * escaping and no nesting, so "{{{x}}" is the tag "{x" (an invalid name).
 * Inside a tag the text before the first "|" is the field name, trimmed of
 * spaces and tabs; the text after it is the default, trimmed the same way,
 * used when the lookup says the field is missing.  Anything outside a tag,
 * including single braces and a stray "}}", is copied as is.  fu_render
 * walks the template twice: once to find syntax errors, once to look up and
 * emit, so that a broken template fails the same way whatever the values
 * and never produces half a message.  No allocation happens here.
 */
#include "render.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* One tag, as spans of the template. */
typedef struct render_tag
{
	size_t		open;			/* index of "{{" */
	size_t		end;			/* index just after "}}" */
	const char *name;
	size_t		name_len;
	bool		has_default;
	const char *dflt;
	size_t		dflt_len;
} render_tag;

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

/* Trim spaces and tabs from both ends of s[*start..*end). */
static void
trim_blanks(const char *s, size_t *start, size_t *end)
{
	while (*start < *end && is_blank(s[*start]))
		(*start)++;
	while (*end > *start && is_blank(s[*end - 1]))
		(*end)--;
}

/* 1-based position of byte index i, clamped so it always fits the int. */
static int
position_of(size_t i)
{
	return i >= (size_t) INT_MAX ? INT_MAX : (int) i + 1;
}

/*
 * How many bytes of a field name to quote in a message: all of it up to
 * FU_RENDER_NAME_SHOWN, otherwise cut there, backing up to a UTF-8
 * character boundary so that the message stays valid text for the server.
 */
static size_t
shown_length(const char *name, size_t len)
{
	size_t		n;

	if (len <= FU_RENDER_NAME_SHOWN)
		return len;
	n = FU_RENDER_NAME_SHOWN;
	while (n > 0 && ((unsigned char) name[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static fu_render_status
fail_at(fu_render_error *err, fu_render_status status, size_t open,
		const char *name, size_t name_len)
{
	int			pos = position_of(open);
	int			shown = (int) shown_length(name, name_len);
	const char *more = (size_t) shown < name_len ? "..." : "";

	err->status = status;
	err->position = pos;
	switch (status)
	{
		case FU_RENDER_UNTERMINATED:
			snprintf(err->message, sizeof(err->message),
					 "unterminated \"{{\" at position %d", pos);
			break;
		case FU_RENDER_EMPTY_NAME:
			snprintf(err->message, sizeof(err->message),
					 "empty field name at position %d", pos);
			break;
		case FU_RENDER_BAD_NAME:
			snprintf(err->message, sizeof(err->message),
					 "invalid field name \"%.*s%s\" at position %d",
					 shown, name, more, pos);
			break;
		case FU_RENDER_MISSING_FIELD:
			snprintf(err->message, sizeof(err->message),
					 "missing field \"%.*s%s\" at position %d (use {{%.*s%s|default}} to give a default)",
					 shown, name, more, pos, shown, name, more);
			break;
		case FU_RENDER_OK:
			err->message[0] = '\0';
			break;
	}
	return status;
}

/*
 * Index of the next pair of c ("{{" or "}}") at or after from, or len when
 * there is none.  memchr keeps long runs of plain text cheap.
 */
static size_t
find_pair(const char *tmpl, size_t len, size_t from, char c)
{
	size_t		i = from;

	while (i + 1 < len)
	{
		const char *hit = memchr(tmpl + i, c, len - i - 1);

		if (hit == NULL)
			break;
		i = (size_t) (hit - tmpl);
		if (tmpl[i + 1] == c)
			return i;
		i++;
	}
	return len;
}

/* Parse the tag whose "{{" is at tmpl[open] into *t. */
static fu_render_status
parse_tag(const char *tmpl, size_t len, size_t open, render_tag *t,
		  fu_render_error *err)
{
	size_t		close = find_pair(tmpl, len, open + 2, '}');
	size_t		name_start = open + 2;
	size_t		name_end;
	const char *bar;

	if (close == len)
		return fail_at(err, FU_RENDER_UNTERMINATED, open, NULL, 0);

	t->open = open;
	t->end = close + 2;

	/* the default starts after the first "|"; later ones are its text */
	bar = memchr(tmpl + name_start, '|', close - name_start);
	name_end = bar != NULL ? (size_t) (bar - tmpl) : close;
	t->has_default = bar != NULL;
	if (bar != NULL)
	{
		size_t		d_start = name_end + 1;
		size_t		d_end = close;

		trim_blanks(tmpl, &d_start, &d_end);
		t->dflt = tmpl + d_start;
		t->dflt_len = d_end - d_start;
	}
	else
	{
		t->dflt = NULL;
		t->dflt_len = 0;
	}

	trim_blanks(tmpl, &name_start, &name_end);
	t->name = tmpl + name_start;
	t->name_len = name_end - name_start;
	if (t->name_len == 0)
		return fail_at(err, FU_RENDER_EMPTY_NAME, open, NULL, 0);
	for (size_t i = 0; i < t->name_len; i++)
	{
		if (!(i == 0 ? is_name_start(t->name[i]) : is_name_char(t->name[i])))
			return fail_at(err, FU_RENDER_BAD_NAME, open, t->name, t->name_len);
	}
	return FU_RENDER_OK;
}

/*
 * Walk the template.  With render false only the syntax is checked: no
 * lookup, no output.  With render true the caller has already checked the
 * syntax, so the only error left is a missing field.
 */
static fu_render_status
walk(const char *tmpl, size_t len, bool render,
	 fu_render_lookup lookup, void *lookup_ctx,
	 fu_render_emit emit, void *emit_ctx, fu_render_error *err)
{
	size_t		text_start = 0;
	size_t		open;

	while ((open = find_pair(tmpl, len, text_start, '{')) < len)
	{
		render_tag	t;
		fu_render_status status = parse_tag(tmpl, len, open, &t, err);

		if (status != FU_RENDER_OK)
			return status;
		if (render)
		{
			const char *value = NULL;
			size_t		value_len = 0;

			if (open > text_start)
				emit(emit_ctx, tmpl + text_start, open - text_start);
			if (lookup != NULL)
				value = lookup(lookup_ctx, t.name, t.name_len, &value_len);
			if (value == NULL)
			{
				if (!t.has_default)
					return fail_at(err, FU_RENDER_MISSING_FIELD, open,
								   t.name, t.name_len);
				value = t.dflt;
				value_len = t.dflt_len;
			}
			if (value_len > 0)
				emit(emit_ctx, value, value_len);
		}
		text_start = t.end;
	}
	if (render && len > text_start)
		emit(emit_ctx, tmpl + text_start, len - text_start);
	return FU_RENDER_OK;
}

static void
emit_nothing(void *ctx, const char *s, size_t len)
{
	(void) ctx;
	(void) s;
	(void) len;
}

static void
clear_error(fu_render_error *err)
{
	err->status = FU_RENDER_OK;
	err->position = 0;
	err->message[0] = '\0';
}

fu_render_status
fu_render(const char *tmpl, size_t len, fu_render_lookup lookup, void *lookup_ctx,
		  fu_render_emit emit, void *emit_ctx, fu_render_error *err)
{
	fu_render_error scratch;
	fu_render_status status;

	/* callers that only want the status may pass no error */
	if (err == NULL)
		err = &scratch;
	clear_error(err);
	if (tmpl == NULL)
		len = 0;

	/* a caller that only wants to know whether it renders may pass no emit */
	if (emit == NULL)
		emit = emit_nothing;

	status = walk(tmpl, len, false, NULL, NULL, NULL, NULL, err);
	if (status != FU_RENDER_OK)
		return status;
	return walk(tmpl, len, true, lookup, lookup_ctx, emit, emit_ctx, err);
}

fu_render_status
fu_render_check(const char *tmpl, size_t len, fu_render_error *err)
{
	fu_render_error scratch;

	if (err == NULL)
		err = &scratch;
	clear_error(err);
	if (tmpl == NULL)
		len = 0;
	return walk(tmpl, len, false, NULL, NULL, NULL, NULL, err);
}
