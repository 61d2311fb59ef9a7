/*
 * keys/keys_int.h: what keys.c (the keyring) and keys_crypt.c (decryption,
 * signatures, encryption) share.  Nothing outside keys/ includes it.
 */
#ifndef PDLIST_KEYS_INT_H
#define PDLIST_KEYS_INT_H

#include <stdbool.h>

#include <sys/stat.h>

#include <gpgme.h>

#include "keys/keys.h"

struct keys {
	gpgme_ctx_t	 ctx;
	char		*home;
	size_t		 max_plain;	/* decrypted or verified output cap */
	bool		 probing;	/* engine_probe() runs: no probe again */
	bool		 over_limits;	/* the last failure was the cap */
};

/* "what: gpg's reason" as PD_FAIL. */
int	gpg_fail(struct pd_err *err, gpgme_error_t ge, const char *what);
/* Loopback pinentry that never gives a passphrase (on), or the default. */
void	no_prompts(struct keys *k, int on);
/*
 * For a signing operation on data: signer's secret key as the context's
 * only signer, and the data objects (*in over data, an empty *out).  The
 * caller releases all three and clears the signers.
 */
int	sign_setup(struct keys *k, const char *signer, const char *data,
	    size_t len, gpgme_key_t *key, gpgme_data_t *in, gpgme_data_t *out,
	    struct pd_err *err);
/* A new context on k's home, set up as keys_open() sets one up. */
int	keys_new_ctx(struct keys *k, struct pd_err *err);

/*
 * ctx_pool.c: a context on home (armored, offline), kept from before or
 * new; and giving one back (reset to those settings) when done with it.
 */
gpgme_error_t ctx_pool_take(const char *home, gpgme_ctx_t *ctx);
void	ctx_pool_put(const char *home, gpgme_ctx_t ctx);
/* gpgme_get_key() on c without the new context it makes for each call. */
gpgme_error_t ctx_get_key(gpgme_ctx_t c, const char *fpr, gpgme_key_t *key,
	    int secret);
/*
 * The same, kept per home after the first lookup: for a list's own secret
 * key and for subkeys' primary keys, which do not change.
 */
gpgme_error_t ctx_kept_key(const char *home, gpgme_ctx_t c, const char *fpr,
	    gpgme_key_t *key, int secret);

/*
 * facts_kept.c: the facts of a home's keys kept while its pubring.kbx and
 * trustdb.gpg are unchanged (the stamp, taken before a listing).
 * facts_kept_get() gives the caller its own copy (1) or nothing (0).
 */
struct facts_stamp {
	struct stat	 ring, trust;
};
void	facts_stamp(const char *home, struct facts_stamp *);
int	facts_kept_get(const char *home, const struct facts_stamp *,
	    struct keyfacts **all, size_t *n);
void	facts_kept_put(const char *home, const struct facts_stamp *,
	    const struct keyfacts *all, size_t n);

#endif
