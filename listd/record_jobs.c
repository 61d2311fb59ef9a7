/*
 * listd/record_jobs.c: see record.h.  Jobs, the ledger, the inbox, members,
 * seen records and the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listd/record_int.h"

/* ---- jobs ------------------------------------------------------------- */

static void
job_key(const struct job *j, char key[STORE_KEY_MAX])
{
	snprintf(key, STORE_KEY_MAX, "%s\x1f%s\x1f%s", j->list, j->post,
	    j->member);
}

void
job_init(struct job *j, const char *list, const char *post,
    const char *address, bool public, const struct keywords *kw)
{
	memset(j, 0, sizeof *j);
	snprintf(j->list, sizeof j->list, "%s", list);
	snprintf(j->post, sizeof j->post, "%s", post);
	snprintf(j->member, sizeof j->member, "%s", address);
	j->state = JOB_NEW;
	j->public = public;
	j->next_attempt = time(NULL);
	if (kw != NULL && kw->present) {	/* for the ledger */
		snprintf(j->advisory, sizeof j->advisory, "%s", kw->advisory);
		j->revision = kw->revision;
	}
}

json_t *
job_json(const struct job *j)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "list", j->list, "post",
	    j->post, "member", j->member, "state", job_state_name(j->state),
	    "attempts", j->attempts, "next-attempt", (json_int_t)j->next_attempt);
	if (o == NULL)
		return NULL;
	if ((j->public && json_object_set_new(o, "public", json_true())) ||
	    put_str(o, "keyid", j->keyid) || put_str(o, "last-reply",
	    j->last_reply) || put_time(o, "last-attempt", j->last_attempt) ||
	    put_str(o, "advisory", j->advisory) || (j->advisory[0] &&
	    json_object_set_new(o, "revision", json_integer(j->revision)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
job_read(const json_t *o, struct job *j)
{
	memset(j, 0, sizeof *j);
	snprintf(j->list, sizeof j->list, "%s", jstr(o, "list"));
	snprintf(j->post, sizeof j->post, "%s", jstr(o, "post"));
	snprintf(j->member, sizeof j->member, "%s", jstr(o, "member"));
	if (job_state_parse(jstr(o, "state"), &j->state) == -1)
		j->state = JOB_FAILED;	/* unknown: never sent */
	j->public = json_is_true(json_object_get(o, "public"));
	snprintf(j->keyid, sizeof j->keyid, "%s", jstr(o, "keyid"));
	j->attempts = (int)jint(o, "attempts", 0);
	j->next_attempt = (time_t)jint(o, "next-attempt", 0);
	j->last_attempt = jtime(o, "last-attempt");
	snprintf(j->last_reply, sizeof j->last_reply, "%s",
	    jstr(o, "last-reply"));
	snprintf(j->advisory, sizeof j->advisory, "%s", jstr(o, "advisory"));
	j->revision = (long)jint(o, "revision", 0);
}

int
job_put(struct store_txn *t, const struct job *j, bool exclusive,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = job_json(j);
	int rc;

	if (o == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	job_key(j, key);
	rc = store_put(t, STORE_JOBS, key, o, exclusive, err);
	json_decref(o);
	return rc;
}

int
job_del(struct store_txn *t, const struct job *j, struct pd_err *err)
{
	char key[STORE_KEY_MAX];

	job_key(j, key);
	return store_del(t, STORE_JOBS, key, err);
}

int
job_set_add(struct job_set *s, const struct job *j)
{
	if (SET_ROOM(s) == -1)
		return -1;
	s->v[s->n++] = *j;
	return 0;
}

static int
collect_job(const char *key, json_t *o, void *arg)
{
	struct job j;

	(void)key;
	job_read(o, &j);
	return job_set_add(arg, &j) == 0 ? 0 : SCAN_NOMEM;
}

int
job_collect(struct store_txn *t, const char *list, const char *post,
    struct job_set *out, struct pd_err *err)
{
	char prefix[STORE_KEY_MAX];

	memset(out, 0, sizeof *out);
	if (list == NULL)
		prefix[0] = '\0';
	else if (post == NULL)
		snprintf(prefix, sizeof prefix, "%s\x1f", list);
	else
		snprintf(prefix, sizeof prefix, "%s\x1f%s\x1f", list, post);
	if (rec_scan(t, STORE_JOBS, prefix, collect_job, out, err) == 0)
		return 0;
	job_set_free(out);
	return -1;
}

void
job_set_free(struct job_set *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- the ledger ------------------------------------------------------- */

int
ledger_put(struct store_txn *t, const struct job *j, const char *reply,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX], when[32];
	json_t *o, *old = NULL, *earlier;
	struct timespec now;
	bool again;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	job_key(j, key);
	if (store_get(t, STORE_LEDGER, key, &old, err) == -1)
		return -1;
	/* sent again after a bounce: the record before is kept inside */
	again = old != NULL && json_object_get(old, "bounce") != NULL;
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "list", j->list,
	    "post", j->post, "member", j->member, "time", iso_time(now.tv_sec,
	    when), "time_us", (json_int_t)now.tv_sec * 1000000 +
	    now.tv_nsec / 1000, "reply", reply);
	if (o != NULL && j->advisory[0] != '\0') {
		json_object_set_new(o, "advisory", json_string(j->advisory));
		json_object_set_new(o, "revision", json_integer(j->revision));
	}
	if (o != NULL && j->public)
		json_object_set_new(o, "public", json_true());
	if (o != NULL && again) {
		earlier = json_object_get(old, "earlier");
		earlier = earlier ? json_incref(earlier) : json_array();
		json_object_del(old, "earlier");
		json_array_append(earlier, old);
		json_object_set_new(o, "earlier", earlier);
	}
	json_decref(old);
	if (o == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = store_put(t, STORE_LEDGER, key, o, !again, err);
	json_decref(o);
	return rc;
}

int
ledger_has(struct store_txn *t, const struct job *j, bool *has,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL;

	job_key(j, key);
	if (store_get(t, STORE_LEDGER, key, &o, err) == -1)
		return -1;
	*has = o != NULL && json_object_get(o, "bounce") == NULL;
	json_decref(o);
	return 0;
}

struct ledger_filter {
	struct ledger_set *s;
	const char	  *member;	/* or NULL */
};

static int
collect_ledger(const char *key, json_t *o, void *arg)
{
	struct ledger_filter *f = arg;
	struct ledger_set *s = f->s;
	struct ledger_entry *e;

	(void)key;
	if (f->member != NULL && strcmp(jstr(o, "member"), f->member) != 0)
		return 0;
	if (SET_ROOM(s) == -1)
		return SCAN_NOMEM;
	e = &s->v[s->n++];
	memset(e, 0, sizeof *e);
	snprintf(e->list, sizeof e->list, "%s", jstr(o, "list"));
	snprintf(e->post, sizeof e->post, "%s", jstr(o, "post"));
	snprintf(e->member, sizeof e->member, "%s", jstr(o, "member"));
	e->time = jtime(o, "time");
	/* records before 0.1.0's time_us: the second is all there is */
	e->time_us = jint(o, "time_us", (long long)e->time * 1000000);
	snprintf(e->advisory, sizeof e->advisory, "%s", jstr(o, "advisory"));
	e->revision = (long)jint(o, "revision", 0);
	e->public = json_is_true(json_object_get(o, "public"));
	e->bounced = json_object_get(o, "bounce") != NULL;
	return 0;
}

int
ledger_collect(struct store_txn *t, const char *list, const char *member,
    struct ledger_set *out, struct pd_err *err)
{
	struct ledger_filter f = { out, member };
	char prefix[STORE_KEY_MAX];

	memset(out, 0, sizeof *out);
	snprintf(prefix, sizeof prefix, "%s\x1f", list);
	if (rec_scan(t, STORE_LEDGER, prefix, collect_ledger, &f, err) == 0)
		return 0;
	ledger_set_free(out);
	return -1;
}

void
ledger_set_free(struct ledger_set *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

int
ledger_report(struct store_txn *t, const struct ledger_entry *e, bool bounced,
    const json_t *report, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL, *reports;
	int rc;

	snprintf(key, sizeof key, "%s\x1f%s\x1f%s", e->list, e->post,
	    e->member);
	if (store_get(t, STORE_LEDGER, key, &o, err) == -1)
		return -1;
	if (o == NULL)
		return pd_fail(err, PD_REFUSED, "no copy of %s to %s in the "
		    "ledger", e->post, e->member);
	if (bounced)
		rc = json_object_set(o, "bounce", (json_t *)report);
	else if ((reports = json_object_get(o, "reports")) != NULL)
		rc = json_array_append(reports, (json_t *)report);
	else
		rc = json_object_set_new(o, "reports", json_pack("[O]",
		    report));
	rc = rc == -1 ? pd_fail(err, PD_TEMPFAIL, "out of memory") :
	    store_put(t, STORE_LEDGER, key, o, false, err);
	json_decref(o);
	return rc;
}

struct ledger_want {
	const char		 *member;
	const char *const	 *advisory;
	long			 *revision;
	size_t			  n;
};

static int
ledger_copy(const char *key, json_t *o, void *arg)
{
	struct ledger_want *w = arg;
	long rev = (long)jint(o, "revision", 0);
	size_t i;

	(void)key;
	if (strcmp(jstr(o, "member"), w->member) != 0)
		return 0;
	for (i = 0; i < w->n; i++)
		if (strcmp(jstr(o, "advisory"), w->advisory[i]) == 0 &&
		    rev > w->revision[i])
			w->revision[i] = rev;
	return 0;
}

int
ledger_revisions(struct store_txn *t, const char *list, const char *member,
    const char *const *advisory, long *revision, size_t n,
    struct pd_err *err)
{
	struct ledger_want w = { member, advisory, revision, n };
	char prefix[STORE_KEY_MAX];

	memset(revision, 0, n * sizeof *revision);
	snprintf(prefix, sizeof prefix, "%s\x1f", list);
	return rec_scan(t, STORE_LEDGER, prefix, ledger_copy, &w, err);
}

/* ---- the inbox --------------------------------------------------------- */

int
inbox_put(struct store_txn *t, const struct inbox_entry *in, bool exclusive,
    struct pd_err *err)
{
	json_t *o;
	int rc;

	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:I, s:s}", "id",
	    in->id, "list", in->list, "sender", in->sender, "via", in->via,
	    "received", (json_int_t)in->received, "size", (json_int_t)in->size,
	    "attempts", in->attempts, "next-attempt",
	    (json_int_t)in->next_attempt, "last-error", in->last_error);
	/* a post's record is as it always was: "to" only for the others */
	if (o != NULL && in->to != RCPT_POST && (json_object_set_new(o, "to",
	    json_string(rcpt_kind_name(in->to))) == -1 ||
	    put_str(o, "token", in->token) == -1)) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = store_put(t, STORE_INBOX, in->id, o, exclusive, err);
	json_decref(o);
	return rc;
}

static int
collect_inbox(const char *key, json_t *o, void *arg)
{
	struct inbox_set *s = arg;
	struct inbox_entry *e;

	(void)key;
	if (SET_ROOM(s) == -1)
		return SCAN_NOMEM;
	e = &s->v[s->n++];
	memset(e, 0, sizeof *e);
	snprintf(e->id, sizeof e->id, "%s", jstr(o, "id"));
	snprintf(e->list, sizeof e->list, "%s", jstr(o, "list"));
	snprintf(e->sender, sizeof e->sender, "%s", jstr(o, "sender"));
	snprintf(e->via, sizeof e->via, "%s", jstr(o, "via"));
	/* absent: a post; unknown (a newer listd's): kept for the admins */
	if (json_object_get(o, "to") != NULL &&
	    rcpt_kind_parse(jstr(o, "to"), &e->to) == -1)
		e->to = RCPT_BOUNCES;
	snprintf(e->token, sizeof e->token, "%s", jstr(o, "token"));
	e->received = jint(o, "received", 0);
	e->size = jint(o, "size", 0);
	e->attempts = (int)jint(o, "attempts", 0);
	e->next_attempt = jint(o, "next-attempt", 0);
	snprintf(e->last_error, sizeof e->last_error, "%s",
	    jstr(o, "last-error"));
	return 0;
}

int
inbox_collect(struct store_txn *t, struct inbox_set *out, struct pd_err *err)
{
	memset(out, 0, sizeof *out);
	if (rec_scan(t, STORE_INBOX, "", collect_inbox, out, err) == 0)
		return 0;
	inbox_set_free(out);
	return -1;
}

void
inbox_set_free(struct inbox_set *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- members ---------------------------------------------------------- */

static void
member_read(const json_t *o, struct member *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->list, sizeof m->list, "%s", jstr(o, "list"));
	snprintf(m->address, sizeof m->address, "%s", jstr(o, "address"));
	snprintf(m->fingerprint, sizeof m->fingerprint, "%s",
	    jstr(o, "fingerprint"));
	/* A record without a known role is nobody's: never a reporter. */
	if (pol_role_parse(jstr(o, "role"), &m->role) == -1)
		m->role = POL_ROLE_MEMBER;
	m->active = strcmp(jstr(o, "state"), "active") == 0;
	m->state_changed = jtime(o, "state-changed-at");
}

int
member_get(struct store_txn *t, const char *list, const char *address,
    struct member *m, bool *found, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL;

	*found = false;
	memset(m, 0, sizeof *m);
	store_member_key(list, address, key);
	if (store_get(t, STORE_MEMBERS, key, &o, err) == -1)
		return -1;
	if (o != NULL) {
		*found = true;
		member_read(o, m);
		json_decref(o);
	}
	return 0;
}

static int
collect_member(const char *key, json_t *o, void *arg)
{
	struct member_set *s = arg;

	(void)key;
	if (SET_ROOM(s) == -1)
		return SCAN_NOMEM;
	member_read(o, &s->v[s->n++]);
	return 0;
}

int
member_collect(struct store_txn *t, const char *list, struct member_set *out,
    struct pd_err *err)
{
	char prefix[STORE_KEY_MAX];

	memset(out, 0, sizeof *out);
	store_member_key(list, "", prefix);
	if (rec_scan(t, STORE_MEMBERS, prefix, collect_member, out, err) == 0)
		return 0;
	member_set_free(out);
	return -1;
}

static int
by_address(const void *key, const void *elem)
{
	return strcmp(key, ((const struct member *)elem)->address);
}

const struct member *
member_find(const struct member_set *s, const char *address)
{
	return s->n == 0 ? NULL : bsearch(address, s->v, s->n, sizeof *s->v,
	    by_address);
}

void
member_set_free(struct member_set *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

int
member_suspend(struct store_txn *t, const char *list, const char *address,
    const char *why, bool *changed, struct pd_err *err)
{
	char key[STORE_KEY_MAX], now[32];
	json_t *o = NULL;
	int rc = 0;

	*changed = false;
	store_member_key(list, address, key);
	if (store_get(t, STORE_MEMBERS, key, &o, err) == -1)
		return -1;
	if (o == NULL || strcmp(jstr(o, "state"), "active") != 0) {
		json_decref(o);
		return 0;
	}
	iso_time(time(NULL), now);
	if (json_object_set_new(o, "state", json_string("suspended")) == -1 ||
	    json_object_set_new(o, "state-changed-at", json_string(now)) ==
	    -1 || json_object_set_new(o, "state-changed-by",
	    json_string("listd")) == -1 || json_object_set_new(o,
	    "suspended-for", json_string(why)) == -1)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (rc == 0 && (rc = store_put(t, STORE_MEMBERS, key, o, false,
	    err)) == 0)
		*changed = true;
	json_decref(o);
	return rc;
}

/* ---- seen -------------------------------------------------------------- */

int
seen_get(struct store_txn *t, const char *list, const char *what,
    char post[POST_ID_MAX], time_t *at, bool *found, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL, *v;

	*found = false;
	post[0] = '\0';
	*at = 0;
	store_member_key(list, what, key);
	if (store_get(t, STORE_SEEN, key, &o, err) == -1)
		return -1;
	if (o == NULL)
		return 0;
	*found = true;
	snprintf(post, POST_ID_MAX, "%s", jstr(o, "post"));
	v = json_object_get(o, "at");
	*at = json_is_integer(v) ? (time_t)json_integer_value(v) :
	    parse_iso(json_string_value(v));
	json_decref(o);
	return 0;
}

int
seen_put(struct store_txn *t, const char *list, const char *what,
    const char *post, time_t at, struct pd_err *err)
{
	char key[STORE_KEY_MAX], when[32];
	json_t *o;
	int rc;

	o = json_pack("{s:s, s:s}", "post", post, "at", iso_time(at, when));
	if (o == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	store_member_key(list, what, key);
	rc = store_put(t, STORE_SEEN, key, o, false, err);
	json_decref(o);
	return rc;
}

/* ---- the audit log ---------------------------------------------------- */

int
audit_append(struct store_txn *t, const struct audit *a, struct pd_err *err)
{
	char when[32];
	json_t *e;
	int rc;

	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time",
	    iso_time(a->time ? a->time : time(NULL), when), "list", a->list,
	    "actor", a->actor, "unix-user", a->unix_user ? a->unix_user : "",
	    "action", a->action, "subject", a->subject ? a->subject : "",
	    "outcome", a->outcome);
	if (e == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if ((a->reason != NULL && json_object_set_new(e, "reason",
	    json_string(a->reason)) == -1) || (a->detail != NULL &&
	    json_object_set(e, "detail", (json_t *)a->detail) == -1)) {
		json_decref(e);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	rc = store_audit(t, e, err);
	json_decref(e);
	return rc;
}

struct audit_filter {
	const char	*list;
	const char	*advisory;	/* or NULL */
	json_t		*out;
};

/* Whether an audit entry is about the advisory (its subject or detail). */
static bool
about(const json_t *e, const char *advisory)
{
	const json_t *d = json_object_get(e, "detail");

	return strcmp(jstr(e, "subject"), advisory) == 0 ||
	    strcmp(jstr(d, "advisory"), advisory) == 0 ||
	    strcmp(jstr(json_object_get(d, "keywords"), "advisory"),
	    advisory) == 0;
}

static int
audit_one(const char *key, json_t *value, void *arg)
{
	struct audit_filter *f = arg;

	(void)key;
	if (strcmp(jstr(value, "list"), f->list) != 0 ||
	    (f->advisory != NULL && !about(value, f->advisory)))
		return 0;
	return json_array_append(f->out, value);
}

/* The ledger's copies of the advisory, as audit-like entries. */
static int
ledger_one(const char *key, json_t *value, void *arg)
{
	struct audit_filter *f = arg;
	char what[64];

	(void)key;
	if (strcmp(jstr(value, "advisory"), f->advisory) != 0)
		return 0;
	snprintf(what, sizeof what, "revision %lld", jint(value, "revision",
	    0));
	return json_array_append_new(f->out, json_pack("{s:O, s:O, s:s, s:s, "
	    "s:O, s:s, s:O, s:O}", "time", json_object_get(value, "time"),
	    "list", json_object_get(value, "list"), "actor", "listd", "action",
	    "copy accepted", "subject", json_object_get(value, "member"),
	    "outcome", what, "reason", json_object_get(value, "reply"),
	    "detail", value));
}

int
audit_collect(struct store_txn *t, const char *list, const char *advisory,
    json_t *out, struct pd_err *err)
{
	struct audit_filter f = { list, advisory, out };
	char prefix[STORE_KEY_MAX];
	int rc;

	rc = store_audit_scan(t, audit_one, &f, err);
	store_member_key(list, "", prefix);
	if (rc == 0 && advisory != NULL)
		rc = store_scan(t, STORE_LEDGER, prefix, ledger_one, &f, err);
	return rc == 0 ? 0 : -1;
}
