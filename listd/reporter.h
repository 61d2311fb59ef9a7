/*
 * listd/reporter.h: reporters and their threads.
 *
 * When a moderator approves a report from outside the list, its Message-ID
 * starts a thread of its reporter; each message that goes on in the thread
 * adds its own.  A message belongs to a thread when its In-Reply-To or
 * References name one of them.  The team's replies in a thread are copied
 * to the reporter (reporter_copy_later), and the reporter's further mail
 * may go on without a new hold, as the policy says (process.c).  Everything
 * here runs inside the caller's transaction.
 */
#ifndef PDLIST_REPORTER_H
#define PDLIST_REPORTER_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/record.h"
#include "policy/policy.h"

/*
 * Adds message_id (a Message-ID header, with or without <>) to the thread
 * of reporter on list, naming post; token when pdlist itself sent the
 * reporter mail under it (a reporter's copy).  *known is set, and nothing
 * changes, when the Message-ID is in a thread already.
 */
int	reporter_thread_add(struct store_txn *, const char *list,
	    const char *message_id, const char *reporter, const char *post,
	    bool token, bool *known, struct pd_err *err);

/*
 * Whether address is outside list: no member of it, or a reporter (who
 * gets no list mail).
 */
int	reporter_outsider(struct store_txn *, const char *list,
	    const char *address, bool *outside, struct pd_err *err);

/*
 * A moderator approved held as post: when it came from
 * outside the list, its From: address, which the moderator saw, is the
 * reporter whose thread starts with it.  *reporter is that address, or
 * NULL when no thread starts (a member's mail, the list's own, no
 * Message-ID).
 */
int	reporter_thread_start(struct store_txn *, const char *list,
	    const struct post *held, const char *post, const char **reporter,
	    struct pd_err *err);

/*
 * The reporter of the thread that a message with these In-Reply-To and
 * References headers (NULL or "" when absent) belongs to; "" when none.
 * *token: whether they name a Message-ID pdlist sent that reporter, which
 * only the reporter (and the list) knows.
 */
int	reporter_thread_find(struct store_txn *, const char *list,
	    const char *in_reply_to, const char *references,
	    char reporter[ADDR_MAX + 1], bool *token, struct pd_err *err);

/*
 * A copy for reporter of post p, which goes to
 * the members in t.  Encrypted to the reporter's key when the list has one
 * (an active member with role reporter); otherwise signed in clear where
 * pol allows it; otherwise the copy waits (state "waiting-key") for the
 * key, and the moderators are told.  Nothing for an address that gets the
 * list's mail anyway.  *how says which ("encrypted", "plaintext",
 * "waiting-key", or "" for none).
 */
int	reporter_copy_later(struct store_txn *, const char *list,
	    const struct policy *pol, const struct post *p, const char *reporter,
	    const char **how, struct pd_err *err);

/*
 * The key of reporter was added to list: each copy waiting for it gets its
 * job, encrypted as usual.  *n counts them.
 */
int	reporter_key_added(struct store_txn *, const char *list,
	    const char *reporter, size_t *n, struct pd_err *err);

#endif
