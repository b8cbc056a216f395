/*
 * test_render.c - unit tests of the message template engine (src/core).
 *
 * Fields come from a small NULL-terminated table (a NULL value is a field
 * whose lookup returns NULL); output is collected into a fixed buffer.
 * render() returns the output, or "ERR:<message>" on error, so that each
 * test reads as template in, text out.
 */
#include "render.h"
#include "unit.h"

typedef struct field
{
	const char *name;
	const char *value;
} field;

#define FIELDS(...) ((const field[]) {__VA_ARGS__, {NULL, NULL}})
#define NO_FIELDS ((const field *) NULL)

static fu_render_error err;
static fu_render_status status;
static char out[2048];
static size_t out_len;
static int	lookups;
static int	emits;
static int	empty_emits;
static char looked_up[8][128];	/* names passed to lookup, in order */

static const char *
lookup(void *ctx, const char *name, size_t name_len, size_t *value_len)
{
	const field *f = ctx;

	if (lookups < 8 && name_len < sizeof(looked_up[0]))
	{
		memcpy(looked_up[lookups], name, name_len);
		looked_up[lookups][name_len] = '\0';
	}
	lookups++;
	for (; f != NULL && f->name != NULL; f++)
	{
		if (strlen(f->name) == name_len && memcmp(f->name, name, name_len) == 0)
		{
			if (f->value == NULL)
				return NULL;
			*value_len = strlen(f->value);
			return f->value;
		}
	}
	return NULL;
}

static void
emit(void *ctx, const char *s, size_t len)
{
	(void) ctx;
	emits++;
	if (len == 0)
		empty_emits++;
	if (out_len + len < sizeof(out))
		memcpy(out + out_len, s, len);
	out_len += len;
}

static void
reset(void)
{
	out_len = 0;
	lookups = emits = empty_emits = 0;
	memset(looked_up, 0, sizeof(looked_up));
	memset(&err, 0x7f, sizeof(err));
}

/* render tmpl[0..len) with fields: the output, or "ERR:<message>" */
static const char *
render_len(const char *tmpl, size_t len, const field *fields)
{
	static char result[sizeof(out) + 300];

	reset();
	status = fu_render(tmpl, len, lookup, (void *) fields, emit, NULL, &err);
	if (status != FU_RENDER_OK)
	{
		snprintf(result, sizeof(result), "ERR:%s", err.message);
		return result;
	}
	if (out_len >= sizeof(out))
		return "(output overflowed the test buffer)";
	memcpy(result, out, out_len);
	result[out_len] = '\0';
	return result;
}

static const char *
render(const char *tmpl, const field *fields)
{
	return render_len(tmpl, strlen(tmpl), fields);
}

/* fu_render_check on a C string: its message, or "OK" */
static const char *
check(const char *tmpl)
{
	status = fu_render_check(tmpl, strlen(tmpl), &err);
	return status == FU_RENDER_OK ? "OK" : err.message;
}

/* --- rendering --------------------------------------------------------- */

static void
plain_text_passes_through_unchanged(void)
{
	CHECK_STR_EQ(render("Thanks for your time today.", NO_FIELDS),
				 "Thanks for your time today.");
	CHECK_INT_EQ(status, FU_RENDER_OK);
	CHECK_INT_EQ(lookups, 0);
}

static void
empty_template_renders_empty(void)
{
	CHECK_STR_EQ(render("", NO_FIELDS), "");
	CHECK_INT_EQ(status, FU_RENDER_OK);
	CHECK_INT_EQ(emits, 0);
}

static void
fields_are_replaced_by_their_values(void)
{
	CHECK_STR_EQ(render("Hi {{name}}, the {{product|phone}} you asked about is back in stock until {{until}}.",
						FIELDS({"name", "Nino"}, {"product", "X200 tablet"}, {"until", "Friday"})),
				 "Hi Nino, the X200 tablet you asked about is back in stock until Friday.");
	CHECK_INT_EQ(lookups, 3);
}

