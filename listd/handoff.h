/*
 * listd/handoff.h: a message taken in over LMTP, handed to processing in
 * the same process, so that what intake has just sealed to the list's key
 * is not unsealed again (one gpg decryption less for each post).
 *
 * Only an optimisation: the sealed message in the store stays the truth,
 * and processing unseals it whenever the handoff does not have it (another
 * process took it in, listd restarted, the handoff was full).  The bytes
 * are in the clear in memory, as they were during intake, and are wiped
 * when taken or dropped.  Bounded: HANDOFF_MAX_BYTES in all; processing
 * drops a message's entry once it is done with it, whether it took it or
 * not (a held oversize message is never read), and every processing run
 * drops what waited longer than HANDOFF_MAX_AGE seconds (a message that
 * processing unsealed before intake could hand it over).
 */
#ifndef PDLIST_HANDOFF_H
#define PDLIST_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define HANDOFF_MAX_BYTES	(64u * 1024 * 1024)
#define HANDOFF_MAX_AGE		60

/*
 * Keeps a copy of the len bytes of raw as message id of list (both
 * strings, copied), at time now; nothing when it would not fit.
 */
void	handoff_put(const char *list, const char *id, const char *raw,
	    size_t len, time_t now);
/*
 * Takes message id of list out into *raw (the caller's, freed with
 * wipe_free) and *len; false, and *raw NULL, when it is not there.
 */
bool	handoff_take(const char *list, const char *id, char **raw,
	    size_t *len, time_t now);
/* Wipes and drops message id of list; false when it was not there. */
bool	handoff_drop(const char *list, const char *id);
/* Wipes and drops what waited longer than HANDOFF_MAX_AGE at now. */
void	handoff_sweep(time_t now);
/* Wipes and drops everything. */
void	handoff_clear(void);
/* Bytes held now (for the tests). */
size_t	handoff_bytes(void);

#endif
