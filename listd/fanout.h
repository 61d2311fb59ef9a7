/*
 * listd/fanout.h: from a decision to distribute to a copy in each member's
 * mailbox.
 *
 * The processor creates a job per active member in the transaction of its
 * decision.  fanout_prepare() (prepare.c) checks each member's key just
 * before encryption (an unusable key is skipped, recorded, and the admins
 * are told in an encrypted notice: never plaintext), then signs and
 * encrypts the post ONCE to every recipient's subkey together (encrypt.h)
 * and keeps only that encrypted result in the store; it also writes the
 * notices that posts in state NOTIFY stand for (notice.h).
 * fanout_deliver() (deliver.c) cuts each member's copy from it (that
 * member's PKESK and the shared encrypted data), wraps it in RFC 3156
 * multipart/encrypted and hands it to SMTP over `workers` connections,
 * retrying temporary failures with exponential backoff and recording every
 * accepted copy in the ledger.
 */
#ifndef PDLIST_FANOUT_H
#define PDLIST_FANOUT_H

#include "common/util.h"
#include "listd/conf.h"
#include "listd/process.h"
#include "listd/store.h"

/*
 * Encrypts every decided post, taking what members decrypt from payloads
 * (may be NULL) when it is there; *posts counts them.  One thread at a
 * time.
 */
int	fanout_prepare(const struct conf *, struct store *,
	    struct payload_cache *payloads, unsigned *posts, struct pd_err *err);

/*
 * Delivers every job that is due; *sent counts accepted copies.  Temporary
 * trouble leaves jobs for later; it is not an error of the run.  Each copy
 * has listd.conf's smtp-*-timeout deadlines; a copy that runs out of one
 * is retried with backoff like any temporary failure, and ends the run
 * (the copies not yet tried wait for the next), so a stalled relay costs
 * one run about one smtp-reply-timeout.  work_stop() cuts it short too.
 */
int	fanout_deliver(const struct conf *, struct store *, unsigned *sent,
	    struct pd_err *err);

struct list_cache;

/*
 * One post of list, done once none of its jobs waits (post_done.c): its
 * counts and state in its record, its sent jobs and encrypted result
 * pruned, an audit entry, and the admins told of failed copies.  Nothing
 * when a job still waits or it is done already.
 */
int	fanout_finish_post(struct list_cache *, const char *list,
	    const char *id, struct pd_err *err);

#endif
