/*
 * cadence.c - the followup.cadence base type: text and binary I/O,
 * equality and hashing, accessors, and casts to and from interval[].
 *
 * Parsing and printing live in core/cadence.c so they can be unit-tested and
 * fuzzed without a server; this file maps their results to datums and their
 * errors to SQLSTATEs.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "cadence.h"

PG_FUNCTION_INFO_V1(cadence_in);
PG_FUNCTION_INFO_V1(cadence_out);
PG_FUNCTION_INFO_V1(cadence_recv);
PG_FUNCTION_INFO_V1(cadence_send);
PG_FUNCTION_INFO_V1(cadence_eq);
PG_FUNCTION_INFO_V1(cadence_ne);
PG_FUNCTION_INFO_V1(cadence_hash);
PG_FUNCTION_INFO_V1(cadence_steps);
PG_FUNCTION_INFO_V1(cadence_offset_at);
PG_FUNCTION_INFO_V1(cadence_offsets);
PG_FUNCTION_INFO_V1(cadence_from_intervals);

Cadence *
cadence_from_core(const fu_cadence *c)
{
	Cadence    *result = palloc0(CADENCE_SIZE(c->nsteps));
	int32	   *days;

	SET_VARSIZE(result, CADENCE_SIZE(c->nsteps));
	result->nsteps = c->nsteps;
	days = CADENCE_DAYS(result);
	for (int i = 0; i < c->nsteps; i++)
	{
		result->usecs[i] = c->step[i].usecs;
		days[i] = c->step[i].days;
	}
	return result;
}

void
cadence_to_core(const Cadence *c, fu_cadence *out)
{
	const int32 *days = CADENCE_DAYS(c);

	out->nsteps = c->nsteps;
	for (int i = 0; i < c->nsteps; i++)
	{
		out->step[i].usecs = c->usecs[i];
		out->step[i].days = days[i];
	}
}

/* errdetail wants a sentence: capitalized, with a period */
static char *
detail_sentence(const char *message)
{
	char	   *s = psprintf("%s.", message);

	s[0] = pg_toupper((unsigned char) s[0]);
	return s;
}

/*
 * Report a core error.  "what" is the literal for text input, or a
 * description of the value for binary input and casts, whose syntax errors
 * are 22023 rather than 22P02 since no text was involved.
 */
static void
report_cadence_error(const fu_cadence_error *err, const char *what, bool from_text)
{
	switch (err->status)
	{
		case FU_CADENCE_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("cadence offset out of range: \"%s\"", what),
					 errdetail_internal("%s", detail_sentence(err->message))));
			break;
		case FU_CADENCE_TOO_MANY:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("cadence has too many offsets"),
					 errdetail_internal("%s", detail_sentence(err->message)),
					 errhint("Park the lead in another state instead of planning more than %d touches.",
							 FU_CADENCE_MAX_STEPS)));
			break;
		default:
			if (from_text)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type cadence: \"%s\"", what),
						 errdetail_internal("%s", detail_sentence(err->message)),
						 errhint("A cadence lists strictly increasing offsets with units m, h, d or w, as in '24h, 3d, 7d'.")));
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid cadence: %s", what),
						 errdetail_internal("%s", detail_sentence(err->message))));
	}
}

/* The literal as quoted in a message: long ones are cut, at a character. */
static char *
quoted_literal(const char *str)
{
	int			len = strlen(str);

	if (len <= 100)
		return (char *) str;
	return psprintf("%.*s...", pg_mbcliplen(str, len, 100), str);
}

Datum
cadence_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	fu_cadence	c;
	fu_cadence_error err;

	if (fu_cadence_parse(str, &c, &err) != FU_CADENCE_OK)
		report_cadence_error(&err, quoted_literal(str), true);
	PG_RETURN_POINTER(cadence_from_core(&c));
}

Datum
cadence_out(PG_FUNCTION_ARGS)
{
	Cadence    *cad = PG_GETARG_CADENCE_P(0);
	fu_cadence	c;
	char	   *buf = palloc(FU_CADENCE_TEXT_MAX);

	cadence_to_core(cad, &c);
	fu_cadence_format(&c, buf);
	PG_RETURN_CSTRING(buf);
}

