/*
 * listd/jobs.h: delivery jobs, created in the caller's transaction together
 * with whatever decided them (a post going on, a release, a new member's
 * backfill), so that a crash leaves either both or neither.
 */
#ifndef PDLIST_JOBS_H
#define PDLIST_JOBS_H

#include <stddef.h>

#include "common/util.h"
#include "listd/record.h"

/*
 * A job for post on list for every active member but reporters (or, with
 * only, for that member alone, a reporter too), carrying the advisory and
 * revision of kw (NULL: none) for the ledger.  *n counts them.
 */
int	jobs_for_members(struct store_txn *, const char *list, const char *post,
	    const struct keywords *kw, const char *only, size_t *n,
	    struct pd_err *err);

/*
 * jobs_for_members() for post p and its keywords (when it has them); p is
 * decided then, its jobs counted.
 */
int	jobs_post_to_members(struct store_txn *, struct post *p,
	    struct pd_err *err);

/* A job (carrying no advisory) for every active member with role. */
int	jobs_for_role(struct store_txn *, const char *list, const char *post,
	    enum pol_role role, size_t *n, struct pd_err *err);

/* A signed-cleartext job for each of the n addresses in to. */
int	jobs_for_public(struct store_txn *, const char *list, const char *post,
	    const struct keywords *kw, char *const *to, size_t n,
	    struct pd_err *err);

#endif
