/*
 * keys/ctx_pool.c: gpgme contexts kept for reuse, per GnuPG home.
 *
 * gpgme runs `gpg --version` for every gpgme_ctx_set_engine_info(), that
 * is for every new context on a list's home: a process of its own each
 * time a list is opened.  A context that keys_close() gives back is kept
 * here, reset to what keys_new_ctx() makes, and the next keys_open() on
 * the same home takes it: one engine check per home and process while the
 * pool holds it.  Thread-safe; at most POOL_MAX idle contexts.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keys_int.h"

#define POOL_MAX	16

static struct pooled {
	char		*home;
	gpgme_ctx_t	 ctx;
} pool[POOL_MAX];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

gpgme_error_t
ctx_pool_take(const char *home, gpgme_ctx_t *out)
{
	gpgme_ctx_t c = NULL;
	gpgme_error_t ge;
	size_t i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL_MAX && c == NULL; i++)
		if (pool[i].ctx != NULL && strcmp(pool[i].home, home) == 0) {
			c = pool[i].ctx;
			free(pool[i].home);
			pool[i] = (struct pooled){ NULL, NULL };
		}
	pthread_mutex_unlock(&pool_lock);
	if (c == NULL) {	/* a new one: gpgme runs gpg --version */
		if ((ge = gpgme_new(&c)) != 0)
			return ge;
		if ((ge = gpgme_ctx_set_engine_info(c, GPGME_PROTOCOL_OpenPGP,
		    NULL, home)) != 0) {
			gpgme_release(c);
			return ge;
		}
		gpgme_set_armor(c, 1);
		gpgme_set_offline(c, 1);
	}
	*out = c;
	return 0;
}

/* What keys.c and keys_crypt.c may have changed, as a new context has it. */
static void
ctx_reset(gpgme_ctx_t c)
{
	gpgme_set_armor(c, 1);
	gpgme_set_offline(c, 1);
	gpgme_set_textmode(c, 0);
	gpgme_set_keylist_mode(c, GPGME_KEYLIST_MODE_LOCAL);
	gpgme_set_pinentry_mode(c, GPGME_PINENTRY_MODE_DEFAULT);
	gpgme_set_passphrase_cb(c, NULL, NULL);
	gpgme_set_status_cb(c, NULL, NULL);
	gpgme_set_ctx_flag(c, "full-status", "0");
	gpgme_signers_clear(c);
}

void
ctx_pool_put(const char *home, gpgme_ctx_t c)
{
	char *h;
	size_t i;

	if (c == NULL)
		return;
	ctx_reset(c);
	if ((h = strdup(home)) == NULL) {
		gpgme_release(c);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL_MAX && pool[i].ctx != NULL; i++)
		;
	if (i < POOL_MAX)
		pool[i] = (struct pooled){ h, c };
	pthread_mutex_unlock(&pool_lock);
	if (i == POOL_MAX) {	/* full: this one goes */
		free(h);
		gpgme_release(c);
	}
}

/*
 * gpgme_get_key() makes a context of its own for each call, so each runs
 * gpg --version besides the listing: one listing on c instead.
 */
gpgme_error_t
ctx_get_key(gpgme_ctx_t c, const char *fpr, gpgme_key_t *key, int secret)
{
	gpgme_error_t ge;

	*key = NULL;
	if ((ge = gpgme_op_keylist_start(c, fpr, secret)) == 0)
		ge = gpgme_op_keylist_next(c, key);
	gpgme_op_keylist_end(c);
	return ge;
}

/*
 * Lookups whose answer does not change, kept per home: a list's own
 * secret key by its fingerprint (for each signature), and the primary key
 * of a subkey (for each verified signature).  Each saved lookup is a gpg
 * process.  A key gone since makes gpg's own operation fail as before.
 */
#define KEPT_MAX	64

static struct kept {
	char		*home;
	char		 fpr[41];	/* what was looked up */
	gpgme_key_t	 key;
} kept[KEPT_MAX];
static size_t kept_next;

/* The kept key for (home, fpr), a new reference; NULL when none. */
static gpgme_key_t
kept_find(const char *home, const char *fpr)
{
	gpgme_key_t key = NULL;
	size_t i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < KEPT_MAX && key == NULL; i++)
		if (kept[i].key != NULL && strcmp(kept[i].fpr, fpr) == 0 &&
		    strcmp(kept[i].home, home) == 0) {
			key = kept[i].key;
			gpgme_key_ref(key);
		}
	pthread_mutex_unlock(&pool_lock);
	return key;
}

static void
kept_add(const char *home, const char *fpr, gpgme_key_t key)
{
	struct kept *e;
	char *h;

	if (strlen(fpr) > 40 || (h = strdup(home)) == NULL)
		return;
	gpgme_key_ref(key);
	pthread_mutex_lock(&pool_lock);
	e = &kept[kept_next++ % KEPT_MAX];
	if (e->key != NULL)
		gpgme_key_unref(e->key);
	free(e->home);
	e->home = h;
	snprintf(e->fpr, sizeof e->fpr, "%s", fpr);
	e->key = key;
	pthread_mutex_unlock(&pool_lock);
}

gpgme_error_t
ctx_kept_key(const char *home, gpgme_ctx_t c, const char *fpr,
    gpgme_key_t *key, int secret)
{
	gpgme_error_t ge;

	if ((*key = kept_find(home, fpr)) != NULL &&
	    (!secret || (*key)->secret))
		return 0;
	gpgme_key_unref(*key);
	if ((ge = ctx_get_key(c, fpr, key, secret)) == 0)
		kept_add(home, fpr, *key);
	return ge;
}
