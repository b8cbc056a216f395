/*
 * rollup_marks.h - marking the rolled-up report days an interaction changes
 */
#ifndef FOLLOWUP_ROLLUP_MARKS_H
#define FOLLOWUP_ROLLUP_MARKS_H

#include "lead.h"
#include "rules.h"

/* marks what an interaction changes of older rows; call under SPI */
extern void rollup_note_interaction(const LeadRow *before, SignalDirection direction, TimestampTz at,
									const ApplyResult *res);

#endif
