/*
 * listd/memberpost.h: members reach the team.  A post signed by members
 * who are not on the team (a vendor's question, its reply to an advisory)
 * is held as not-team; the policy's member-posts says what then:
 *
 *	hold	it stays held for a moderator, and the member is told so
 *	team	it goes, encrypted, to the team and the moderators only
 *		(recorded like any post; replays and stale signatures are
 *		held as for the team's posts), and the member gets a short
 *		encrypted receipt
 *
 * Reporters are left to their threads (reporter.h).
 */
#ifndef PDLIST_MEMBERPOST_H
#define PDLIST_MEMBERPOST_H

#include <stdbool.h>

#include "listd/decide.h"
#include "listd/list.h"
#include "listd/store.h"

/*
 * Whether d (held as not-team) is a member's post: every signature of a
 * good, by the key of an active member, member, moderator or admin.  Then
 * d's signer fields name the first (address, key, time, signature id),
 * with member-posts = team d->to_team is set, with hold d->tell (the
 * member is told) and d->text says why it waits.  Pure.
 */
bool	member_post(const struct auth *a,
	    const struct signer signers[KEYS_MAX_SIGS], enum pol_member_posts,
	    struct decision *d);

/* Jobs for p (in t) to l's active team members and moderators only. */
int	member_post_jobs(struct store_txn *t, struct post *p,
	    struct pd_err *err);

/* The receipt to the member whose post went to the team, encrypted. */
void	member_post_receipt(struct list *l, const struct post *p);

#endif
