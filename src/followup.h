/*
 * followup.h - module-wide settings.
 */
#ifndef FOLLOWUP_H
#define FOLLOWUP_H

#include "postgres.h"

#include "relations.h"

extern int64 followup_current_tenant_id(void);
extern double followup_half_life_seconds(void);
extern bool followup_notify;
extern bool followup_notify_state_changes;
extern bool followup_bulk_path;

/*
 * Running as the owner of one of followup's tables, as PostgreSQL runs its
 * foreign key checks: past row security, with search_path = pg_catalog,
 * pg_temp, and (restricted) in a security-restricted operation.  Writes
 * that queue a deferred trigger cannot be restricted: PostgreSQL refuses
 * that, and runs its own referential actions unrestricted too.  An error
 * undoes it at (sub)transaction abort; otherwise as_owner_end() does.
 */
typedef struct AsOwner
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} AsOwner;

extern Oid	followup_table_owner(FollowupRel rel);
extern void as_owner_begin(FollowupRel rel, bool restricted, AsOwner *save);
extern void as_owner_end(AsOwner *save);

/* the tenant's notification channel (followup.due_channel()), under SPI */
extern char *followup_tenant_channel(int64 tenant_id);

extern void followup_require_session_tenant(Oid relid, int64 row_tenant);
extern char *followup_tenant_hint(const char *table, const char *what, bool session_scoped);

#endif							/* FOLLOWUP_H */
