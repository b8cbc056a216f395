/*
 * followup.h - module-wide settings.
 */
#ifndef FOLLOWUP_H
#define FOLLOWUP_H

#include "postgres.h"

extern int64 followup_current_tenant_id(void);
extern double followup_half_life_seconds(void);
extern bool followup_notify;

#endif							/* FOLLOWUP_H */
