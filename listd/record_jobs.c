/*
 * listd/record_jobs.c: see record.h.  Jobs, the inbox, members, seen
 * records and the audit log (the ledger: record_ledger.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listd/record_int.h"

/* ---- jobs ------------------------------------------------------------- */

static void
job_key(const struct job *j, char key[STORE_KEY_MAX])
{
	copy_key(j->list, j->post, j->member, key);
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
	    json_object_set_new(o, "revision", json_integer(j->revision))) ||
	    (j->refused_us && json_object_set_new(o, "refused-us",
	    json_integer((json_int_t)j->refused_us)))) {
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
	j->refused_us = jint(o, "refused-us", 0);
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
job_get(struct store_txn *t, const char *list, const char *post,
    const char *member, struct job *j, bool *found, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL;

	*found = false;
	copy_key(list, post, member, key);
	if (store_get(t, STORE_JOBS, key, &o, err) == -1)
		return -1;
	if (o != NULL) {
		job_read(o, j);
		*found = true;
		json_decref(o);
	}
	return 0;
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

void
job_walk_init(struct job_walk *w, const char *list, const char *post,
    bool (*want)(const struct job *, void *), void *arg)
{
	memset(w, 0, sizeof *w);
	if (list == NULL)
		w->prefix[0] = '\0';
	else if (post == NULL)
		snprintf(w->prefix, sizeof w->prefix, "%s\x1f", list);
	else
		snprintf(w->prefix, sizeof w->prefix, "%s\x1f%s\x1f", list,
		    post);
	w->want = want;
	w->arg = arg;
}

#define WALK_FULL	3	/* the chunk is full: not the end */

struct walk_chunk {
	struct job_walk	*w;
	struct job_set	*out;
	size_t		 max;
};

static int
walk_one(const char *key, json_t *o, void *arg)
{
	struct walk_chunk *c = arg;
	struct job j;

	job_read(o, &j);
	snprintf(c->w->after, sizeof c->w->after, "%s", key);
	if (c->w->want != NULL && !c->w->want(&j, c->w->arg))
		return 0;
	if (job_set_add(c->out, &j) == -1)
		return SCAN_NOMEM;
	return c->out->n >= c->max ? WALK_FULL : 0;
}

int
job_walk_next(struct store_txn *t, struct job_walk *w, size_t max,
    struct job_set *out, struct pd_err *err)
{
	struct walk_chunk c = { w, out, max };
	int rc;

	out->n = 0;
	if (w->end || max == 0)
		return 0;
	rc = store_scan_after(t, STORE_JOBS, w->prefix, w->after, walk_one, &c,
	    err);
	if (rc == 0)
		w->end = true;
	if (rc == SCAN_NOMEM)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	return rc == 0 || rc == WALK_FULL ? 0 : -1;
}

int
job_collect(struct store_txn *t, const char *list, const char *post,
    struct job_set *out, struct pd_err *err)
{
	struct job_walk w;

	memset(out, 0, sizeof *out);
	job_walk_init(&w, list, post, NULL, NULL);
	if (job_walk_next(t, &w, SIZE_MAX, out, err) == 0)
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

struct member_visit {
	int		(*fn)(const struct member *, void *);
	void		*arg;
};

static int
visit_member(const char *key, json_t *o, void *arg)
{
	struct member_visit *v = arg;
	struct member m;

	(void)key;
	member_read(o, &m);
	return v->fn(&m, v->arg);
}

int
member_each(struct store_txn *t, const char *list,
    int (*fn)(const struct member *, void *), void *arg, struct pd_err *err)
{
	struct member_visit v = { fn, arg };
	char prefix[STORE_KEY_MAX];

	store_member_key(list, "", prefix);
	return store_scan(t, STORE_MEMBERS, prefix, visit_member, &v, err);
}

static int
collect_member(const struct member *m, void *arg)
{
	struct member_set *s = arg;

	if (SET_ROOM(s) == -1)
		return SCAN_NOMEM;
	s->v[s->n++] = *m;
	return 0;
}

int
member_collect(struct store_txn *t, const char *list, struct member_set *out,
    struct pd_err *err)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = member_each(t, list, collect_member, out, err)) == 0)
		return 0;
	member_set_free(out);
	if (rc == SCAN_NOMEM)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
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

int
audit_limit(struct store_txn *t, const char *list, const char *what,
    time_t window, bool *due, long long *left_out, time_t *since,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX], when[32];
	time_t now = time(NULL);
	json_t *o = NULL, *n;
	int rc;

	store_member_key(list, what, key);
	if (store_get(t, STORE_SEEN, key, &o, err) == -1)
		return -1;
	*since = jtime(o, "audited-at");
	*left_out = jint(o, "left-out", 0);
	*due = o == NULL || now - *since >= window || now < *since;
	json_decref(o);
	n = *due ? json_pack("{s:s, s:i}", "audited-at", iso_time(now, when),
	    "left-out", 0) : json_pack("{s:s, s:I}", "audited-at",
	    iso_time(*since, when), "left-out", (json_int_t)*left_out + 1);
	if (n == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = store_put(t, STORE_SEEN, key, n, false, err);
	json_decref(n);
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