static void
default_is_used_when_field_is_missing(void)
{
	CHECK_STR_EQ(render("the {{product|phone}} is back", FIELDS({"name", "Nino"})),
				 "the phone is back");
}

static void
value_wins_over_default(void)
{
	CHECK_STR_EQ(render("Hi {{name|there}}!", FIELDS({"name", "Nino"})), "Hi Nino!");
}

static void
null_lookup_counts_as_missing(void)
{
	CHECK_STR_EQ(render("Hi {{name|there}}!", FIELDS({"name", NULL})), "Hi there!");
	CHECK_STR_EQ(render("Hi {{name}}!", FIELDS({"name", NULL})),
				 "ERR:missing field \"name\" at position 4 (use {{name|default}} to give a default)");
}

static void
empty_value_is_not_missing(void)
{
	CHECK_STR_EQ(render("Hi {{name|there}}!", FIELDS({"name", ""})), "Hi !");
	CHECK_INT_EQ(status, FU_RENDER_OK);
	CHECK_INT_EQ(empty_emits, 0);
}

static void
empty_default_renders_nothing(void)
{
	CHECK_STR_EQ(render("Hi{{ name|}}!", NO_FIELDS), "Hi!");
	CHECK_STR_EQ(render("Hi{{ name |   }}!", NO_FIELDS), "Hi!");
	CHECK_INT_EQ(empty_emits, 0);
}

static void
blanks_around_name_are_ignored(void)
{
	const field *f = FIELDS({"name", "Nino"});

	CHECK_STR_EQ(render("{{ name }}", f), "Nino");
	CHECK_STR_EQ(render("{{\tname\t}}", f), "Nino");
	CHECK_STR_EQ(render("{{  name  |  there  }}", f), "Nino");
	CHECK_STR_EQ(looked_up[0], "name");
}

static void
default_is_trimmed_but_inner_text_kept(void)
{
	CHECK_STR_EQ(render("[{{ x |  a  b\t}}]", NO_FIELDS), "[a  b]");
	CHECK_STR_EQ(render("[{{x|\t a \t}}]", NO_FIELDS), "[a]");
}

static void
default_may_hold_pipes_and_single_braces(void)
{
	CHECK_STR_EQ(render("{{x|a|b}c{d}}", NO_FIELDS), "a|b}c{d");
}

static void
adjacent_tags_render_back_to_back(void)
{
	CHECK_STR_EQ(render("{{a}}{{b}}{{a}}", FIELDS({"a", "x"}, {"b", "y"})), "xyx");
	CHECK_INT_EQ(lookups, 3);
}

static void
each_tag_is_looked_up_once_in_order(void)
{
	CHECK_STR_EQ(render("{{b}} {{a|-}} {{b}}", FIELDS({"b", "2"})), "2 - 2");
	CHECK_INT_EQ(lookups, 3);
	CHECK_STR_EQ(looked_up[0], "b");
	CHECK_STR_EQ(looked_up[1], "a");
	CHECK_STR_EQ(looked_up[2], "b");
}

static void
single_braces_are_literal(void)
{
	CHECK_STR_EQ(render("a { b } c {x} }{ {", NO_FIELDS), "a { b } c {x} }{ {");
	CHECK_INT_EQ(lookups, 0);
}

static void
stray_closing_braces_are_literal(void)
{
	CHECK_STR_EQ(render("}} and }}} then {{a}}}}", FIELDS({"a", "x"})),
				 "}} and }}} then x}}");
}

static void
dotted_name_reaches_lookup_whole(void)
{
	CHECK_STR_EQ(render("in {{ attrs.city }}", FIELDS({"attrs.city", "Tbilisi"})),
				 "in Tbilisi");
	CHECK_STR_EQ(looked_up[0], "attrs.city");
}

static void
names_may_use_underscores_and_digits(void)
{
	CHECK_STR_EQ(render("{{_x1}} {{A_b.9}}", FIELDS({"_x1", "p"}, {"A_b.9", "q"})), "p q");
}

