/*
 * keys/keys_crypt.c: see keys.h.  Decryption, signatures and encryption,
 * each run within bounds: a deadline (gpgme has none: a watchdog thread
 * kills the gpg and agent of the keyring, which ends the operation, and
 * the agent is restarted), and a cap on
 * what gpg may hand back (a data sink that refuses more).  When gpg fails on
 * untrusted bytes, a probe of the engine on bytes of our own says whose
 * fault it was: the message's (PD_REFUSED) or gpg's (PD_TEMPFAIL).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys_int.h"
#include "keys/pgpsplit.h"

static unsigned op_timeout = KEYS_DEFAULT_TIMEOUT;
static unsigned plain_factor = KEYS_DEFAULT_PLAIN_FACTOR;

void
keys_set_bounds(unsigned timeout, unsigned factor)
{
	op_timeout = timeout;
	plain_factor = factor > 0 ? factor : KEYS_DEFAULT_PLAIN_FACTOR;
}

void
keys_set_message_size(struct keys *k, size_t max_message_size)
{
	k->max_plain = max_message_size * plain_factor;
}

/* ---- bounded output: a sink that wipes what it drops ------------------ */

struct sink {
	char	*buf;
	size_t	 len, cap, max;
	bool	 over;
};

static ssize_t
sink_write(void *handle, const void *p, size_t n)
{
	struct sink *s = handle;
	size_t want;
	char *nb;

	if (n > s->max - s->len) {
		s->over = true;
		errno = EFBIG;
		return -1;
	}
	if (s->len + n + 1 > s->cap) {	/* grow by copying: realloc leaves
					   plaintext behind in freed memory */
		want = s->cap < 4096 ? 4096 : s->cap * 2;
		if (want < s->len + n + 1)
			want = s->len + n + 1;
		if (want > s->max + 1)
			want = s->max + 1;
		if ((nb = malloc(want)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		if (s->buf != NULL) {
			memcpy(nb, s->buf, s->len);
			explicit_bzero(s->buf, s->len);
			free(s->buf);
		}
		s->buf = nb;
		s->cap = want;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return (ssize_t)n;
}

static struct gpgme_data_cbs sink_cbs = { NULL, sink_write, NULL, NULL };

static int
sink_open(struct keys *k, struct sink *s, gpgme_data_t *d)
{
	memset(s, 0, sizeof *s);
	s->max = k->max_plain > 0 ? k->max_plain : (size_t)KEYS_PLAIN_MAX;
	return gpgme_data_new_from_cbs(d, &sink_cbs, s) == 0 ? 0 : -1;
}

/* The sink's bytes, NUL-terminated, handed to the caller. */
static char *
sink_take(struct sink *s, size_t *len)
{
	char *out = s->buf;

	if (out == NULL && (out = malloc(1)) == NULL)
		return NULL;
	out[s->len] = '\0';
	*len = s->len;
	s->buf = NULL;
	s->len = s->cap = 0;
	return out;
}

static void
sink_wipe(struct sink *s)
{
	wipe_free(s->buf, s->len);
	s->buf = NULL;
	s->len = s->cap = 0;
}

/* ---- the deadline: a watchdog that cancels --------------------------- */

struct watch {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct timespec	 until;
	const char	*home;
	bool		 running, done, fired;
};

static void *
watch_run(void *arg)
{
	struct watch *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &w->until) ==
		    ETIMEDOUT) {
			if (!w->done) {
				w->fired = true;
				keys_kill_engine(w->home);
			}
			break;
		}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int
watch_start(struct keys *k, struct watch *w, struct pd_err *err)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof *w);
	if (op_timeout == 0)
		return 0;
	w->home = k->home;
	clock_gettime(CLOCK_MONOTONIC, &w->until);
	w->until.tv_sec += op_timeout;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->th, NULL, watch_run, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return pd_fail(err, PD_TEMPFAIL, "cannot start a watchdog for "
		    "gpg: %s", strerror(errno));
	}
	w->running = true;
	return 0;
}

/* Ends the watch; whether it had to cancel the operation. */
static bool
watch_stop(struct keys *k, struct watch *w)
{
	struct pd_err ignored;

	if (!w->running)
		return false;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->running = false;
	if (w->fired) {
		/* A hung gpg waits on its agent: start both afresh. */
		keys_stop_agent(k->home);
		keys_new_ctx(k, &ignored);
	}
	return w->fired;
}

/* ---- signatures: who, when, and which signature ----------------------- */

