/*
 * render.c - followup.render(template, vars): message templates filled from
 * a JSON object.
 *
 * The template language lives in core/render.c; this file looks fields up
 * in a jsonb object ("a.b" reads a nested object) and turns the result or
 * the error into SQL.  A JSON null counts as missing, so the default applies.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "core/render.h"
#include "render.h"

PG_FUNCTION_INFO_V1(followup_render);

typedef struct LookupContext
{
	Jsonb	   *vars;
	StringInfoData value;		/* the last value looked up */
} LookupContext;

static const char *
lookup_field(void *arg, const char *name, size_t name_len, size_t *value_len)
{
	LookupContext *ctx = arg;
	JsonbContainer *container;
	JsonbValue	key;
	JsonbValue *v = NULL;
	size_t		start = 0;

	if (ctx->vars == NULL || !JB_ROOT_IS_OBJECT(ctx->vars))
		return NULL;
	container = &ctx->vars->root;

	/* walk "a.b.c" through nested objects */
	while (start <= name_len)
	{
		size_t		end = start;

		while (end < name_len && name[end] != '.')
			end++;
		key.type = jbvString;
		key.val.string.val = (char *) name + start;
		key.val.string.len = (int) (end - start);
		v = findJsonbValueFromContainer(container, JB_FOBJECT, &key);
		if (v == NULL)
			return NULL;
		if (end == name_len)
			break;
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			return NULL;
		container = v->val.binary.data;
		start = end + 1;
	}

	resetStringInfo(&ctx->value);
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			appendBinaryStringInfo(&ctx->value, v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			appendStringInfoString(&ctx->value,
								   DatumGetCString(DirectFunctionCall1(numeric_out,
																	   NumericGetDatum(v->val.numeric))));
			break;
		case jbvBool:
			appendStringInfoString(&ctx->value, v->val.boolean ? "true" : "false");
			break;
		default:
			/* objects and arrays print as JSON */
			(void) JsonbToCString(&ctx->value, v->val.binary.data, v->val.binary.len);
			break;
	}
	*value_len = ctx->value.len;
	return ctx->value.data;
}

static void
emit_text(void *arg, const char *s, size_t len)
{
	appendBinaryStringInfo((StringInfo) arg, s, (int) len);
}

char *
render_template(const char *tmpl, Jsonb *vars, fu_render_error *err)
{
	LookupContext ctx;
	StringInfoData out;

	ctx.vars = vars;
	initStringInfo(&ctx.value);
	initStringInfo(&out);
	if (fu_render(tmpl, strlen(tmpl), lookup_field, &ctx, emit_text, &out, err) != FU_RENDER_OK)
	{
		pfree(out.data);
		out.data = NULL;
	}
	pfree(ctx.value.data);
	return out.data;
}

Datum
followup_render(PG_FUNCTION_ARGS)
{
	char	   *tmpl;
	Jsonb	   *vars = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	fu_render_error err;
	char	   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	tmpl = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (vars != NULL && !JB_ROOT_IS_OBJECT(vars))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("template fields must be a JSON object"),
				 errhint("Pass something like '{\"name\": \"Nino\"}'::jsonb.")));
	result = render_template(tmpl, vars, &err);
	if (result == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot render template: %s", err.message),
				 err.status == FU_RENDER_MISSING_FIELD ? 0 :
				 errhint("Fields are written {{name}} or {{name|default}}.")));
	PG_RETURN_TEXT_P(cstring_to_text(result));
}