static void
utf8_text_passes_through(void)
{
	CHECK_STR_EQ(render("Grüße, {{name|du}} — 你好 🎉 {{city|Köln}}", FIELDS({"name", "Zoë"})),
				 "Grüße, Zoë — 你好 🎉 Köln");
}

static void
value_is_not_parsed_again(void)
{
	CHECK_STR_EQ(render("<{{a}}>", FIELDS({"a", "{{b}} {{"})), "<{{b}} {{>");
	CHECK_INT_EQ(lookups, 1);
}

static void
length_is_authoritative_not_nul(void)
{
	const char	tmpl[] = "a\0b{{x}}c";

	/* an embedded NUL is plain text */
	render_len(tmpl, sizeof(tmpl) - 1, FIELDS({"x", "X"}));
	CHECK_INT_EQ(status, FU_RENDER_OK);
	CHECK_INT_EQ(out_len, 5);
	CHECK(memcmp(out, "a\0bXc", 5) == 0);

	/* bytes past len are not read, even a "}}" that would close the tag */
	CHECK_STR_EQ(render_len("{{x}}tail", 5, FIELDS({"x", "X"})), "X");
	CHECK_STR_EQ(render_len("ab{{x}}", 5, NO_FIELDS),
				 "ERR:unterminated \"{{\" at position 3");
}

/* --- errors ------------------------------------------------------------ */

static void
missing_field_without_default_is_error(void)
{
	CHECK_STR_EQ(render("Hi {{name}}", NO_FIELDS),
				 "ERR:missing field \"name\" at position 4 (use {{name|default}} to give a default)");
	CHECK_INT_EQ(status, FU_RENDER_MISSING_FIELD);
	CHECK_INT_EQ(err.status, FU_RENDER_MISSING_FIELD);
	CHECK_INT_EQ(err.position, 4);
}

static void
missing_field_points_at_its_own_tag(void)
{
	CHECK_STR_EQ(render("{{a}} and {{ b }}", FIELDS({"a", "x"})),
				 "ERR:missing field \"b\" at position 11 (use {{b|default}} to give a default)");
	CHECK_INT_EQ(err.position, 11);
}

static void
unterminated_tag_is_error(void)
{
	CHECK_STR_EQ(render("Hi {{name, see you", FIELDS({"name", "Nino"})),
				 "ERR:unterminated \"{{\" at position 4");
	CHECK_INT_EQ(status, FU_RENDER_UNTERMINATED);
	CHECK_INT_EQ(err.position, 4);
}

static void
single_closing_brace_does_not_close_a_tag(void)
{
	CHECK_STR_EQ(render("{{name}", FIELDS({"name", "Nino"})),
				 "ERR:unterminated \"{{\" at position 1");
	CHECK_STR_EQ(render("{{name} }", FIELDS({"name", "Nino"})),
				 "ERR:unterminated \"{{\" at position 1");
}

static void
opening_braces_at_end_are_unterminated(void)
{
	CHECK_STR_EQ(render("see you {{", NO_FIELDS), "ERR:unterminated \"{{\" at position 9");
	CHECK_STR_EQ(render("{{a}} {{b", FIELDS({"a", "x"})),
				 "ERR:unterminated \"{{\" at position 7");
	CHECK_INT_EQ(err.position, 7);
}

static void
empty_name_is_error(void)
{
	CHECK_STR_EQ(render("{{}}", NO_FIELDS), "ERR:empty field name at position 1");
	CHECK_INT_EQ(status, FU_RENDER_EMPTY_NAME);
	CHECK_STR_EQ(render("ab{{ \t }}", NO_FIELDS), "ERR:empty field name at position 3");
	CHECK_INT_EQ(err.position, 3);
}

static void
blank_name_with_default_is_error(void)
{
	CHECK_STR_EQ(render("Hi {{ |there}}", NO_FIELDS), "ERR:empty field name at position 4");
	CHECK_INT_EQ(status, FU_RENDER_EMPTY_NAME);
	CHECK_STR_EQ(render("{{|}}", NO_FIELDS), "ERR:empty field name at position 1");
}