Datum
cadence_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	fu_cadence	c;
	fu_cadence_error err;
	int32		n = pq_getmsgint(msg, 4);

	if (n < 1 || n > FU_CADENCE_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid number of offsets in external cadence value: %d", n),
				 errdetail("A cadence has between 1 and %d offsets.", FU_CADENCE_MAX_STEPS)));
	c.nsteps = n;
	for (int i = 0; i < n; i++)
	{
		c.step[i].days = pq_getmsgint(msg, 4);
		c.step[i].usecs = pq_getmsgint64(msg);
	}
	if (fu_cadence_validate(&c, &err) != FU_CADENCE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external cadence value"),
				 errdetail_internal("%s", detail_sentence(err.message))));
	PG_RETURN_POINTER(cadence_from_core(&c));
}

Datum
cadence_send(PG_FUNCTION_ARGS)
{
	Cadence    *cad = PG_GETARG_CADENCE_P(0);
	int32	   *days = CADENCE_DAYS(cad);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, cad->nsteps);
	for (int i = 0; i < cad->nsteps; i++)
	{
		pq_sendint32(&buf, days[i]);
		pq_sendint64(&buf, cad->usecs[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Values are canonical, so equality is byte equality. */
static bool
cadence_equal(Cadence *a, Cadence *b)
{
	return VARSIZE(a) == VARSIZE(b) &&
		memcmp(VARDATA(a), VARDATA(b), VARSIZE(a) - VARHDRSZ) == 0;
}

Datum
cadence_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cadence_equal(PG_GETARG_CADENCE_P(0), PG_GETARG_CADENCE_P(1)));
}

Datum
cadence_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!cadence_equal(PG_GETARG_CADENCE_P(0), PG_GETARG_CADENCE_P(1)));
}

Datum
cadence_hash(PG_FUNCTION_ARGS)
{
	Cadence    *cad = PG_GETARG_CADENCE_P(0);

	PG_RETURN_DATUM(hash_any((unsigned char *) VARDATA(cad),
							 VARSIZE(cad) - VARHDRSZ));
}

Datum
cadence_steps(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_CADENCE_P(0)->nsteps);
}

static Interval *
offset_interval(Cadence *cad, int i)
{
	Interval   *iv = palloc(sizeof(Interval));

	iv->month = 0;
	iv->day = CADENCE_DAYS(cad)[i];
	iv->time = cad->usecs[i];
	return iv;
}

Datum
cadence_offset_at(PG_FUNCTION_ARGS)
{
	Cadence    *cad = PG_GETARG_CADENCE_P(0);
	int32		step = PG_GETARG_INT32(1);

	if (step < 1 || step > cad->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("step %d is out of range for a cadence of %d offsets", step, cad->nsteps),
				 errhint("Steps are numbered from 1 to followup.steps(cadence).")));
	PG_RETURN_INTERVAL_P(offset_interval(cad, step - 1));
}

Datum
cadence_offsets(PG_FUNCTION_ARGS)
{
	Cadence    *cad = PG_GETARG_CADENCE_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * cad->nsteps);

	for (int i = 0; i < cad->nsteps; i++)
		elems[i] = IntervalPGetDatum(offset_interval(cad, i));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, cad->nsteps, INTERVALOID,
										  sizeof(Interval), false, TYPALIGN_DOUBLE));
}

Datum
cadence_from_intervals(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	fu_cadence	c;
	fu_cadence_error err;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cannot cast a %d-dimensional interval array to cadence", ARR_NDIM(arr)),
				 errhint("Use a one-dimensional array such as ARRAY['24 hours', '3 days']::interval[].")));
	deconstruct_array(arr, INTERVALOID, sizeof(Interval), false, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n > FU_CADENCE_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cadence has too many offsets"),
				 errdetail("The array has %d elements; a cadence has at most %d.", n, FU_CADENCE_MAX_STEPS)));
	c.nsteps = n;
	for (int i = 0; i < n; i++)
	{
		Interval   *iv;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("offset %d of the interval array is null", i + 1)));
		iv = DatumGetIntervalP(elems[i]);
		if (iv->month != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("offset %d has months: \"%s\"", i + 1,
							DatumGetCString(DirectFunctionCall1(interval_out, elems[i]))),
					 errdetail("A month has no fixed length, so cadences count days and weeks."),
					 errhint("Write 30 days instead of 1 month.")));
		c.step[i].days = iv->day;
		c.step[i].usecs = iv->time;
	}
	if (fu_cadence_validate(&c, &err) != FU_CADENCE_OK)
		report_cadence_error(&err, "interval array", false);
	PG_RETURN_POINTER(cadence_from_core(&c));
}
