/*
 * followup.h - module-wide settings.
 */
#ifndef FOLLOWUP_H
#define FOLLOWUP_H

#include "postgres.h"

extern int64 followup_current_tenant_id(void);
extern double followup_half_life_seconds(void);
extern bool followup_notify;

extern void followup_require_session_tenant(Oid relid, int64 row_tenant);
extern char *followup_tenant_hint(const char *table, const char *what, bool session_scoped);

#endif							/* FOLLOWUP_H */
