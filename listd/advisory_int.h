/*
 * listd/advisory_int.h: what advisory.c shares with release.c and the
 * readers of its records (advrecord*.c, report*.c, archive*.c).  Not for
 * other modules: their API is advisory.h.
 */
#ifndef PDLIST_ADVISORY_INT_H
#define PDLIST_ADVISORY_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "listd/record.h"
#include "policy/embargo.h"

/* A record's "state" as the rules know it (ADV_NEW for anything else). */
enum adv_state adv_state_of(const char *);

/* o's string at key, "" when there is none. */
const char *adv_str(const json_t *o, const char *key);

/*
 * Sorts the records (objects) in recs by the ISO time at field, oldest
 * first or newest first; records of the same time by id, ascending, so
 * the order is the same every time.  -1: out of memory, recs unchanged.
 * Used by the archive's index (newest published first) and the team's
 * report (by the end of the embargo bar).
 */
int	adv_sort(json_t *recs, const char *field, bool newest_first);

/*
 * A post that sends the current revision's content (src's) again: kind
 * RELEASE or BACKFILL, named by a new id with prefix.  p is cleared on
 * failure.
 */
int	adv_resend_post(const char *list, const char *prefix,
	    enum post_kind kind, const struct post *src, struct post *p,
	    struct pd_err *err);

#endif
