/*
 * keys/keys.h: all OpenPGP work, through gpgme, on one GnuPG home (a list's
 * keyring under the datadir, mode 0700).
 *
 * A key file is read once into a keys_blob; the same bytes are inspected
 * (a dry run: nothing enters the keyring) and, once policy accepts them,
 * imported.  So what was judged is what is imported.
 */
#ifndef PDLIST_KEYS_H
#define PDLIST_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/keyfacts.h"
#include "common/util.h"

#define KEYS_FILE_MAX	(1024 * 1024)	/* a key file over 1 MiB is refused */

struct keys;			/* one gpgme context on one GnuPG home */

struct keys_blob {
	char	*data;		/* owned; freed by keys_blob_free() */
	size_t	 len;
	char	 name[256];	/* the file name, for messages */
};

/* Initialises gpgme once per process (keys_open() does it first); 0 or -1
   with err. */
int	keys_init(struct pd_err *err);

/*
 * Opens the GnuPG home at home, creating it with mode 0700 when create is
 * set.  The caller frees *out with keys_close().
 */
int	keys_open(const char *home, int create, struct keys **out,
	    struct pd_err *err);
void	keys_close(struct keys *);

int	keys_blob_read(const char *path, struct keys_blob *out,
	    struct pd_err *err);
void	keys_blob_free(struct keys_blob *);

/*
 * The list's own key.  keys_generate_list_key() makes an ed25519 primary
 * (sign, certify) with a cv25519 encryption subkey, no passphrase and no
 * expiry, with the list address as user ID.  keys_import_list_key() takes
 * exactly one secret key that can sign and encrypt without a passphrase.
 * Both write the primary fingerprint into fpr.
 */
int	keys_generate_list_key(struct keys *, const char *address, char fpr[41],
	    struct pd_err *err);
int	keys_import_list_key(struct keys *, const struct keys_blob *,
	    char fpr[41], struct pd_err *err);

/*
 * Inspects a member's key file without importing it: refused (PD_REFUSED)
 * unless it holds exactly one public key and no secret key.  On success
 * fills *out (the caller clears it with keyfacts_clear()).
 */
int	keys_inspect(struct keys *, const struct keys_blob *,
	    struct keyfacts *out, struct pd_err *err);

/*
 * The facts of each of the n public keys of a keyring blob, in its order,
 * in one gpg run (out: n of them, each cleared with keyfacts_clear()).
 * PD_REFUSED when gpg does not list exactly n public keys; keys_inspect()
 * of each then says which one is at fault.
 */
int	keys_inspect_all(struct keys *, const struct keys_blob *,
	    struct keyfacts *out, size_t n, struct pd_err *err);

/* Imports blob, which must hold the key with fingerprint fpr and no other. */
int	keys_import(struct keys *, const struct keys_blob *, const char *fpr,
	    struct pd_err *err);
/* The same for a keyring blob of exactly the n keys fprs, in one gpg run. */
int	keys_import_all(struct keys *, const struct keys_blob *,
	    const char *const *fprs, size_t n, struct pd_err *err);

/* The facts of a key in the keyring; PD_REFUSED when it is not there. */
int	keys_facts(struct keys *, const char *fpr, struct keyfacts *out,
	    struct pd_err *err);

/* ---- decryption and signatures -------------------------------------- */

enum keys_sig_state {
	KEYS_SIG_GOOD,		/* valid signature by a key that is valid now */
	KEYS_SIG_BAD,		/* the content does not match the signature */
	KEYS_SIG_NO_KEY,	/* the signing key is not in the keyring */
	KEYS_SIG_KEY_EXPIRED,	/* good signature, but the key expired */
	KEYS_SIG_KEY_REVOKED,	/* good signature, but the key is revoked */
	KEYS_SIG_ERROR		/* anything else gpg could not judge */
};

#define KEYS_MAX_SIGS	4
#define KEYS_SIG_ID_MAX	48	/* gpg's SIG_ID: 27 characters of base64 */

struct keys_sigs {
	size_t	n;
	struct {
		enum keys_sig_state state;
		char	 fpr[41];	/* the primary key's fingerprint when the
					   key is known, else what gpg reported */
		time_t	 created;
		char	 id[KEYS_SIG_ID_MAX];	/* the signature's own
					   digest (gpg's SIG_ID), good ones */
	} sig[KEYS_MAX_SIGS];
};

/*
 * Bounds on every gpg operation (process-wide): a deadline in seconds (0:
 * none), after which the operation is cancelled as a temporary failure and
 * the keyring's gpg-agent restarted; and what decryption or verification
 * may unpack, factor times the list's max-message-size (given per keyring
 * with keys_set_message_size(); KEYS_PLAIN_MAX when not given).  Output over
 * the cap is refused (PD_REFUSED, keys_over_limits() true) while gpg
 * streams, so a compression bomb costs at most the cap in memory.
 */
#define KEYS_DEFAULT_TIMEOUT		120
#define KEYS_DEFAULT_PLAIN_FACTOR	4
#define KEYS_PLAIN_MAX			(256UL * 1024 * 1024)
void	keys_set_bounds(unsigned timeout, unsigned plain_factor);
void	keys_set_message_size(struct keys *, size_t max_message_size);
/* Whether the last failure of k was the output cap. */
bool	keys_over_limits(const struct keys *);