/* gpg reports a subkey's fingerprint; the member's record has the primary. */
static void
primary_fpr(struct keys *k, const char *fpr, char out[41])
{
	gpgme_ctx_t c;
	gpgme_key_t key = NULL;

	snprintf(out, 41, "%s", fpr ? fpr : "");
	if (fpr == NULL || ctx_pool_take(k->home, &c) != 0)
		return;
	if (ctx_kept_key(k->home, c, fpr, &key, 0) == 0 &&
	    key->subkeys != NULL && key->subkeys->fpr != NULL)
		snprintf(out, 41, "%s", key->subkeys->fpr);
	gpgme_key_unref(key);
	ctx_pool_put(k->home, c);
}

static enum keys_sig_state
sig_state(gpgme_signature_t s)
{
	switch (gpgme_err_code(s->status)) {
	case GPG_ERR_NO_ERROR:
		return (s->summary & GPGME_SIGSUM_KEY_REVOKED) ?
		    KEYS_SIG_KEY_REVOKED : (s->summary & GPGME_SIGSUM_KEY_EXPIRED) ?
		    KEYS_SIG_KEY_EXPIRED : KEYS_SIG_GOOD;
	case GPG_ERR_BAD_SIGNATURE:
		return KEYS_SIG_BAD;
	case GPG_ERR_NO_PUBKEY:
		return KEYS_SIG_NO_KEY;
	case GPG_ERR_KEY_EXPIRED:
		return KEYS_SIG_KEY_EXPIRED;
	case GPG_ERR_CERT_REVOKED:
		return KEYS_SIG_KEY_REVOKED;
	default:
		return KEYS_SIG_ERROR;
	}
}

/*
 * gpg's SIG_ID status line: a digest of the signature itself, made for
 * replay detection.  One per good signature, after that signature's
 * NEWSIG.
 */
struct sig_ids {
	int	 at;			/* the signature NEWSIG opened, -1 none */
	char	 id[KEYS_MAX_SIGS][KEYS_SIG_ID_MAX];
};

static gpgme_error_t
status_line(void *hook, const char *keyword, const char *args)
{
	struct sig_ids *ids = hook;

	if (strcmp(keyword, "NEWSIG") == 0)
		ids->at++;
	else if (strcmp(keyword, "SIG_ID") == 0 && args != NULL &&
	    ids->at >= 0 && ids->at < KEYS_MAX_SIGS)
		snprintf(ids->id[ids->at], KEYS_SIG_ID_MAX, "%.*s",
		    (int)strcspn(args, " "), args);
	return 0;
}

static void
status_watch(struct keys *k, struct sig_ids *ids)
{
	memset(ids, 0, sizeof *ids);
	ids->at = -1;
	gpgme_set_ctx_flag(k->ctx, "full-status", "1");
	gpgme_set_status_cb(k->ctx, status_line, ids);
}

static void
collect_sigs(struct keys *k, gpgme_verify_result_t r,
    const struct sig_ids *ids, struct keys_sigs *sigs)
{
	gpgme_signature_t s;
	size_t i;

	gpgme_set_status_cb(k->ctx, NULL, NULL);
	gpgme_set_ctx_flag(k->ctx, "full-status", "0");
	memset(sigs, 0, sizeof *sigs);
	for (s = r ? r->signatures : NULL; s != NULL && sigs->n < KEYS_MAX_SIGS;
	    s = s->next) {
		i = sigs->n++;
		sigs->sig[i].state = sig_state(s);
		sigs->sig[i].created = s->timestamp;
		primary_fpr(k, s->fpr, sigs->sig[i].fpr);
		snprintf(sigs->sig[i].id, sizeof sigs->sig[i].id, "%s",
		    ids->id[i]);
	}
}

/* ---- whose fault a failure is ------------------------------------------ */

static int encrypt_to(struct keys *, const char *, const char *,
    const char *, size_t, bool, char **, size_t *, struct pd_err *);

/*
 * Whether gpg works at all: a few bytes sealed to the keyring's own secret
 * key and opened again, as the list does with every message.
 */
