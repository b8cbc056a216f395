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
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "parser/scansup.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "core/render.h"
#include "followup.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(followup_current_tenant);
PG_FUNCTION_INFO_V1(followup_check_timezone);
PG_FUNCTION_INFO_V1(followup_check_template);
PG_FUNCTION_INFO_V1(followup_tenant_hint_sql);

void		_PG_init(void);

static char *tenant_id_string = NULL;
static char *half_life_string = NULL;
static int64 tenant_id = 0;
static bool lock_tenant = false;
static double half_life_seconds = 3 * SECS_PER_DAY;
bool		followup_notify = true;
bool		followup_notify_state_changes = false;
bool		followup_bulk_path = true;

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
	parsed = fu_guc_malloc(sizeof(ParsedSetting));
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
	parsed = fu_guc_malloc(sizeof(ParsedSetting));
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
							 "Notify each tenant on its own channel (followup.due_channel()) when the jobs create its tasks.",
							 NULL,
							 &followup_notify, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("followup.notify_state_changes",
							 "Also announce every logged state change of a lead on its tenant's channel (with followup.notify on).",
							 "Off by default: a bulk write of state changes pays for one notification per lead.",
							 &followup_notify_state_changes, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("followup.bulk_path",
							 "Apply the interactions of one COPY or INSERT ... SELECT per lead: one lock and one write of each lead.",
							 "Off: each row locks and writes its lead, as a single-row INSERT does; the results are the same.",
							 &followup_bulk_path, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("followup");
	relations_init();
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

/*
 * What a session whose row of followup.table was not found should do, for
 * each kind of role: one that sees every tenant (the owner, BYPASSRLS), and
 * one under row level security, locked to its tenant or not.  "what" names
 * the row ("lead", "task"); session_scoped: the lookup used the session's
 * tenant (a role that sees every tenant then has only to set it).  NULL
 * when there is nothing to do but check the id.
 */
char *
followup_tenant_hint(const char *table, const char *what, bool session_scoped)
{
	Oid			relid = get_relname_relid(table, get_namespace_oid("followup", false));
	const char *unset = tenant_id == 0 ?
		", 0 unless set: a pooled connection must set it for every client" : "";

	if (!OidIsValid(relid) || check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return session_scoped ?
			psprintf("followup.tenant_id is " INT64_FORMAT ": SET followup.tenant_id to the %s's tenant.",
					 tenant_id, what) : NULL;
	if (lock_tenant)
		return psprintf("Role \"%s\" is locked to tenant " INT64_FORMAT
						" (followup.lock_tenant) and sees only its rows: use a role of the %s's tenant.",
						GetUserNameFromId(GetUserId(), false), tenant_id, what);
	return psprintf("Row level security shows role \"%s\" only tenant " INT64_FORMAT
					"'s rows (followup.tenant_id%s): for a %s of another tenant, SET followup.tenant_id to it first.",
					GetUserNameFromId(GetUserId(), false), tenant_id, unset, what);
}

/*
 * A row of another tenant than the session's, written by a role that row
 * level security on relid keeps to the session's tenant, would be refused
 * by the statement only after followup's triggers had acted on it (loaded
 * that tenant's configuration, locked its lead): refuse it first, saying
 * what to do.  The owner and BYPASSRLS roles write any tenant's rows.
 */
void
followup_require_session_tenant(Oid relid, int64 row_tenant)
{
	const char *role;

	if (row_tenant == tenant_id ||
		check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return;
	role = GetUserNameFromId(GetUserId(), false);
	if (lock_tenant)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot write rows of tenant " INT64_FORMAT " into %s",
						role, row_tenant, get_rel_name(relid)),
				 errdetail("The role is locked to tenant " INT64_FORMAT " (followup.lock_tenant).",
						   tenant_id),
				 errhint("Connect as a role of tenant " INT64_FORMAT ", or leave tenant_id out to write tenant "
						 INT64_FORMAT "'s rows.", row_tenant, tenant_id)));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("row of tenant " INT64_FORMAT " is not of this session's tenant " INT64_FORMAT,
					row_tenant, tenant_id),
			 errdetail("Row level security on %s lets role \"%s\" write only the rows of followup.tenant_id.",
					   get_rel_name(relid), role),
			 errhint("SET followup.tenant_id = " INT64_FORMAT " first%s.", row_tenant,
					 tenant_id == 0 ? " (it is 0, the default: a pooled connection must set it for every client)" : "")));
}

