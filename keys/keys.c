/* keys/keys.c: see keys.h.  The only file that talks to gpgme for keys. */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <gpgme.h>

#include "keys/keys_int.h"

int
gpg_fail(struct pd_err *err, gpgme_error_t ge, const char *what)
{
	char buf[256];

	gpgme_strerror_r(ge, buf, sizeof buf);
	return pd_fail(err, PD_FAIL, "%s: %s", what, buf);
}

/*
 * gpgme's start-up engine check asks gpgconf for its directories and
 * components and then runs gpg, gpgsm and gpgconf --version: five
 * processes in every process that opens a key, listctl inject among them.
 * pdlist needs gpg alone and finds gpgconf itself (gpgconf_run), so
 * gpgme is told to skip gpgconf: gpg from PATH, one gpg --version.  That
 * gpg must be GnuPG 2 (gpgme would take a GnuPG 1 for granted).
 */
static int
engine_init(struct pd_err *err)
{
	gpgme_engine_info_t info;
	gpgme_error_t ge;

	gpgme_set_global_flag("disable-gpgconf", "1");
	if (gpgme_check_version("1.18.0") == NULL)
		return pd_fail(err, PD_FAIL, "gpgme 1.18 or later is needed");
	setlocale(LC_CTYPE, "");
	gpgme_set_locale(NULL, LC_CTYPE, setlocale(LC_CTYPE, NULL));
	if ((ge = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)) != 0)
		return gpg_fail(err, ge, "gpg");
	if ((ge = gpgme_get_engine_info(&info)) != 0)
		return gpg_fail(err, ge, "gpg");
	for (; info != NULL; info = info->next)
		if (info->protocol == GPGME_PROTOCOL_OpenPGP &&
		    (info->version == NULL || atoi(info->version) < 2))
			return pd_fail(err, PD_FAIL, "%s is GnuPG %s: pdlist "
			    "needs GnuPG 2.2 or later first on PATH",
			    info->file_name, info->version != NULL ?
			    info->version : "of an unknown version");
	return 0;
}

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static struct pd_err engine_err;
static int engine_rc;

static void
engine_init_once(void)
{
	engine_rc = engine_init(&engine_err);
}

/* Once per process, on the first keys_open() if not before. */
int
keys_init(struct pd_err *err)
{
	pthread_once(&engine_once, engine_init_once);
	if (engine_rc == -1)
		*err = engine_err;
	return engine_rc;
}

/*
 * home's gpg.conf says no-random-seed-file.  libgcrypt locks the home's
 * random_seed in every gpg run and, finding it locked by another run,
 * sleeps 250 ms before it tries again.  listd's shards sign and encrypt
 * in parallel in the list's home, and intake seals while processing runs:
 * two posts in five to 100 members waited a quarter of a second for it.
 * Without the file, gpg seeds its generator from the kernel (getrandom)
 * alone, as it does in a new home.  Best effort: a home this process may
 * only read is left as it is.
 */