static void
name_starting_with_digit_is_error(void)
{
	CHECK_STR_EQ(render("Hi{{1abc}}", FIELDS({"1abc", "x"})),
				 "ERR:invalid field name \"1abc\" at position 3");
	CHECK_INT_EQ(status, FU_RENDER_BAD_NAME);
	CHECK_INT_EQ(err.position, 3);
	CHECK_STR_EQ(render("{{.a}}", NO_FIELDS), "ERR:invalid field name \".a\" at position 1");
}

static void
name_with_other_characters_is_error(void)
{
	CHECK_STR_EQ(render("{{first name}}", NO_FIELDS),
				 "ERR:invalid field name \"first name\" at position 1");
	CHECK_STR_EQ(render("{{ a-b | x }}", NO_FIELDS),
				 "ERR:invalid field name \"a-b\" at position 1");
	CHECK_STR_EQ(render("{{stadt_ü}}", NO_FIELDS),
				 "ERR:invalid field name \"stadt_ü\" at position 1");
	CHECK_STR_EQ(render("{{\nname}}", NO_FIELDS),
				 "ERR:invalid field name \"\nname\" at position 1");
}

static void
triple_brace_opens_at_first_pair(void)
{
	CHECK_STR_EQ(render("{{{x}}", FIELDS({"x", "X"})),
				 "ERR:invalid field name \"{x\" at position 1");
	CHECK_STR_EQ(render("{{{{x}}}}", FIELDS({"x", "X"})),
				 "ERR:invalid field name \"{{x\" at position 1");
}

static void
long_name_is_cut_in_message(void)
{
	char		tmpl[200];
	char		want[300];
	char		name[101];

	memset(name, 'a', 100);
	name[0] = '9';
	name[100] = '\0';
	snprintf(tmpl, sizeof(tmpl), "{{%s}}", name);
	snprintf(want, sizeof(want), "ERR:invalid field name \"%.64s...\" at position 1", name);
	CHECK_STR_EQ(render(tmpl, NO_FIELDS), want);

	name[0] = 'a';
	snprintf(tmpl, sizeof(tmpl), "x{{%s}}", name);
	snprintf(want, sizeof(want),
			 "ERR:missing field \"%.64s...\" at position 2 (use {{%.64s...|default}} to give a default)",
			 name, name);
	CHECK_STR_EQ(render(tmpl, NO_FIELDS), want);

	/* exactly 64 bytes is shown whole */
	name[64] = '\0';
	snprintf(tmpl, sizeof(tmpl), "{{%s}}", name);
	CHECK_STR_CONTAINS(render(tmpl, NO_FIELDS), "\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\"");
}

static void
cut_keeps_utf8_characters_whole(void)
{
	char		tmpl[200] = "{{1";
	char		want[300];

	/* "1" then 40 two-byte characters: byte 64 is mid-character */
	for (int i = 0; i < 40; i++)
		strcat(tmpl, "é");
	strcat(tmpl, "}}");
	snprintf(want, sizeof(want), "ERR:invalid field name \"%.63s...\" at position 1", tmpl + 2);
	CHECK_STR_EQ(render(tmpl, NO_FIELDS), want);
}

static void
syntax_error_comes_before_any_lookup_or_output(void)
{
	CHECK_STR_EQ(render("Hi {{a}}, text {{b", FIELDS({"a", "x"}, {"b", "y"})),
				 "ERR:unterminated \"{{\" at position 16");
	CHECK_INT_EQ(lookups, 0);
	CHECK_INT_EQ(emits, 0);
}

static void
syntax_error_wins_over_earlier_missing_field(void)
{
	CHECK_STR_EQ(render("{{missing}} {{1x}}", NO_FIELDS),
				 "ERR:invalid field name \"1x\" at position 13");
	CHECK_INT_EQ(status, FU_RENDER_BAD_NAME);
}

