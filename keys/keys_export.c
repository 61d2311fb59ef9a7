/*
 * keys/keys_export.c: keys out of a keyring, armored: a list's and its
 * team's public keys (listctl keys), a list moved from another manager
 * with its secret key (listd/schleuder.c); see keys.h.
 */
#include <stdlib.h>
#include <string.h>

#include "keys/keys_int.h"

int
keys_export(struct keys *k, const char *fpr, bool secret,
    struct keys_blob *out, struct pd_err *err)
{
	gpgme_data_t d = NULL;
	gpgme_error_t ge;
	char *buf;
	size_t len = 0;

	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s key %.40s", secret ?
	    "secret" : "public", fpr);
	if ((ge = gpgme_data_new(&d)) != 0)
		return gpg_fail(err, ge, "export");
	gpgme_set_armor(k->ctx, 1);
	no_prompts(k, 1);
	ge = gpgme_op_export(k->ctx, fpr, secret ? GPGME_EXPORT_MODE_SECRET :
	    0, d);
	no_prompts(k, 0);
	gpgme_set_armor(k->ctx, 0);
	if (ge != 0) {
		gpgme_data_release(d);
		return gpg_fail(err, ge, secret ? "secret key export" :
		    "key export");
	}
	buf = gpgme_data_release_and_get_mem(d, &len);
	if (buf == NULL || len == 0) {
		gpgme_free(buf);
		return pd_fail(err, PD_REFUSED, "key %s is not in the keyring%s",
		    fpr, secret ? " with its secret key" : "");
	}
	if ((out->data = malloc(len + 1)) != NULL) {
		memcpy(out->data, buf, len);
		out->data[len] = '\0';
		out->len = len;
	}
	if (secret)
		explicit_bzero(buf, len);
	gpgme_free(buf);
	return out->data != NULL ? 0 : pd_fail(err, PD_FAIL, "out of memory");
}

int
keys_export_public(struct keys *k, const char *const *fprs, size_t n,
    char **out, size_t *len, struct pd_err *err)
{
	const char **pat;
	gpgme_data_t d;
	gpgme_error_t ge;
	char *p;
	size_t i;

	*out = NULL;
	*len = 0;
	if ((pat = calloc(n + 1, sizeof *pat)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	for (i = 0; i < n; i++)
		pat[i] = fprs[i];
	if ((ge = gpgme_data_new(&d)) != 0) {
		free(pat);
		return gpg_fail(err, ge, "export");
	}
	gpgme_set_armor(k->ctx, 1);
	ge = gpgme_op_export_ext(k->ctx, pat, GPGME_EXPORT_MODE_MINIMAL, d);
	free(pat);
	if (ge != 0) {
		gpgme_data_release(d);
		return gpg_fail(err, ge, "export");
	}
	if ((p = gpgme_data_release_and_get_mem(d, len)) == NULL || *len == 0) {
		gpgme_free(p);
		return pd_fail(err, PD_REFUSED, "no such key in the keyring");
	}
	if ((*out = malloc(*len + 1)) != NULL) {
		memcpy(*out, p, *len);
		(*out)[*len] = '\0';
	}
	gpgme_free(p);
	return *out != NULL ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}
