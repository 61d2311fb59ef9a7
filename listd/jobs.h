/*
 * listd/jobs.h: delivery jobs, created in the caller's transaction together
 * with whatever decided them (a post going on, a release, a new member's
 * backfill), so that a crash leaves either both or neither.
 */
#ifndef PDLIST_JOBS_H
#define PDLIST_JOBS_H

#include <jansson.h>

#include "common/util.h"
#include "listd/store.h"

/*
 * A job for post on list for every active member but reporters (or, with
 * only, for that member alone, a reporter too), carrying the advisory and revision of kw (may be NULL)
 * for the ledger.  *n counts them.
 */
int	jobs_for_members(struct store_txn *, const char *list, const char *post,
	    const json_t *kw, const char *only, size_t *n, struct pd_err *err);

/* A signed-cleartext job for each address in public (a JSON array). */
int	jobs_for_public(struct store_txn *, const char *list, const char *post,
	    const json_t *kw, const json_t *public, size_t *n,
	    struct pd_err *err);

/*
 * A notice for fanout to send later (gpg does not run inside a
 * transaction): kind "held-notice" goes to the moderators and admins with
 * text, and with the subject of a held message when sealed_subject (its
 * "subject-sealed", or NULL) is given: fanout unseals it to say it.  The
 * record is a post named id in state "notify".
 */
int	notice_later(struct store_txn *, const char *list, const char *id,
	    const char *kind, const char *text, const json_t *sealed_subject,
	    struct pd_err *err);

#endif
