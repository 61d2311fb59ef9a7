/*
 * listd/process.h: the processor.  Takes each message from the inbox,
 * decides from its OpenPGP signature (never its headers) whether it goes on
 * to distribution or is held with a reason, and records the decision, the
 * removal from the inbox and the audit entry in one transaction; a post
 * that goes on gets, in that same transaction, a delivery job for every
 * active member (fanout.h takes them from there).
 */
#ifndef PDLIST_PROCESS_H
#define PDLIST_PROCESS_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/*
 * Processes every message in the inbox; *done counts them.  A message whose
 * processing fails for a temporary reason (gpg, the store) stays in the
 * inbox for the next run.  Call from one thread at a time.
 */
int	process_inbox(const struct conf *, struct store *, unsigned *done,
	    struct pd_err *err);

/*
 * For fan-out: authenticates post id of list again and returns in *payload
 * what members decrypt (the signed content as posted, with the protected
 * headers).  Plaintext: the caller wipes it with keys_plain_free().  A post
 * that no longer authenticates is PD_REFUSED; with moderated (a moderator
 * approved it), unsigned content is taken as it is.
 */
int	process_payload(const struct conf *, struct store *, const char *list,
	    const char *id, bool moderated, char **payload, size_t *len,
	    struct pd_err *err);

#endif
