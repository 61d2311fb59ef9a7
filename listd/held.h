/*
 * listd/held.h: a held message itself, for the moderators who decide on
 * it: by listctl held show --message, by mail (held show), and attached to
 * the held notice, always inside encryption to them.
 */
#ifndef PDLIST_HELD_H
#define PDLIST_HELD_H

#include <stddef.h>

#include "common/util.h"
#include "keys/keys.h"
#include "listd/store.h"

/*
 * Held message id of list, unsealed with the list's keyring k: as it came,
 * or, when it came encrypted to the list and decrypts, what members would
 * get.  Over max bytes (0: no limit) it is PD_REFUSED, not read.
 * Plaintext: the caller wipes *out (wipe_free()).
 */
int	held_message(struct keys *k, struct store *st, const char *list,
	    const char *id, size_t max, char **out, size_t *len,
	    struct pd_err *err);

#endif