static void
no_seed_file(const char *home)
{
	static const char line[] = "no-random-seed-file\n";
	char path[PATH_MAX], buf[4096];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/gpg.conf", home) >=
	    sizeof path || (fd = open(path, O_RDWR | O_CREAT | O_APPEND |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return;
	if ((n = read(fd, buf, sizeof buf - 1)) >= 0) {
		buf[n] = '\0';
		if (strstr(buf, line) == NULL && ((n > 0 && buf[n - 1] != '\n' &&
		    write(fd, "\n", 1) != 1) ||
		    write(fd, line, sizeof line - 1) != (ssize_t)sizeof line - 1))
			(void)ftruncate(fd, n);	/* no half a line */
	}
	close(fd);
}

int
keys_open(const char *home, int create, struct keys **out,
    struct pd_err *err)
{
	struct keys *k;
	struct stat sb;

	*out = NULL;
	if (keys_init(err) == -1)
		return -1;
	if (create && mkdir(home, 0700) == -1 && errno != EEXIST)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", home,
		    strerror(errno));
	if (stat(home, &sb) == -1)
		return pd_fail(err, PD_FAIL, "GnuPG home %s: %s", home,
		    strerror(errno));
	if ((sb.st_mode & 077) != 0)
		return pd_fail(err, PD_FAIL, "GnuPG home %s is open to others "
		    "(mode %o): chmod 700 it", home, sb.st_mode & 0777);
	no_seed_file(home);
	if ((k = calloc(1, sizeof *k)) == NULL || (k->home = strdup(home)) == NULL) {
		free(k);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	if (keys_new_ctx(k, err) == -1) {
		keys_close(k);
		return -1;
	}
	*out = k;
	return 0;
}

int
keys_new_ctx(struct keys *k, struct pd_err *err)
{
	gpgme_ctx_t c;
	gpgme_error_t ge;

	if ((ge = ctx_pool_take(k->home, &c)) != 0)
		return gpg_fail(err, ge, "gpgme");
	if (k->ctx != NULL)
		gpgme_release(k->ctx);
	k->ctx = c;
	return 0;
}

void
keys_close(struct keys *k)
{
	if (k == NULL)
		return;
	ctx_pool_put(k->home, k->ctx);	/* for the next keys_open() */
	free(k->home);
	free(k);
}

int
keys_blob_read(const char *path, struct keys_blob *out, struct pd_err *err)
{
	const char *base = strrchr(path, '/');

	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", base ? base + 1 : path);
	return read_file(path, KEYS_FILE_MAX, &out->data, &out->len, err);
}

void
keys_blob_free(struct keys_blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* "rsa4096" -> "rsa"; "ed25519" stays: names whose digits are the size. */
static void
algo_family(gpgme_subkey_t sk, char *buf, size_t len)
{
	char *s = gpgme_pubkey_algo_string(sk);
	size_t n;

	snprintf(buf, len, "%s", s != NULL ? s : "unknown");
	gpgme_free(s);
	if (strncmp(buf, "rsa", 3) == 0 || strncmp(buf, "dsa", 3) == 0 ||
	    strncmp(buf, "elg", 3) == 0) {
		n = 3;
		if (isdigit((unsigned char)buf[n]) || buf[n] == '\0')
			buf[n] = '\0';
	}
}

static int
facts_from_key(gpgme_key_t key, struct keyfacts *kf, struct pd_err *err)
{
	gpgme_subkey_t sk;
	gpgme_user_id_t u;
	size_t i;
	char *p;

	memset(kf, 0, sizeof *kf);
	kf->secret = key->secret;
	kf->revoked = key->revoked;
	for (sk = key->subkeys; sk != NULL; sk = sk->next)
		kf->nsub++;
	for (u = key->uids; u != NULL; u = u->next)
		kf->nuid++;
	if (kf->nsub == 0)
		return pd_fail(err, PD_REFUSED, "the key has no primary key");
	kf->sub = calloc(kf->nsub, sizeof *kf->sub);
	kf->uid = calloc(kf->nuid ? kf->nuid : 1, sizeof *kf->uid);
	if (kf->sub == NULL || kf->uid == NULL)
		goto nomem;
	for (i = 0, sk = key->subkeys; sk != NULL; sk = sk->next, i++) {
		struct kf_subkey *s = &kf->sub[i];

		snprintf(s->fpr, sizeof s->fpr, "%s", sk->fpr ? sk->fpr : "");
		snprintf(s->keyid, sizeof s->keyid, "%s", sk->keyid ? sk->keyid : "");
		algo_family(sk, s->algo, sizeof s->algo);
		s->bits = sk->length;
		s->can_encrypt = sk->can_encrypt;
		s->can_sign = sk->can_sign;
		s->revoked = sk->revoked;
		s->invalid = sk->invalid;
		s->created = sk->timestamp;
		s->expires = sk->expires;
	}
	for (i = 0, u = key->uids; u != NULL; u = u->next, i++) {
		if ((kf->uid[i].email = strdup(u->email ? u->email : "")) == NULL)
			goto nomem;
		for (p = kf->uid[i].email; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		kf->uid[i].revoked = u->revoked;
		kf->uid[i].invalid = u->invalid;
	}
	return 0;
nomem:
	keyfacts_clear(kf);
	return pd_fail(err, PD_FAIL, "out of memory");
}

/*
 * Lists the keys in blob without importing them (gpg --dry-run
 * --import-options show-only), calling fn with each in turn (its index i;
 * the key is released after) until fn fails; *count says how many gpg
 * listed.  No key at all: PD_REFUSED.
 */
typedef int (*blob_key_fn)(gpgme_key_t, size_t i, void *arg,
    struct pd_err *err);

static int
list_blob(struct keys *k, const struct keys_blob *b, blob_key_fn fn,
    void *arg, size_t *count, struct pd_err *err)
{
	gpgme_data_t d = NULL;
	gpgme_key_t key;
	gpgme_error_t ge;
	int rc = 0;

	*count = 0;
	if ((ge = gpgme_data_new_from_mem(&d, b->data, b->len, 0)) != 0)
		return gpg_fail(err, ge, "gpgme");
	gpgme_set_keylist_mode(k->ctx, GPGME_KEYLIST_MODE_LOCAL);
	if (gpgme_op_keylist_from_data_start(k->ctx, d, 0) != 0)
		rc = -1;
	while (rc == 0 && gpgme_op_keylist_next(k->ctx, &key) == 0) {
		rc = fn(key, (*count)++, arg, err);
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(k->ctx);
	gpgme_data_release(d);
	if (*count == 0)
		return pd_fail(err, PD_REFUSED, "%s holds no OpenPGP key",
		    b->name);
	return rc;
}

struct facts_of {
	struct keyfacts	*out;
	size_t		 n;
	const char	*name;
};

/* A key of keys_inspect_all(): the i-th public one, into out[i]. */
static int
facts_of(gpgme_key_t key, size_t i, void *arg, struct pd_err *err)
{
	struct facts_of *f = arg;

	if (i >= f->n || key->secret)
		return pd_fail(err, PD_REFUSED, "%s holds more than %zu public "
		    "keys", f->name, f->n);
	return facts_from_key(key, &f->out[i], err);
}

/*
 * The n keys of b, in order, into out (n of them, zeroed first): one gpg
 * run for a whole keyring.  PD_REFUSED when gpg does not list exactly n
 * public keys: which one is at fault is for keys_inspect() to say.
 */
int
keys_inspect_all(struct keys *k, const struct keys_blob *b,
    struct keyfacts *out, size_t n, struct pd_err *err)
{
	struct facts_of f = { out, n, b->name };
	size_t got, i;
	int rc;

	memset(out, 0, n * sizeof *out);
	rc = list_blob(k, b, facts_of, &f, &got, err);
	if (rc == 0 && got != n)
		rc = pd_fail(err, PD_REFUSED, "%s: gpg listed %zu of its %zu "
		    "keys", b->name, got, n);
	for (i = 0; rc == -1 && i < n; i++)
		keyfacts_clear(&out[i]);
	return rc;
}

/* A key of one_key(): the first is kept (a reference of its own). */
static int
keep_first(gpgme_key_t key, size_t i, void *arg, struct pd_err *err)
{
	(void)err;
	if (i == 0) {
		gpgme_key_ref(key);
		*(gpgme_key_t *)arg = key;
	}
	return 0;
}

/* Exactly one key in blob, secret or public as wanted. */
static int
one_key(struct keys *k, const struct keys_blob *b, int want_secret,
    gpgme_key_t *out, struct pd_err *err)
{
	gpgme_key_t key = NULL;
	size_t n;

	*out = NULL;
	if (list_blob(k, b, keep_first, &key, &n, err) == -1) {
		if (key != NULL)
			gpgme_key_unref(key);
		return -1;
	}
	if (n > 1) {
		gpgme_key_unref(key);
		return pd_fail(err, PD_REFUSED, "%s holds %zu keys: give a file "
		    "with exactly one", b->name, n);
	}
	if (want_secret && !key->secret) {
		gpgme_key_unref(key);
		return pd_fail(err, PD_REFUSED, "%s holds a public key only: "
		    "give the list's secret key (gpg --export-secret-keys)",
		    b->name);
	}
	if (!want_secret && key->secret) {
		gpgme_key_unref(key);
		return pd_fail(err, PD_REFUSED, "%s holds a secret key: give the "
		    "public key only (gpg --armor --export FINGERPRINT)", b->name);
	}
	*out = key;
	return 0;
}

int
keys_inspect(struct keys *k, const struct keys_blob *b, struct keyfacts *out,
    struct pd_err *err)
{
	gpgme_key_t key;
	int rc;

	memset(out, 0, sizeof *out);
	if (one_key(k, b, 0, &key, err) == -1)
		return -1;
	rc = facts_from_key(key, out, err);
	gpgme_key_unref(key);
	return rc;
}

/*
 * Deletes the keys an import brought in new.  The result belongs to the
 * context, so the fingerprints are copied before the next gpgme call.
 */
static void
undo_new_keys(struct keys *k, gpgme_import_result_t r)
{
	gpgme_import_status_t st;
	char (*fprs)[41];
	size_t i, n = 0;

	/* r belongs to the context: the deletions below would end it */
	for (st = r->imports; st != NULL; st = st->next)
		n++;
	if ((fprs = calloc(n + 1, sizeof *fprs)) == NULL)
		return;
	for (n = 0, st = r->imports; st != NULL; st = st->next)
		if (st->fpr != NULL && (st->status & GPGME_IMPORT_NEW))
			snprintf(fprs[n++], sizeof fprs[0], "%s", st->fpr);
	for (i = 0; i < n; i++)
		keys_delete(k, fprs[i], NULL);
	free(fprs);
}

static bool
among(const char *fpr, const char *const *fprs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fpr, fprs[i]) == 0)
			return true;
	return false;
}

/*
 * Imports b and checks that exactly the n keys fprs (public or secret)
 * came in; a key that came in besides is taken out again.
 */
static int
import_checked(struct keys *k, const struct keys_blob *b,
    const char *const *fprs, size_t n, int want_secret, struct pd_err *err)
{
	gpgme_data_t d = NULL;
	gpgme_import_result_t r;
	gpgme_import_status_t st;
	gpgme_error_t ge;
	int rc = -1;

	if ((ge = gpgme_data_new_from_mem(&d, b->data, b->len, 0)) != 0)
		return gpg_fail(err, ge, "gpgme");
	if ((ge = gpgme_op_import(k->ctx, d)) != 0) {
		gpg_fail(err, ge, "key import");
		goto out;
	}
	r = gpgme_op_import_result(k->ctx);
	if (r == NULL || r->considered != (int)n || r->not_imported != 0 ||
	    (want_secret && r->secret_read != 1) ||
	    (!want_secret && r->secret_read != 0)) {
		if (n == 1)
			pd_fail(err, PD_REFUSED, "%s was not imported as one %s "
			    "key", b->name, want_secret ? "secret" : "public");
		else
			pd_fail(err, PD_REFUSED, "%s was not imported as %zu "
			    "public keys", b->name, n);
		goto undo;
	}
	for (st = r->imports; st != NULL; st = st->next)
		if (st->result != 0 || st->fpr == NULL ||
		    !among(st->fpr, fprs, n)) {
			pd_fail(err, PD_REFUSED, "%s: gpg imported a different "
			    "key than the one inspected", b->name);
			goto undo;
		}
	rc = 0;
	goto out;
undo:
	if (r != NULL)
		undo_new_keys(k, r);
out:
	gpgme_data_release(d);
	return rc;
}

int
keys_import(struct keys *k, const struct keys_blob *b, const char *fpr,
    struct pd_err *err)
{
	return import_checked(k, b, &fpr, 1, 0, err);
}

int
keys_import_all(struct keys *k, const struct keys_blob *b,
    const char *const *fprs, size_t n, struct pd_err *err)
{
	return import_checked(k, b, fprs, n, 0, err);
}

static gpgme_error_t
no_passphrase(void *hook, const char *uid_hint, const char *info, int prev_bad,
    int fd)
{
	(void)hook;
	(void)uid_hint;
	(void)info;
	(void)prev_bad;
	(void)fd;
	return gpgme_error(GPG_ERR_NO_PASSPHRASE);
}

void
no_prompts(struct keys *k, int on)
{
	gpgme_set_pinentry_mode(k->ctx, on ? GPGME_PINENTRY_MODE_LOOPBACK :
	    GPGME_PINENTRY_MODE_DEFAULT);
	gpgme_set_passphrase_cb(k->ctx, on ? no_passphrase : NULL, NULL);
}

int
sign_setup(struct keys *k, const char *signer, const char *data, size_t len,
    gpgme_key_t *key, gpgme_data_t *in, gpgme_data_t *out, struct pd_err *err)
{
	gpgme_error_t ge;

	*key = NULL;
	*in = *out = NULL;
	if ((ge = ctx_kept_key(k->home, k->ctx, signer, key, 1)) != 0) {
		gpg_fail(err, ge, "the list's secret key");
		err->status = PD_TEMPFAIL;	/* it was there: gpg fails */
		return -1;
	}
	gpgme_signers_clear(k->ctx);
	if ((ge = gpgme_signers_add(k->ctx, *key)) != 0 ||
	    (ge = gpgme_data_new_from_mem(in, data, len, 0)) != 0 ||
	    (ge = gpgme_data_new(out)) != 0)
		return gpg_fail(err, ge, "gpgme");
	return 0;
}

/* Signs a few bytes with fpr, asking for no passphrase: proves the key works. */
static int
test_sign(struct keys *k, const char *fpr, struct pd_err *err)
{
	gpgme_data_t in = NULL, sig = NULL;
	gpgme_key_t key = NULL;
	int rc = -1;

	if (sign_setup(k, fpr, "pdlist", 6, &key, &in, &sig, err) == -1)
		goto out;
	no_prompts(k, 1);
	if (gpgme_op_sign(k->ctx, in, sig, GPGME_SIG_MODE_DETACH) != 0) {
		pd_fail(err, PD_REFUSED, "the list's secret key cannot sign "
		    "without a passphrase: remove its passphrase before moving "
		    "it (gpg --edit-key %s passwd)", fpr);
		goto out;
	}
	rc = 0;
out:
	gpgme_signers_clear(k->ctx);
	no_prompts(k, 0);
	gpgme_data_release(in);
	gpgme_data_release(sig);
	gpgme_key_unref(key);
	return rc;
}

int
keys_import_list_key(struct keys *k, const struct keys_blob *b, char fpr[41],
    struct pd_err *err)
{
	gpgme_key_t key;
	gpgme_subkey_t sk;
	int can_sign = 0, can_encrypt = 0;

	if (one_key(k, b, 1, &key, err) == -1)
		return -1;
	snprintf(fpr, 41, "%s", key->subkeys->fpr);
	for (sk = key->subkeys; sk != NULL; sk = sk->next) {
		if (sk->revoked || sk->expired || sk->invalid)
			continue;
		can_sign |= sk->can_sign;
		can_encrypt |= sk->can_encrypt;
	}
	if (key->revoked || key->expired || !can_sign || !can_encrypt) {
		gpgme_key_unref(key);
		return pd_fail(err, PD_REFUSED, "%s: the list key %s must be "
		    "valid and able to sign and encrypt", b->name, fpr);
	}
	gpgme_key_unref(key);
	if (import_checked(k, b, (const char *[]){ fpr }, 1, 1, err) == -1)
		return -1;
	return test_sign(k, fpr, err);
}

int
keys_generate_list_key(struct keys *k, const char *address, char fpr[41],
    struct pd_err *err)
{
	gpgme_genkey_result_t r;
	gpgme_key_t key = NULL;
	gpgme_error_t ge;
	unsigned flags = GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE;

	ge = gpgme_op_createkey(k->ctx, address, "ed25519", 0, 0, NULL,
	    flags | GPGME_CREATE_SIGN | GPGME_CREATE_CERT);
	if (ge != 0)
		return gpg_fail(err, ge, "generating the list key");
	r = gpgme_op_genkey_result(k->ctx);
	if (r == NULL || r->fpr == NULL)
		return pd_fail(err, PD_FAIL, "generating the list key: no result");
	snprintf(fpr, 41, "%s", r->fpr);
	if ((ge = ctx_get_key(k->ctx, fpr, &key, 1)) != 0)
		return gpg_fail(err, ge, "the new list key");
	ge = gpgme_op_createsubkey(k->ctx, key, "cv25519", 0, 0,
	    flags | GPGME_CREATE_ENCR);
	gpgme_key_unref(key);
	if (ge != 0)
		return gpg_fail(err, ge, "generating the list's encryption subkey");
	return 0;
}

int
keys_facts(struct keys *k, const char *fpr, struct keyfacts *out,
    struct pd_err *err)
{
	gpgme_key_t key = NULL;
	gpgme_error_t ge;
	int rc;

	memset(out, 0, sizeof *out);
	gpgme_set_keylist_mode(k->ctx, GPGME_KEYLIST_MODE_LOCAL);
	if ((ge = ctx_get_key(k->ctx, fpr, &key, 0)) != 0) {
		if (gpgme_err_code(ge) == GPG_ERR_EOF)
			return pd_fail(err, PD_REFUSED, "key %s is not in the "
			    "list's keyring", fpr);
		return gpg_fail(err, ge, "key listing");
	}
	rc = facts_from_key(key, out, err);
	gpgme_key_unref(key);
	return rc;
}

static int
by_fpr(const void *a, const void *b)
{
	return strcmp(((const struct keyfacts *)a)->sub[0].fpr,
	    ((const struct keyfacts *)b)->sub[0].fpr);
}

int
keys_facts_all(struct keys *k, struct keyfacts **all, size_t *n,
    struct pd_err *err)
{
	struct keyfacts *v = NULL, *nv;
	gpgme_key_t key;
	gpgme_error_t ge;
	size_t cap = 0;
	struct facts_stamp stamp;

	*all = NULL;
	*n = 0;
	facts_stamp(k->home, &stamp);
	if (facts_kept_get(k->home, &stamp, all, n))
		return 0;
	gpgme_set_keylist_mode(k->ctx, GPGME_KEYLIST_MODE_LOCAL);
	if ((ge = gpgme_op_keylist_start(k->ctx, NULL, 0)) != 0)
		return gpg_fail(err, ge, "key listing");
	while ((ge = gpgme_op_keylist_next(k->ctx, &key)) == 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL) {
				gpgme_key_unref(key);
				break;
			}
			v = nv;
		}
		if (facts_from_key(key, &v[*n], err) == 0)
			++*n;
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(k->ctx);
	if (gpgme_err_code(ge) != GPG_ERR_EOF) {
		keys_facts_free_all(v, *n);
		*n = 0;
		return ge ? gpg_fail(err, ge, "key listing") :
		    pd_fail(err, PD_FAIL, "out of memory");
	}
	if (*n > 1)
		qsort(v, *n, sizeof *v, by_fpr);
	facts_kept_put(k->home, &stamp, v, *n);
	*all = v;
	return 0;
}

const struct keyfacts *
keys_facts_find(const struct keyfacts *all, size_t n, const char *fpr)
{
	struct kf_subkey want;
	struct keyfacts key = { .nsub = 1, .sub = &want };

	snprintf(want.fpr, sizeof want.fpr, "%s", fpr);
	return n ? bsearch(&key, all, n, sizeof *all, by_fpr) : NULL;
}

void
keys_facts_free_all(struct keyfacts *all, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		keyfacts_clear(&all[i]);
	free(all);
}

int
keys_delete(struct keys *k, const char *fpr, struct pd_err *err)
{
	gpgme_key_t key = NULL;
	gpgme_error_t ge;

	if ((ge = ctx_get_key(k->ctx, fpr, &key, 0)) != 0)
		return gpgme_err_code(ge) == GPG_ERR_EOF ? 0 :
		    gpg_fail(err, ge, "key listing");
	ge = gpgme_op_delete_ext(k->ctx, key, GPGME_DELETE_FORCE);
	gpgme_key_unref(key);
	if (ge != 0)
		return gpg_fail(err, ge, "deleting a key");
	return 0;
}
