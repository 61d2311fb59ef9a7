/*
 * listd/process.h: the processor.  Takes each message from the inbox,
 * authenticates it (auth.h), decides (decide.h), judges what the store
 * knows (the advisory's embargo, replays, reporters' threads), and records
 * the post or the hold, the removal from the inbox, the notices and the
 * audit entry in one transaction; a post that goes on gets, in that same
 * transaction, a delivery job for every active member.
 */
#ifndef PDLIST_PROCESS_H
#define PDLIST_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"
#include "listd/conf.h"
#include "listd/decide.h"
#include "listd/list.h"
#include "listd/store.h"

/*
 * What members decrypt of the posts one run decided, kept in memory (never
 * on disk) so that fan-out does not decrypt and verify them again.
 * payload_cache_free() wipes them.
 */
struct payload_cache {
	struct cached_payload {
		char	 key[STORE_KEY_MAX];	/* list \x1f post id */
		char	*data;
		size_t	 len;
	}	*v;
	size_t	 n;
};
void	payload_cache_free(struct payload_cache *);

/*
 * Processes every message in the inbox; *done counts them.  A message whose
 * processing fails for a temporary reason (gpg, the store) stays in the
 * inbox for the next run.  payloads (may be NULL) keeps what was decided.
 * Call from one thread at a time.
 */
int	process_inbox(const struct conf *, struct store *,
	    struct payload_cache *payloads, unsigned *done, struct pd_err *err);

/*
 * For fan-out: what members decrypt of post id of list l, from payloads
 * when it is there, otherwise authenticated again (a daemon restarted, a
 * moderator approved it in listctl).  Plaintext: the caller wipes it with
 * wipe_free().  A post that no longer authenticates is PD_REFUSED;
 * with moderated (a moderator approved it), unsigned content is taken as it
 * is.
 */
int	process_payload(struct list *l, struct payload_cache *payloads,
	    const char *id, bool moderated, char **payload, size_t *len,
	    struct pd_err *err);

/* What l knows of the key of each good signature in a (signers[i] for
   a->sigs.sig[i]): member or not, address, role, state. */
int	process_signers(struct list *l, const struct auth *a,
	    struct signer signers[KEYS_MAX_SIGS], struct pd_err *err);

#endif
