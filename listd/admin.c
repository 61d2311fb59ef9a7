/*
 * listd/admin.c: see admin.h.  What the lists, members and held parts
 * (admin_list.c, admin_member.c, admin_held.c) share: the handle, the
 * audit entries of the actor, reading records, the list's lock; and the
 * smaller operations (audit, inject, queue, advisories).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/owner.h"
#include "keys/keys.h"
#include "listd/admin_int.h"
#include "listd/advisory.h"
#include "listd/advrecord.h"
#include "listd/handover.h"
#include "listd/inbox.h"
#include "listd/list.h"
#include "listd/record.h"

int
admin_open(const struct conf *conf, const char *actor, struct admin **out,
    struct pd_err *err)
{
	struct admin *a;

	*out = NULL;	/* gpgme starts with the first key opened (keys_open) */
	if ((a = calloc(1, sizeof *a)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	a->conf = conf;
	owner_invoker(a->unix_user, sizeof a->unix_user);
	snprintf(a->actor, sizeof a->actor, "%s", actor ? actor : a->unix_user);
	if (store_open(conf->datadir, conf->store_map_mib, &a->store, err) == -1) {
		free(a);
		return -1;
	}
	*out = a;
	return 0;
}

int
admin_attach(const struct conf *conf, struct store *st, const char *actor,
    struct admin **out, struct pd_err *err)
{
	if ((*out = calloc(1, sizeof **out)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	(*out)->conf = conf;
	(*out)->store = st;
	(*out)->borrowed = true;
	snprintf((*out)->unix_user, sizeof (*out)->unix_user, "listd");
	snprintf((*out)->actor, sizeof (*out)->actor, "%s", actor);
	return 0;
}

void
admin_close(struct admin *a)
{
	if (a == NULL)
		return;
	if (!a->borrowed)
		store_close(a->store);
	free(a);
}

/* The records of an existing list in db. */
int
list_records(struct admin *a, enum store_db db, const char *list_in,
    json_t **out, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	json_t *lrec = NULL;

	*out = NULL;
	if (addr_normalize(list_in, list, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1)
		return -1;
	json_decref(lrec);
	return store_values(a->store, db, list, out, err);
}

/* One record of an existing list in db, by id; what names it in errors. */
int
record_by_id(struct admin *a, enum store_db db, const char *list_in,
    const char *id, const char *what, const char *ls, json_t **rec,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1], key[STORE_KEY_MAX];
	json_t *lrec = NULL;

	*rec = NULL;
	if (addr_normalize(list_in, list, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1)
		return -1;
	json_decref(lrec);
	store_member_key(list, id, key);
	if (get_record(a, db, key, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "no %s %s on %s: see listctl %s "
		    "ls %s", what, id, list, ls, list);
	return 0;
}

int
admin_queue(struct admin *a, const char *list_in, json_t **jobs,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct store_txn *t;
	struct job_set all;
	json_t *out;
	size_t i;
	int rc;

	*jobs = NULL;
	if (existing_list(a, list_in, list, err) == -1)
		return -1;
	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = job_collect(t, list, NULL, &all, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	if ((out = json_array()) == NULL)
		rc = pd_fail(err, PD_FAIL, "out of memory");
	for (i = 0; rc == 0 && i < all.n; i++)
		if (all.v[i].state != JOB_SENT && json_array_append_new(out,
		    job_json(&all.v[i])) == -1)
			rc = pd_fail(err, PD_FAIL, "out of memory");
	job_set_free(&all);
	if (rc == 0)
		*jobs = out;
	else
		json_decref(out);
	return rc;
}

json_t *
str_array(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

/* ---- audit ---------------------------------------------------------- */

void
audit_refusal(struct admin *a, const char *list, const char *action,
    const char *subject, const struct pd_err *why, const json_t *detail)
{
	struct store_txn *t;
	struct pd_err e2;

	if (store_begin(a->store, true, &t, &e2) == -1)
		return;
	if (audit_append(t, &(struct audit){ .list = list, .actor = a->actor,
	    .unix_user = a->unix_user, .action = action, .subject = subject,
	    .outcome = "refused", .reason = why->text, .detail = detail },
	    &e2) == 0)
		store_commit(t, &e2);
	else
		store_abort(t);
}

int
audit_done(struct admin *a, struct store_txn *t, const char *list,
    const char *action, const char *subject, const json_t *detail,
    struct pd_err *err)
{
	return audit_append(t, &(struct audit){ .list = list, .actor = a->actor,
	    .unix_user = a->unix_user, .action = action, .subject = subject,
	    .outcome = "done", .detail = detail }, err);
}

/* ---- small helpers -------------------------------------------------- */

/* Reads one record in its own read transaction; *out NULL when absent. */
int
get_record(struct admin *a, enum store_db db, const char *key, json_t **out,
    struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = store_get(t, db, key, out, err);
	store_abort(t);
	return rc;
}

int
need_list(struct admin *a, const char *list, json_t **rec, struct pd_err *err)
{
	if (get_record(a, STORE_LISTS, list, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "no list %s: create it with "
		    "listctl list create", list);
	return 0;
}

/* Takes the list's lock (held until *fd is closed): one change at a time. */
int
lock_list(struct admin *a, const char *list, int *fd, struct pd_err *err)
{
	struct list_paths p;

	list_paths(a->conf->datadir, list, &p);
	if ((*fd = open(p.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return pd_fail(err, PD_FAIL, "cannot open %s: %s", p.lock,
		    strerror(errno));
	while (flock(*fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			close(*fd);
			*fd = -1;
			return pd_fail(err, PD_FAIL, "cannot lock %s: %s", p.lock,
			    strerror(errno));
		}
	return 0;
}

const char *
json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

int
existing_list(struct admin *a, const char *list_in, char list[ADDR_MAX + 1],
    struct pd_err *err)
{
	json_t *lrec = NULL;

	if (addr_normalize(list_in, list, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1)
		return -1;
	json_decref(lrec);
	return 0;
}

int
admin_audit(struct admin *a, const char *list_in, const char *advisory,
    json_t **entries, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct store_txn *t;
	json_t *out;
	int rc;

	*entries = NULL;
	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	if ((out = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (store_begin(a->store, false, &t, err) == -1) {
		json_decref(out);
		return -1;
	}
	rc = audit_collect(t, list, advisory, out, err);
	store_abort(t);
	if (rc == -1)
		json_decref(out);
	else
		*entries = out;
	return rc;
}

int
admin_inject(struct admin *a, const char *list_in, const char *sender, int fd,
    char id[INBOX_ID_MAX], int *too_big, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct route r;
	unsigned long max;
	char *buf = NULL;
	size_t len;
	int rc;

	*too_big = 0;
	if (addr_normalize(list_in, list, err) == -1 ||
	    intake_limit(a->store, a->conf->datadir, list,
	    a->conf->max_held_size, &r, &max, err) == -1 ||
	    intake_read_fd(fd, max, &buf, &len, too_big, err) == -1)
		return -1;
	/* The running listd takes it over LMTP (handover.h), or we do. */
	if ((rc = handover_inject(a->conf->datadir, a->conf->lmtp_listen,
	    sender ? sender : "", list, buf, len, id, too_big, err)) == 0)
		rc = intake_commit(a->store, a->conf->datadir, &r, sender ?
		    sender : "", "inject", buf, len, id, err);
	wipe_free(buf, len);	/* mail in the clear */
	return rc == -1 ? -1 : 0;
}

int
admin_advisory_ls(struct admin *a, const char *list, json_t **out,
    struct pd_err *err)
{
	return list_records(a, STORE_ADVISORIES, list, out, err);
}

/* The reasons of an advisory's Extensions and Restarts, for its admin. */
static int
open_reasons(struct admin *a, const char *list_in, json_t *rec,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct list *l;
	json_t *r;
	size_t i;

	if (addr_normalize(list_in, list, err) == -1 || list_open(a->store,
	    a->conf->datadir, list, LIST_KEYS, &l, err) == -1)
		return -1;
	json_array_foreach(json_object_get(rec, "revisions"), i, r) {
		advrec_unseal(l, r, "extension");
		advrec_unseal(l, r, "restart");
	}
	json_array_foreach(json_object_get(rec, "extensions"), i, r)
		advrec_unseal(l, r, "reason");
	json_array_foreach(json_object_get(rec, "restarts"), i, r)
		advrec_unseal(l, r, "reason");
	list_close(l);
	return 0;
}

int
admin_advisory_show(struct admin *a, const char *list, const char *id,
    json_t **out, struct pd_err *err)
{
	if (record_by_id(a, STORE_ADVISORIES, list, id, "advisory",
	    "advisory", out, err) == -1)
		return -1;
	if (open_reasons(a, list, *out, err) == 0)
		return 0;
	json_decref(*out);
	*out = NULL;
	return -1;
}

int
admin_advisory_release(struct admin *a, const char *list_in, const char *id,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1];

	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	if (adv_release_now(a->store, a->conf->datadir, list, id, a->actor,
	    "early release", err) == -1) {
		if (err->status == PD_REFUSED)
			audit_refusal(a, list, "advisory release", id, err, NULL);
		return -1;
	}
	return 0;
}