Oid
followup_table_owner(FollowupRel rel)
{
	Oid			relid = followup_relid(rel);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table followup.%s does not exist", followup_relname(rel)),
				 errhint("The followup extension may be damaged; reinstall it.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

void
as_owner_begin(FollowupRel rel, bool restricted, AsOwner *save)
{
	Oid			owner = followup_table_owner(rel);

	GetUserIdAndSecContext(&save->save_userid, &save->save_sec_context);
	SetUserIdAndSecContext(owner, save->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   (restricted ? SECURITY_RESTRICTED_OPERATION : 0) | SECURITY_NOFORCE_RLS);
	save->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
as_owner_end(AsOwner *save)
{
	AtEOXact_GUC(false, save->save_nestlevel);
	SetUserIdAndSecContext(save->save_userid, save->save_sec_context);
}

/*
 * The tenant's notification channel, made on first use.  Called under SPI;
 * the statements run as the owner of followup.notify_channel (which no
 * other role may read), in a security-restricted operation, every name
 * qualified.  The result is palloc'd in the caller's context.
 */
char *
followup_tenant_channel(int64 tenant_id)
{
	static const char *const find =
		"SELECT c.channel FROM followup.notify_channel c WHERE c.tenant_id OPERATOR(pg_catalog.=) $1";
	/* a concurrent first call made it: DO UPDATE returns that row */
	static const char *const make =
		"INSERT INTO followup.notify_channel AS c (tenant_id, channel)"
		" VALUES ($1, pg_catalog.concat('followup_due_', $1, '_',"
		"  pg_catalog.substr(pg_catalog.md5(pg_catalog.gen_random_uuid()::pg_catalog.text), 1, 24)))"
		" ON CONFLICT (tenant_id) DO UPDATE SET channel = c.channel RETURNING c.channel";
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(tenant_id)};
	AsOwner		save;
	char	   *channel = NULL;

	/*
	 * The last answer, kept for the (sub)transaction that read it: a bulk
	 * write announces every lead's state change, and a look-up each costs
	 * more than the write.  A subtransaction that made the row and rolled
	 * back cannot leave it here: its id is never current again.
	 */
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static SubTransactionId cached_subxid = InvalidSubTransactionId;
	static int64 cached_tenant;
	static char cached_channel[NAMEDATALEN];

	if (cached_lxid == fu_local_xid() && cached_subxid == GetCurrentSubTransactionId() &&
		cached_tenant == tenant_id)
		return pstrdup(cached_channel);

	as_owner_begin(FR_NOTIFY_CHANNEL, true, &save);
	if (SPI_execute_with_args(find, 1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the notification channel of tenant " INT64_FORMAT, tenant_id);
	if (SPI_processed == 0 &&
		SPI_execute_with_args(make, 1, argtypes, args, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not make the notification channel of tenant " INT64_FORMAT, tenant_id);
	if (SPI_processed == 1)
		channel = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	as_owner_end(&save);
	if (channel == NULL)
		elog(ERROR, "no notification channel for tenant " INT64_FORMAT, tenant_id);
	if (strlen(channel) < NAMEDATALEN)
	{
		strlcpy(cached_channel, channel, NAMEDATALEN);
		cached_tenant = tenant_id;
		cached_lxid = fu_local_xid();
		cached_subxid = GetCurrentSubTransactionId();
	}
	return channel;
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

/* followup.tenant_hint(table, what): followup_tenant_hint() for SQL functions */
Datum
followup_tenant_hint_sql(PG_FUNCTION_ARGS)
{
	char	   *hint = followup_tenant_hint(text_to_cstring(PG_GETARG_TEXT_PP(0)),
											text_to_cstring(PG_GETARG_TEXT_PP(1)), true);

	PG_RETURN_TEXT_P(cstring_to_text(hint));
}
