/*
 * listd/keyfetch.h: a member's key looked up over HTTPS.
 *
 * The order: WKD (draft-koch-openpgp-webkey-service), the advanced method
 * (https://openpgpkey.DOMAIN/.well-known/openpgpkey/DOMAIN/hu/HASH?l=LOCAL)
 * then the direct one (https://DOMAIN/.well-known/openpgpkey/hu/HASH?l=
 * LOCAL), unless key-lookup-wkd = false; then each keyserver of listd.conf
 * in turn through the VKS API (keys.openpgp.org's: /vks/v1/by-email/ADDRESS,
 * or with a fingerprint /vks/v1/by-fingerprint/FPR).  The first answer
 * that holds a key with a user ID of the address wins.
 *
 * Limits: libcurl, HTTPS only (redirects too, at most 3), the system's CAs
 * (key-lookup-cafile for tests), key-lookup-timeout seconds per request
 * (connecting included; a server that sends nothing for that long is cut
 * off too), key-lookup-max-size per response: a larger one is cut off
 * while it comes.  What is fetched keeps only the user IDs with the
 * member's address (keys/pgpfilter.h) and then goes through the checks a
 * key file goes through (keys_inspect(), the policy) in the caller.
 */
#ifndef PDLIST_KEYFETCH_H
#define PDLIST_KEYFETCH_H

#include <stddef.h>

#include "common/util.h"
#include "keys/keys.h"
#include "listd/conf.h"

/*
 * Looks the key of address up (with fpr not NULL, the key with that
 * primary fingerprint: a refresh).  On success *out holds the key, armored
 * and cut down to address's user IDs, its name the URL it came from.
 * PD_REFUSED when no source has a key for address (each source's answer
 * on the one line); PD_TEMPFAIL when none had one and some could not be
 * asked (a timeout, a refused connection, an answer over the size cap).
 */
int	keyfetch(const struct conf *, const char *address, const char *fpr,
	    struct keys_blob *out, struct pd_err *err);

/* WKD's hashed local part: z-base-32 of the SHA-1 of it, lower-cased. */
void	keyfetch_wkd_hash(const char *local, size_t len, char out[33]);

#endif
