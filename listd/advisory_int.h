/*
 * listd/advisory_int.h: what advisory.c shares with release.c and the
 * readers of its records (advrecord*.c, report*.c, archive*.c).  Not for
 * other modules: their API is advisory.h.
 */
#ifndef PDLIST_ADVISORY_INT_H
#define PDLIST_ADVISORY_INT_H

#include <jansson.h>

#include "listd/record.h"
#include "policy/embargo.h"

/* A record's "state" as the rules know it (ADV_NEW for anything else). */
enum adv_state adv_state_of(const char *);

/* o's string at key, "" when there is none. */
const char *adv_str(const json_t *o, const char *key);

/*
 * A post that sends the current revision's content (src's) again: kind
 * RELEASE or BACKFILL, named by a new id with prefix.  p is cleared on
 * failure.
 */
int	adv_resend_post(const char *list, const char *prefix,
	    enum post_kind kind, const struct post *src, struct post *p,
	    struct pd_err *err);

#endif