/* Plaintext handed out below: wiped and freed by wipe_free() (util.h). */

/*
 * Decrypts an OpenPGP message with the keyring's secret key and verifies
 * any signature inside.  PD_REFUSED when it cannot be decrypted (not
 * encrypted to this key, symmetric, corrupt: any gpg error while gpg
 * itself works, as a probe on bytes of our own shows); PD_TEMPFAIL when
 * gpg itself failed or ran out of time.  The same for the verifications.
 */
int	keys_decrypt(struct keys *, const char *in, size_t len, char **plain,
	    size_t *plain_len, struct keys_sigs *sigs, struct pd_err *err);

/*
 * The OpenPGP message in (encrypted to k's key, and signed inside) with
 * only its encryption taken off, as gpg --unwrap gives it: the sender's
 * signed message, armored (*armored malloc'd).  Within the bounds of
 * keys_decrypt(); its signatures are not checked here.
 */
int	keys_unwrap(struct keys *, const char *in, size_t len, char **armored,
	    size_t *armored_len, struct pd_err *err);

/* Verifies a detached signature over data (RFC 3156 multipart/signed). */
int	keys_verify_detached(struct keys *, const char *data, size_t len,
	    const char *sig, size_t sig_len, struct keys_sigs *sigs,
	    struct pd_err *err);

/*
 * Verifies a clearsigned (inline) text; *plain is the signed text without
 * the armor and dash-escaping.
 */
int	keys_verify_clearsigned(struct keys *, const char *in, size_t len,
	    char **plain, size_t *plain_len, struct keys_sigs *sigs,
	    struct pd_err *err);

/*
 * Signs data with the keyring's secret key signer and encrypts it once to
 * every recipient: recipients holds subkey fingerprints, one per line, each
 * used exactly (gpg's "FPR!").  The result is binary OpenPGP (for
 * keys/pgpsplit.c to cut into one copy per recipient), in *out (malloc'd).
 * Members' keys are plain imported keys: they are trusted because the list
 * checked them, not through the web of trust.
 */
int	keys_sign_encrypt(struct keys *, const char *signer,
	    const char *recipients, const char *data, size_t len, char **out,
	    size_t *out_len, struct pd_err *err);

/*
 * A detached, armored signature over data by the keyring's secret key
 * signer (for RFC 3156 multipart/signed), in *sig (malloc'd), and the
 * micalg parameter that names its digest ("pgp-sha512").
 */
int	keys_sign_detached(struct keys *, const char *signer, const char *data,
	    size_t len, char **sig, size_t *sig_len, char micalg[24],
	    struct pd_err *err);

/*
 * Seals data for the store: encrypts it, unsigned, to the keyring's own
 * key fpr (the list's), so that a copy of the datadir reveals nothing;
 * binary, or with armor ASCII (for a JSON field).  *out is malloc'd.
 * keys_unseal() opens it; its plaintext is wiped with wipe_free().
 * A seal that does not open is PD_REFUSED.
 */
int	keys_seal(struct keys *, const char *fpr, const char *data, size_t len,
	    bool armor, char **out, size_t *out_len, struct pd_err *err);
int	keys_unseal(struct keys *, const char *in, size_t len, char **plain,
	    size_t *plain_len, struct pd_err *err);

/*
 * Stops the gpg-agent that serves home, if any (gpgconf --kill gpg-agent),
 * before the home is removed.
 */
void	keys_stop_agent(const char *home);
/*
 * Kills (SIGKILL) every gpg and gpg-agent of ours that works on home: what
 * ends an operation that does not finish (gpgme cannot cancel one that
 * waits on gpg).  Linux: found through /proc.
 */
void	keys_kill_engine(const char *home);

/*
 * The facts of every public key in the keyring, from one gpg run (a lookup
 * per key would run gpg once per member), sorted by primary fingerprint
 * for keys_facts_find().  The caller frees *all with keys_facts_free_all().
 */
int	keys_facts_all(struct keys *, struct keyfacts **all, size_t *n,
	    struct pd_err *err);
const struct keyfacts *keys_facts_find(const struct keyfacts *all, size_t n,
	    const char *fpr);
void	keys_facts_free_all(struct keyfacts *all, size_t n);

/*
 * The key fpr of the keyring, armored, into *out (the caller frees it with
 * keys_blob_free(); a secret key's copy should be wiped first); with
 * secret, its secret key too (the keyring's agent must give it without a
 * passphrase).  PD_REFUSED when the keyring has no such key.
 * (keys_export.c)
 */
int	keys_export(struct keys *, const char *fpr, bool secret,
	    struct keys_blob *out, struct pd_err *err);

/* Deletes a public key from the keyring; a missing key is not an error. */
int	keys_delete(struct keys *, const char *fpr, struct pd_err *err);

/*
 * The public keys fprs[0..n) of k's keyring, armored in one block (*out,
 * malloc'd, NUL-terminated), minimal (no third-party signatures).  None of
 * them there is PD_REFUSED.
 */
int	keys_export_public(struct keys *, const char *const *fprs, size_t n,
	    char **out, size_t *len, struct pd_err *err);

#endif
