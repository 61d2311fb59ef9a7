/*
 * keys/keys_export.c: keys out of a keyring, armored: a list's and its
 * team's public keys (listctl keys), a list moved from another manager
 * with its secret key (listd/schleuder.c); see keys.h.
 */
#include <stdlib.h>
#include <string.h>

#include "keys/keys_int.h"

/*
 * The keys pat names (NULL-ended), armored, in *out (malloc'd,
 * NUL-terminated) and *len.  None found is PD_REFUSED (missing: why).
 * A secret export's buffer from gpgme is wiped before it is freed.
 */
static int
export_armored(struct keys *k, const char **pat, gpgme_export_mode_t mode,
    const char *missing, char **out, size_t *len, struct pd_err *err)
{
	bool secret = (mode & GPGME_EXPORT_MODE_SECRET) != 0;
	gpgme_data_t d;
	gpgme_error_t ge;
	char *buf;

	*out = NULL;
	*len = 0;
	if ((ge = gpgme_data_new(&d)) != 0)
		return gpg_fail(err, ge, "export");
	gpgme_set_armor(k->ctx, 1);
	no_prompts(k, 1);
	ge = gpgme_op_export_ext(k->ctx, pat, mode, d);
	no_prompts(k, 0);
	gpgme_set_armor(k->ctx, 0);
	if (ge != 0) {
		gpgme_data_release(d);
		return gpg_fail(err, ge, secret ? "secret key export" :
		    "key export");
	}
	if ((buf = gpgme_data_release_and_get_mem(d, len)) == NULL ||
	    *len == 0) {
		gpgme_free(buf);
		*len = 0;
		return pd_fail(err, PD_REFUSED, "%s", missing);
	}
	if ((*out = malloc(*len + 1)) != NULL) {
		memcpy(*out, buf, *len);
		(*out)[*len] = '\0';
	}
	if (secret)
		explicit_bzero(buf, *len);
	gpgme_free(buf);
	return *out != NULL ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}

int
keys_export(struct keys *k, const char *fpr, bool secret,
    struct keys_blob *out, struct pd_err *err)
{
	const char *pat[] = { fpr, NULL };
	char missing[128];

	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s key %.40s", secret ?
	    "secret" : "public", fpr);
	snprintf(missing, sizeof missing, "key %.40s is not in the keyring%s",
	    fpr, secret ? " with its secret key" : "");
	return export_armored(k, pat, secret ? GPGME_EXPORT_MODE_SECRET : 0,
	    missing, &out->data, &out->len, err);
}

int
keys_export_public(struct keys *k, const char *const *fprs, size_t n,
    char **out, size_t *len, struct pd_err *err)
{
	const char **pat;
	size_t i;
	int rc;

	if ((pat = calloc(n + 1, sizeof *pat)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	for (i = 0; i < n; i++)
		pat[i] = fprs[i];
	rc = export_armored(k, pat, GPGME_EXPORT_MODE_MINIMAL,
	    "no such key in the keyring", out, len, err);
	free(pat);
	return rc;
}
