/*
 * followup.c - module entry point: the settings (GUCs), current_tenant(),
 * and the checks that CHECK constraints use.
 *
 * followup.tenant_id is a bigint and followup.half_life an interval, which
 * PostgreSQL's GUC machinery has no types for; both are string settings
 * whose check hooks parse them, so a bad value is refused at SET time.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "parser/scansup.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "config_cache.h"
#include "core/render.h"
#include "followup.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(followup_current_tenant);
PG_FUNCTION_INFO_V1(followup_check_timezone);
PG_FUNCTION_INFO_V1(followup_check_template);

void		_PG_init(void);

static char *tenant_id_string = NULL;
static char *half_life_string = NULL;
static int64 tenant_id = 0;
static bool lock_tenant = false;
static double half_life_seconds = 3 * SECS_PER_DAY;
bool		followup_notify = true;

typedef struct ParsedSetting
{
	int64		tenant;
	double		seconds;
} ParsedSetting;

static bool
check_tenant_id(char **newval, void **extra, GucSource source)
{
	char	   *end;
	long long	v;
	ParsedSetting *parsed;

	errno = 0;
	v = strtoll(*newval, &end, 10);
	while (*end == ' ')
		end++;
	if (**newval == '\0' || *end != '\0' || errno == ERANGE || v < 0)
	{
		GUC_check_errdetail("followup.tenant_id must be a non-negative bigint.");
		return false;
	}
	/*
	 * A role pinned to its tenant (followup.lock_tenant, which only a
	 * superuser can set, as with ALTER ROLE ... SET) cannot SET another.
	 */
	if (lock_tenant && source >= PGC_S_SESSION && v != tenant_id &&
		IsTransactionState() && !superuser())
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errdetail("This role is locked to tenant " INT64_FORMAT " (followup.lock_tenant is on).",
							tenant_id);
		return false;
	}
	parsed = malloc(sizeof(ParsedSetting));
	if (parsed == NULL)
		return false;
	parsed->tenant = v;
	*extra = parsed;
	return true;
}

static void
assign_tenant_id(const char *newval, void *extra)
{
	tenant_id = ((ParsedSetting *) extra)->tenant;
}

/* Parse an interval the way interval_in does, but without raising errors. */
static bool
check_half_life(char **newval, void **extra, GucSource source)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	struct pg_itm_in itm;
	Interval	iv;
	double		seconds;
	ParsedSetting *parsed;

	if (ParseDateTime(*newval, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf) != 0 ||
		(DecodeInterval(field, ftype, nf, INTERVAL_FULL_RANGE, &dtype, &itm) != 0 &&
		 DecodeISO8601Interval(*newval, &dtype, &itm) != 0) ||
		dtype != DTK_DELTA || itmin2interval(&itm, &iv) != 0)
	{
		GUC_check_errdetail("followup.half_life must be an interval, such as '3 days'.");
		return false;
	}
	seconds = (double) iv.time / USECS_PER_SEC + (double) iv.day * SECS_PER_DAY +
		(double) iv.month * DAYS_PER_MONTH * SECS_PER_DAY;
	if (seconds < 60)
	{
		GUC_check_errdetail("followup.half_life must be at least one minute.");
		return false;
	}
	parsed = malloc(sizeof(ParsedSetting));
	if (parsed == NULL)
		return false;
	parsed->seconds = seconds;
	*extra = parsed;
	return true;
}

static void
assign_half_life(const char *newval, void *extra)
{
	half_life_seconds = ((ParsedSetting *) extra)->seconds;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("followup.tenant_id",
							   "The tenant of this session.",
							   "Rows without an explicit tenant_id get this one, and followup.current_tenant() returns it.",
							   &tenant_id_string, "0", PGC_USERSET, 0,
							   check_tenant_id, assign_tenant_id, NULL);
	DefineCustomStringVariable("followup.half_life",
							   "How long it takes a lead's momentum to halve.",
							   NULL,
							   &half_life_string, "3 days", PGC_USERSET, 0,
							   check_half_life, assign_half_life, NULL);
	DefineCustomBoolVariable("followup.lock_tenant",
							 "Forbid this session to change followup.tenant_id.",
							 "Set it with ALTER ROLE ... SET, with followup.tenant_id, to pin a role to its tenant.",
							 &lock_tenant, false, PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("followup.notify",
							 "Send NOTIFY followup_due when the jobs create tasks.",
							 NULL,
							 &followup_notify, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("followup");
	config_cache_init();
}

int64
followup_current_tenant_id(void)
{
	return tenant_id;
}

double
followup_half_life_seconds(void)
{
	return half_life_seconds;
}

Datum
followup_current_tenant(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(tenant_id);
}

/*
 * True when PostgreSQL would read name in AT TIME ZONE (and in timestamp
 * input) as a time zone abbreviation whose meaning differs from the zone
 * of the same name the planner uses: 'CET' is a fixed +01 as an
 * abbreviation but Central European time, with summer time, as a zone.
 * An abbreviation whose zone has always had its one offset ('UTC', 'GMT')
 * means the same both ways.  Looked up in the session's
 * timezone_abbreviations.
 */
static bool
is_ambiguous_abbreviation(const char *name, pg_tz *tz)
{
	char	   *lower;
	int			type;
	int			offset = 0;
	pg_tz	   *abbrev_tz = NULL;
	long int	gmtoff;

	if (strchr(name, '/') != NULL || strlen(name) > TOKMAXLEN)
		return false;			/* abbreviations are short single words */
	lower = downcase_truncate_identifier(name, strlen(name), false);
#if PG_VERSION_NUM >= 160000
	{
		DateTimeErrorExtra extra;

		if (DecodeTimezoneAbbrev(0, lower, &type, &offset, &abbrev_tz, &extra) != 0)
			return false;
	}
#else
	type = DecodeTimezoneAbbrev(0, lower, &offset, &abbrev_tz);
#endif
	if (type == DYNTZ)
		return abbrev_tz != tz;
	if (type != TZ && type != DTZ)
		return false;			/* not an abbreviation */
	return !pg_get_timezone_offset(tz, &gmtoff) || gmtoff != offset;
}

Datum
followup_check_timezone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	pg_tz	   *tz = pg_tzset(name);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", name),
				 errhint("Use a name from pg_timezone_names, such as 'Asia/Tbilisi' or 'UTC'.")));
	if (is_ambiguous_abbreviation(name, tz))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" is ambiguous", name),
				 errdetail("PostgreSQL reads \"%s\" as a fixed-offset abbreviation in AT TIME ZONE and in timestamps, but as a zone with another offset history in SET TimeZone and in followup's planner.",
						   name),
				 errhint("Use the region's zone name from pg_timezone_names, such as 'Europe/Berlin' for CET or 'Europe/Athens' for EET.")));
	PG_RETURN_BOOL(true);
}

Datum
followup_check_template(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	fu_render_error err;

	if (fu_render_check(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &err) != FU_RENDER_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid message template: %s", err.message),
				 errhint("Fields are written {{name}} or {{name|default}}.")));
	PG_RETURN_BOOL(true);
}
