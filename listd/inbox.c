/* listd/inbox.c: see inbox.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "keys/keys.h"
#include "listd/inbox.h"
#include "listd/list.h"
#include "listd/record.h"
#include "listd/verp.h"

#define BOUNCE_REFUSED_QUIET	3600	/* one audit entry an hour */

/* route_exists_fn: whether the store has list. */
static int
list_exists(void *arg, const char *list, struct pd_err *err)
{
	struct store_txn *t;
	json_t *o = NULL;
	int rc;

	if (store_begin(arg, false, &t, err) == -1)
		return -1;
	rc = store_get(t, STORE_LISTS, list, &o, err);
	store_abort(t);
	json_decref(o);
	return rc == -1 ? -1 : o != NULL;
}

/* The audit log's part in refusing forged tokens: one entry an hour. */
static int
audit_refusal(struct store_txn *t, const char *list, const char *address,
    struct pd_err *err)
{
	char when[32];
	long long left_out;
	time_t since;
	json_t *d = NULL;
	bool due;
	int rc;

	if (audit_limit(t, list, "bounce-refused", BOUNCE_REFUSED_QUIET, &due,
	    &left_out, &since, err) == -1)
		return -1;
	if (!due)
		return 0;
	if (left_out > 0 && (d = json_pack("{s:I, s:s}", "left-out",
	    (json_int_t)left_out, "since", iso_time(since, when))) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = audit_append(t, &(struct audit){ .list = list, .actor = "listd",
	    .action = "bounce refused", .subject = address, .outcome =
	    "refused", .reason = "the token is not one this list made: forged, "
	    "or another list's (one entry an hour: detail.left-out counts "
	    "those not entered since the last)", .detail = d }, err);
	json_decref(d);
	return rc;
}

/*
 * A bounce address's token must be one the list made (verp.h): another's
 * is refused before the message is read, and recorded (the audit log at
 * most once an hour: anyone may send such mail).
 */
static int
check_token(struct store *st, const char *datadir, const char *address,
    const struct route *r, struct pd_err *err)
{
	struct list_paths p;
	struct store_txn *t;
	int ok;

	if (r->kind != RCPT_BOUNCES || r->token[0] == '\0')
		return 0;
	list_paths(datadir, r->list, &p);
	if ((ok = verp_check(&p, r->list, r->token, err)) != 0)
		return ok == 1 ? 0 : -1;
	log_event("bounce-refused", "list=%s to=%s why=token", r->list,
	    address);
	if (store_begin(st, true, &t, err) == -1 || store_end(t,
	    audit_refusal(t, r->list, address, err), err) == -1)
		return -1;
	return pd_fail(err, PD_REFUSED, "%s is no return address of %s's mail "
	    "(its token is forged, or another list's)", address, r->list);
}

int
intake_limit(struct store *st, const char *datadir, const char *address,
    unsigned long held_ceiling, struct route *r, unsigned long *max,
    struct pd_err *err)
{
	struct list *l;

	if (route_resolve(address, list_exists, st, r, err) == -1 ||
	    check_token(st, datadir, address, r, err) == -1 ||
	    list_open(st, datadir, r->list, 0, &l, err) == -1) {
		if (err->status != PD_REFUSED)
			err->status = PD_TEMPFAIL;
		return -1;
	}
	*max = l->pol->max_message_size;
	/* oversize = hold: a larger message is taken in, and held */
	if (l->pol->oversize == POL_ACT_HOLD && held_ceiling > *max)
		*max = held_ceiling;
	list_close(l);
	return 0;
}

int
intake_commit(struct store *st, const char *datadir, const struct route *r,
    const char *sender, const char *via, const char *raw, size_t len,
    char id[INBOX_ID_MAX], struct pd_err *err)
{
	struct inbox_entry in;
	struct store_txn *t = NULL;
	struct list *l = NULL;
	const char *list = r->list;
	json_t *lrec = NULL;
	char *sealed = NULL;
	size_t slen = 0;
	int rc = -1;

	if (make_id("", id, INBOX_ID_MAX) == -1)
		return pd_fail(err, PD_TEMPFAIL, "no randomness: %s",
		    strerror(errno));
	/* Sealed to the list's own key: the datadir does not reveal it. */
	if (list_open(st, datadir, list, LIST_KEYS, &l, err) == -1 ||
	    keys_seal(l->keys, l->fpr, raw, len, false, &sealed, &slen,
	    err) == -1) {
		if (err->status != PD_REFUSED)
			err->status = PD_TEMPFAIL;
		list_close(l);
		return -1;
	}
	list_close(l);
	memset(&in, 0, sizeof in);
	snprintf(in.id, sizeof in.id, "%s", id);
	snprintf(in.list, sizeof in.list, "%s", list);
	snprintf(in.sender, sizeof in.sender, "%s", sender);
	snprintf(in.via, sizeof in.via, "%s", via);
	in.to = r->kind;
	snprintf(in.token, sizeof in.token, "%s", r->token);
	in.received = time(NULL);
	in.size = (long long)len;
	if (store_begin(st, true, &t, err) == -1 ||
	    store_get(t, STORE_LISTS, list, &lrec, err) == -1)
		goto temp;
	if (lrec == NULL) {	/* removed meanwhile */
		pd_fail(err, PD_REFUSED, "no list %s", list);
		goto out;
	}
	if (store_put_bytes(t, STORE_MESSAGES, id, sealed, slen, true,
	    err) == -1 || inbox_put(t, &in, true, err) == -1)
		goto temp;
	rc = store_commit(t, err);
	t = NULL;
	if (rc == 0)
		goto out;
temp:
	err->status = PD_TEMPFAIL;
out:
	store_abort(t);
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
