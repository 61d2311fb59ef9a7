/* keys/keys_export.c: public keys out of a keyring, armored (keys.h). */
#include <stdlib.h>
#include <string.h>

#include "keys/keys_int.h"

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
