/*
 * keys/pgpfilter.h: only the member's user IDs of a key from the network.
 *
 * A key fetched by address (WKD, a keyserver) may carry user IDs of other
 * people's addresses or photos; the list keeps only the user IDs whose
 * address is the member's, with their signatures, and every key and subkey
 * packet with theirs (so new subkeys, a new expiry and revocations come
 * through).  Pure packet work, like pgpsplit.h.
 */
#ifndef PDLIST_PGPFILTER_H
#define PDLIST_PGPFILTER_H

#include <stddef.h>

#include "common/util.h"

/*
 * Filters in (binary OpenPGP or ASCII armor, len bytes): keeps the
 * packets of every key and subkey, and of the user IDs whose address is
 * address (any case; "Name <address>" or the bare address), with the
 * signatures that follow each; drops other user IDs, user attributes and
 * trust packets.  Refused (PD_REFUSED): bad framing or armor, a secret
 * key, no user ID with address.  *out is the result, armored as a PUBLIC
 * KEY BLOCK, malloc'd, which the caller frees.
 */
int	pgp_keep_uids(const char *in, size_t len, const char *address,
	    char **out, size_t *out_len, struct pd_err *err);

/*
 * A keyring (binary, or one or more armored blocks) cut into its keys:
 * each key's packets, from its primary key packet to the next, armored as
 * a PUBLIC KEY BLOCK (a secret key stays what it is: the caller's checks
 * refuse it).  PD_REFUSED: bad framing or armor, no key, more than
 * PGP_KEYRING_MAX keys.  The caller frees out with pgp_keyring_free().
 */
#define PGP_KEYRING_MAX	10000
struct pgp_keyring {
	size_t	  n;
	char	**key;
	size_t	 *len;
};
int	pgp_keyring_split(const char *in, size_t len, struct pgp_keyring *out,
	    struct pd_err *err);
void	pgp_keyring_free(struct pgp_keyring *);

#endif
