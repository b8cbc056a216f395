/*
 * render.h - message templates filled from a JSON object.
 */
#ifndef FOLLOWUP_RENDER_H
#define FOLLOWUP_RENDER_H

#include "postgres.h"

#include "core/render.h"
#include "utils/jsonb.h"

/*
 * Render tmpl with vars; on a template error return NULL and fill *err
 * (nothing is raised, so that a batch can go on).
 */
extern char *render_template(const char *tmpl, Jsonb *vars, fu_render_error *err);

#endif							/* FOLLOWUP_RENDER_H */
