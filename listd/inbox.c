/* listd/inbox.c: see inbox.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "listd/inbox.h"
#include "policy/policy.h"

/* The record of list (the caller decrefs); an unknown list is PD_REFUSED. */
static int
list_record(struct store *st, const char *list, json_t **rec,
    struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	*rec = NULL;
	if (store_begin(st, false, &t, err) == -1)
		return -1;
	rc = store_get(t, STORE_LISTS, list, rec, err);
	store_abort(t);
	if (rc == -1)
		return pd_fail(err, PD_TEMPFAIL, "%s", err->text);
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "no list %s", list);
	return 0;
}

int
intake_limit(struct store *st, const char *datadir, const char *list,
    unsigned long *max, struct pd_err *err)
{
	struct policy *pol;
	char path[1100], perr[512];
	json_t *rec = NULL;

	if (list_record(st, list, &rec, err) == -1)
		return -1;
	json_decref(rec);
	snprintf(path, sizeof path, "%s/lists/%s/policy.conf", datadir, list);
	if (pol_load(path, &pol, perr, sizeof perr) == -1)
		return pd_fail(err, PD_TEMPFAIL, "list %s: policy: %s", list,
		    perr);
	*max = pol->max_message_size;
	pol_free(pol);
	return 0;
}

/*
 * raw sealed to the list's own key (keys_seal): a copy of the datadir
 * does not reveal what was sent, whatever its form.  An unknown list is
 * PD_REFUSED.
 */
static int
seal(struct store *st, const char *datadir, const char *list, const char *raw,
    size_t len, char **sealed, size_t *slen, struct pd_err *err)
{
	struct keys *k = NULL;
	char home[1100];
	json_t *lrec = NULL;
	int rc;

	if (list_record(st, list, &lrec, err) == -1)
		return -1;
	snprintf(home, sizeof home, "%s/lists/%s/gnupg", datadir, list);
	rc = keys_open(home, 0, &k, err) == -1 ? -1 : keys_seal(k,
	    json_string_value(json_object_get(lrec, "fingerprint")), raw, len,
	    false, sealed, slen, err);
	keys_close(k);
	json_decref(lrec);
	return rc;
}

int
intake_commit(struct store *st, const char *datadir, const char *list,
    const char *sender, const char *via, const char *raw, size_t len,
    char id[INBOX_ID_MAX], struct pd_err *err)
{
	struct store_txn *t = NULL;
	json_t *rec = NULL, *lrec = NULL;
	char *sealed = NULL;
	size_t slen = 0;
	int rc = -1;

	if (make_id("", id, INBOX_ID_MAX) == -1)
		return pd_fail(err, PD_TEMPFAIL, "no randomness: %s",
		    strerror(errno));
	if (seal(st, datadir, list, raw, len, &sealed, &slen, err) == -1) {
		if (err->status != PD_REFUSED)
			err->status = PD_TEMPFAIL;
		return -1;
	}
	rec = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id", id, "list", list,
	    "sender", sender, "via", via, "received", (json_int_t)time(NULL),
	    "size", (json_int_t)len);
	if (rec == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	if (store_begin(st, true, &t, err) == -1 ||
	    store_get(t, STORE_LISTS, list, &lrec, err) == -1)
		goto temp;
	if (lrec == NULL) {	/* removed meanwhile */
		pd_fail(err, PD_REFUSED, "no list %s", list);
		goto out;
	}
	if (store_put_bytes(t, STORE_MESSAGES, id, sealed, slen, true,
	    err) == -1 || store_put(t, STORE_INBOX, id, rec, true, err) == -1)
		goto temp;
	rc = store_commit(t, err);
	t = NULL;
	if (rc == 0)
		goto out;
temp:
	err->status = PD_TEMPFAIL;
out:
	store_abort(t);
	json_decref(rec);
	json_decref(lrec);
	free(sealed);
	return rc;
}

int
intake_read_fd(int fd, unsigned long max, char **bufp, size_t *lenp,
    int *too_big, struct pd_err *err)
{
	char *buf = NULL, *nb, sink[65536];
	size_t len = 0, cap = 0;
	ssize_t n;

	*bufp = NULL;
	*lenp = 0;
	*too_big = 0;
	for (;;) {
		if (!*too_big && len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return pd_fail(err, PD_TEMPFAIL, "out of memory");
			}
			buf = nb;
		}
		n = *too_big ? read(fd, sink, sizeof sink) :
		    read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return pd_fail(err, PD_TEMPFAIL, "read: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		if (!*too_big && (len += (size_t)n) > max) {
			*too_big = 1;	/* drain the rest, keep nothing */
			free(buf);
			buf = NULL;
		}
	}
	if (*too_big)
		return pd_fail(err, PD_REFUSED, "the message is larger than the "
		    "list's limit of %lu bytes", max);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}