static int
engine_probe(struct keys *k, struct pd_err *err)
{
	static const char canary[] = "pdlist: is gpg working?";
	gpgme_key_t key = NULL;
	char fpr[41] = "", *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;
	gpgme_error_t ge;
	int rc;

	if ((ge = gpgme_op_keylist_start(k->ctx, NULL, 1)) == 0 &&
	    (ge = gpgme_op_keylist_next(k->ctx, &key)) == 0 &&
	    key->subkeys != NULL && key->subkeys->fpr != NULL)
		snprintf(fpr, sizeof fpr, "%s", key->subkeys->fpr);
	gpgme_op_keylist_end(k->ctx);
	gpgme_key_unref(key);
	if (ge != 0 && gpgme_err_code(ge) != GPG_ERR_EOF)
		return gpg_fail(err, ge, "listing the secret key");
	if (fpr[0] == '\0')	/* a list's keyring always has its key */
		return pd_fail(err, PD_TEMPFAIL, "gpg finds no secret key (is "
		    "gpg-agent working?)");
	k->probing = true;
	rc = encrypt_to(k, NULL, fpr, canary, sizeof canary - 1, false,
	    &sealed, &slen, err);
	if (rc == 0 && (rc = keys_unseal(k, sealed, slen, &plain, &plen,
	    err)) == 0 && (plen != sizeof canary - 1 || memcmp(plain, canary,
	    plen) != 0))
		rc = pd_fail(err, PD_FAIL, "gpg opened its own seal wrongly");
	k->probing = false;
	free(sealed);
	wipe_free(plain, plen);
	return rc;
}

/*
 * What went wrong when gpg failed on untrusted bytes (what: "cannot
 * decrypt"): the deadline or the output cap (set over when so), the
 * message's own bytes (PD_REFUSED), or the engine (PD_TEMPFAIL).
 */
static int
op_failed(struct keys *k, gpgme_error_t ge, bool fired,
    const struct sink *s, const char *what, struct pd_err *err)
{
	struct pd_err probe = { 0 };
	char buf[256];

	k->over_limits = s != NULL && s->over;
	if (fired)
		return pd_fail(err, PD_TEMPFAIL, "%s: gpg did not finish within "
		    "%u s (gpg-timeout); the list's gpg-agent was restarted",
		    what, op_timeout);
	if (k->over_limits)
		return pd_fail(err, PD_REFUSED, "over limits: %s: what gpg "
		    "unpacks is larger than %zu bytes", what, s->max);
	gpgme_strerror_r(ge, buf, sizeof buf);
	if (k->probing)
		return pd_fail(err, PD_TEMPFAIL, "%s: %s", what, buf);
	switch (gpgme_err_code(ge)) {
	case GPG_ERR_NO_DATA:	/* nothing OpenPGP at all: no need to ask */
	case GPG_ERR_BAD_DATA:
		break;
	default:
		if (engine_probe(k, &probe) == -1)
			return pd_fail(err, PD_TEMPFAIL, "%s: %s (gpg itself "
			    "fails: %s)", what, buf, probe.text);
	}
	return pd_fail(err, PD_REFUSED, "%s: %s", what, buf);
}

bool
keys_over_limits(const struct keys *k)
{
	return k->over_limits;
}

/* ---- decryption and verification --------------------------------------- */

/*
 * Runs gpg on untrusted input within the bounds: decrypts (sig NULL;
 * with unwrap, only the encryption layer comes off), verifies a detached
 * signature (sig and text), or verifies clearsigned text (sig only).
 * plain receives the output when not NULL.
 */
static int
untrusted(struct keys *k, gpgme_data_t sig, gpgme_data_t text,
    gpgme_data_t cipher, bool unwrap, char **plain, size_t *plain_len,
    struct keys_sigs *sigs, const char *what, struct pd_err *err)
{
	gpgme_data_t out = NULL;
	struct sig_ids ids;
	struct watch w;
	struct sink s;
	gpgme_error_t ge;
	bool fired;
	int rc;

