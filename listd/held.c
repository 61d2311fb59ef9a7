/* listd/held.c: see held.h. */
#include <stdlib.h>
#include <string.h>

#include "listd/auth.h"
#include "listd/held.h"

int
held_message(struct keys *k, struct store *st, const char *list,
    const char *id, size_t max, char **out, size_t *len, struct pd_err *err)
{
	char *sealed = NULL, *raw = NULL;
	size_t slen = 0, rlen = 0;
	struct store_txn *t;
	struct auth au;
	int rc;

	*out = NULL;
	*len = 0;
	memset(&au, 0, sizeof au);
	if (store_begin(st, false, &t, err) == -1)
		return -1;
	rc = store_get_bytes(t, STORE_MESSAGES, id, &sealed, &slen, err);
	store_abort(t);
	if (rc == 0 && sealed == NULL)
		rc = pd_fail(err, PD_REFUSED, "held message %s: its bytes are "
		    "gone", id);
	if (rc == 0)
		rc = keys_unseal(k, sealed, slen, &raw, &rlen, err);
	free(sealed);
	if (rc == 0 && max > 0 && rlen > max)
		rc = pd_fail(err, PD_REFUSED, "held message %s is %zu bytes, "
		    "over max-message-size: not attached", id, rlen);
	/* Encrypted to the list: what a member would decrypt, if readable. */
	if (rc == 0 && (rc = auth_message(k, list, raw, rlen, true, &au,
	    err)) == 0 && strstr(au.form, "encrypted") != NULL &&
	    au.payload != NULL) {
		*out = au.payload;
		*len = au.payload_len;
		au.payload = NULL;
	} else if (rc == 0) {
		*out = raw;
		*len = rlen;
		raw = NULL;
	}
	auth_clear(&au);
	wipe_free(raw, rlen);
	return rc;
}