static void
success_clears_the_error(void)
{
	CHECK_STR_EQ(render("ok", NO_FIELDS), "ok");
	CHECK_INT_EQ(err.status, FU_RENDER_OK);
	CHECK_INT_EQ(err.position, 0);
	CHECK_STR_EQ(err.message, "");
}

/* --- fu_render_check --------------------------------------------------- */

static void
check_accepts_fields_without_values(void)
{
	CHECK_STR_EQ(check("Hi {{name}}, the {{product|phone}} {{ attrs.city |}}"), "OK");
	CHECK_INT_EQ(status, FU_RENDER_OK);
	CHECK_STR_EQ(check(""), "OK");
	CHECK_STR_EQ(check("} { }} {"), "OK");
}

static void
check_reports_the_same_syntax_errors_as_render(void)
{
	static const char *const templates[] = {
		"Hi {{name", "{{}}", "a {{ |x}}", "{{1abc}}", "{{{x}}", "{{a}} {{b c}}",
	};

	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
	{
		fu_render_error from_check;
		fu_render_status check_status;

		check(templates[i]);
		check_status = status;
		from_check = err;
		render(templates[i], NO_FIELDS);
		CHECK(check_status != FU_RENDER_OK);
		CHECK_INT_EQ(check_status, status);
		CHECK_INT_EQ(from_check.position, err.position);
		CHECK_STR_EQ(from_check.message, err.message);
	}
	CHECK_STR_EQ(check("{{a}} {{b c}}"), "invalid field name \"b c\" at position 7");
}

UNIT_MAIN("render",
		  UNIT_CASE(plain_text_passes_through_unchanged),
		  UNIT_CASE(empty_template_renders_empty),
		  UNIT_CASE(fields_are_replaced_by_their_values),
		  UNIT_CASE(default_is_used_when_field_is_missing),
		  UNIT_CASE(value_wins_over_default),
		  UNIT_CASE(null_lookup_counts_as_missing),
		  UNIT_CASE(empty_value_is_not_missing),
		  UNIT_CASE(empty_default_renders_nothing),
		  UNIT_CASE(blanks_around_name_are_ignored),
		  UNIT_CASE(default_is_trimmed_but_inner_text_kept),
		  UNIT_CASE(default_may_hold_pipes_and_single_braces),
		  UNIT_CASE(adjacent_tags_render_back_to_back),
		  UNIT_CASE(each_tag_is_looked_up_once_in_order),
		  UNIT_CASE(single_braces_are_literal),
		  UNIT_CASE(stray_closing_braces_are_literal),
		  UNIT_CASE(dotted_name_reaches_lookup_whole),
		  UNIT_CASE(names_may_use_underscores_and_digits),
		  UNIT_CASE(utf8_text_passes_through),
		  UNIT_CASE(value_is_not_parsed_again),
		  UNIT_CASE(length_is_authoritative_not_nul),
		  UNIT_CASE(missing_field_without_default_is_error),
		  UNIT_CASE(missing_field_points_at_its_own_tag),
		  UNIT_CASE(unterminated_tag_is_error),
		  UNIT_CASE(single_closing_brace_does_not_close_a_tag),
		  UNIT_CASE(opening_braces_at_end_are_unterminated),
		  UNIT_CASE(empty_name_is_error),
		  UNIT_CASE(blank_name_with_default_is_error),
		  UNIT_CASE(name_starting_with_digit_is_error),
		  UNIT_CASE(name_with_other_characters_is_error),
		  UNIT_CASE(triple_brace_opens_at_first_pair),
		  UNIT_CASE(long_name_is_cut_in_message),
		  UNIT_CASE(cut_keeps_utf8_characters_whole),
		  UNIT_CASE(syntax_error_comes_before_any_lookup_or_output),
		  UNIT_CASE(syntax_error_wins_over_earlier_missing_field),
		  UNIT_CASE(success_clears_the_error),
		  UNIT_CASE(check_accepts_fields_without_values),
		  UNIT_CASE(check_reports_the_same_syntax_errors_as_render))