	memset(sigs, 0, sizeof *sigs);
	memset(&s, 0, sizeof s);
	k->over_limits = false;
	if (plain != NULL) {
		*plain = NULL;
		*plain_len = 0;
		if (sink_open(k, &s, &out) == -1)
			return pd_fail(err, PD_TEMPFAIL, "gpgme: out of memory");
	}
	if (watch_start(k, &w, err) == -1) {
		gpgme_data_release(out);
		return -1;
	}
	status_watch(k, &ids);
	/* Never wait for a passphrase: the list's key has none. */
	no_prompts(k, 1);
	ge = unwrap ? gpgme_op_decrypt_ext(k->ctx, GPGME_DECRYPT_UNWRAP, cipher,
	    out) : cipher != NULL ? gpgme_op_decrypt_verify(k->ctx, cipher,
	    out) : gpgme_op_verify(k->ctx, sig, text, out);
	no_prompts(k, 0);
	if (ge == 0 && !unwrap)
		collect_sigs(k, gpgme_op_verify_result(k->ctx), &ids, sigs);
	else
		gpgme_set_status_cb(k->ctx, NULL, NULL);
	fired = watch_stop(k, &w);
	gpgme_data_release(out);
	if (ge != 0) {
		rc = op_failed(k, ge, fired, &s, what, err);
		sink_wipe(&s);
		return rc;
	}
	if (plain != NULL && (*plain = sink_take(&s, plain_len)) == NULL) {
		sink_wipe(&s);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	return 0;
}

int
keys_decrypt(struct keys *k, const char *in, size_t len, char **plain,
    size_t *plain_len, struct keys_sigs *sigs, struct pd_err *err)
{
	gpgme_data_t cipher = NULL;
	int rc;

	*plain = NULL;
	*plain_len = 0;
	if (gpgme_data_new_from_mem(&cipher, in, len, 0) != 0)
		return pd_fail(err, PD_TEMPFAIL, "gpgme: out of memory");
	rc = untrusted(k, NULL, NULL, cipher, false, plain, plain_len, sigs,
	    "cannot decrypt", err);
	gpgme_data_release(cipher);
	return rc;
}

int
keys_unwrap(struct keys *k, const char *in, size_t len, char **armored,
    size_t *armored_len, struct pd_err *err)
{
	struct keys_sigs none;
	gpgme_data_t cipher = NULL;
	char *bin = NULL;
	size_t blen = 0;
	int rc;

	*armored = NULL;
	*armored_len = 0;
	if (gpgme_data_new_from_mem(&cipher, in, len, 0) != 0)
		return pd_fail(err, PD_TEMPFAIL, "gpgme: out of memory");
	rc = untrusted(k, NULL, NULL, cipher, true, &bin, &blen, &none,
	    "cannot unwrap", err);
	gpgme_data_release(cipher);
	if (rc == 0 && pgp_armor(bin, blen, "MESSAGE", armored, armored_len,
	    err) == -1)
		rc = pd_fail(err, PD_TEMPFAIL, "%s", err->text);
	wipe_free(bin, blen);
	return rc;
}

int
keys_verify_detached(struct keys *k, const char *data, size_t len,
    const char *sig, size_t sig_len, struct keys_sigs *sigs,
    struct pd_err *err)
{
	gpgme_data_t d = NULL, s = NULL;
	int rc;

	if (gpgme_data_new_from_mem(&d, data, len, 0) != 0 ||
	    gpgme_data_new_from_mem(&s, sig, sig_len, 0) != 0) {
		gpgme_data_release(d);
		return pd_fail(err, PD_TEMPFAIL, "gpgme: out of memory");
	}
	rc = untrusted(k, s, d, NULL, false, NULL, NULL, sigs, "cannot verify",
	    err);
	gpgme_data_release(d);
	gpgme_data_release(s);
	return rc;
}

int
keys_verify_clearsigned(struct keys *k, const char *in, size_t len,
    char **plain, size_t *plain_len, struct keys_sigs *sigs,
    struct pd_err *err)
{
	gpgme_data_t s = NULL;
	int rc;

	*plain = NULL;
	*plain_len = 0;
	if (gpgme_data_new_from_mem(&s, in, len, 0) != 0)
		return pd_fail(err, PD_TEMPFAIL, "gpgme: out of memory");
	rc = untrusted(k, s, NULL, NULL, false, plain, plain_len, sigs,
	    "cannot verify", err);
	gpgme_data_release(s);
	return rc;
}

/* ---- signing and encryption ---------------------------------------- */

/* Takes the bytes out of a gpgme data object; NULL on failure. */
static char *
take_data(gpgme_data_t d, size_t *len)
{
	char *p, *out;

	p = gpgme_data_release_and_get_mem(d, len);
	if (p == NULL) {
		*len = 0;
		return calloc(1, 1);
	}
	if ((out = malloc(*len + 1)) != NULL) {
		memcpy(out, p, *len);
		out[*len] = '\0';
	}
	explicit_bzero(p, *len);
	gpgme_free(p);
	return out;
}

/*
 * Encrypts data once to recipients (gpgme's newline-separated list), signed
 * by signer or, with signer NULL, unsigned; binary or armored.  The two
 * uses: a post for its members, and a seal for the store.
 */
static int
encrypt_to(struct keys *k, const char *signer, const char *recipients,
    const char *data, size_t len, bool armor, char **out, size_t *out_len,
    struct pd_err *err)
{
	static const gpgme_encrypt_flags_t flags = GPGME_ENCRYPT_ALWAYS_TRUST |
	    GPGME_ENCRYPT_NO_ENCRYPT_TO;
	gpgme_data_t plain = NULL, cipher = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t ge;
	struct watch w;
	int rc = -1;

	*out = NULL;
	*out_len = 0;
	if (signer != NULL) {
		if (sign_setup(k, signer, data, len, &key, &plain, &cipher,
		    err) == -1)
			goto out;
	} else if ((ge = gpgme_data_new_from_mem(&plain, data, len, 0)) != 0 ||
	    (ge = gpgme_data_new(&cipher)) != 0) {
		gpg_fail(err, ge, "gpgme");
		goto out;
	}
	if (watch_start(k, &w, err) == -1)
		goto out;
	gpgme_set_armor(k->ctx, armor);
	no_prompts(k, 1);
	ge = signer != NULL ? gpgme_op_encrypt_sign_ext(k->ctx, NULL, recipients,
	    flags, plain, cipher) : gpgme_op_encrypt_ext(k->ctx, NULL,
	    recipients, flags, plain, cipher);
	no_prompts(k, 0);
	gpgme_set_armor(k->ctx, 1);
	if (ge != 0) {
		op_failed(k, ge, watch_stop(k, &w), NULL, signer ?
		    "sign and encrypt" : "seal to the list's key", err);
		err->status = PD_TEMPFAIL;	/* our own bytes: never theirs */
		goto out;
	}
	watch_stop(k, &w);
	if ((*out = take_data(cipher, out_len)) == NULL)
		pd_fail(err, PD_TEMPFAIL, "out of memory");
	else
		rc = 0;
	cipher = NULL;
out:
	gpgme_signers_clear(k->ctx);
	gpgme_data_release(plain);
	gpgme_data_release(cipher);
	gpgme_key_unref(key);
	return rc;
}

int
keys_sign_encrypt(struct keys *k, const char *signer, const char *recipients,
    const char *data, size_t len, char **out, size_t *out_len,
    struct pd_err *err)
{
	return encrypt_to(k, signer, recipients, data, len, false, out, out_len,
	    err);
}

int
keys_seal(struct keys *k, const char *fpr, const char *data, size_t len,
    bool armor, char **out, size_t *out_len, struct pd_err *err)
{
	return encrypt_to(k, NULL, fpr, data, len, armor, out, out_len, err);
}

int
keys_unseal(struct keys *k, const char *in, size_t len, char **plain,
    size_t *plain_len, struct pd_err *err)
{
	struct keys_sigs sigs;

	return keys_decrypt(k, in, len, plain, plain_len, &sigs, err);
}

int
keys_sign_detached(struct keys *k, const char *signer, const char *data,
    size_t len, char **sig, size_t *sig_len, char micalg[24],
    struct pd_err *err)
{
	gpgme_sign_result_t sr;
	const char *h;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t ge;
	struct watch w;
	int rc = -1;

	*sig = NULL;
	*sig_len = 0;
	if (sign_setup(k, signer, data, len, &key, &in, &out, err) == -1)
		goto out;
	if (watch_start(k, &w, err) == -1)
		goto out;
	no_prompts(k, 1);
	ge = gpgme_op_sign(k->ctx, in, out, GPGME_SIG_MODE_DETACH);
	no_prompts(k, 0);
	if (ge != 0) {
		op_failed(k, ge, watch_stop(k, &w), NULL, "signing", err);
		err->status = PD_TEMPFAIL;
		goto out;
	}
	watch_stop(k, &w);
	sr = gpgme_op_sign_result(k->ctx);
	h = sr && sr->signatures ?
	    gpgme_hash_algo_name(sr->signatures->hash_algo) : NULL;
	snprintf(micalg, 24, "pgp-%s", h ? h : "sha256");
	for (char *c = micalg; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	if ((*sig = take_data(out, sig_len)) == NULL)
		pd_fail(err, PD_TEMPFAIL, "out of memory");
	else
		rc = 0;
	out = NULL;
out:
	gpgme_signers_clear(k->ctx);
	gpgme_data_release(in);
	gpgme_data_release(out);
	gpgme_key_unref(key);
	return rc;
}
