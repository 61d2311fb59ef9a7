/*
 * listd/record_ledger.c: see record.h.  The ledger: the copies the relay
 * accepted, and what became of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listd/record_int.h"

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
	copy_key(j->list, j->post, j->member, key);
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

	copy_key(j->list, j->post, j->member, key);
	if (store_get(t, STORE_LEDGER, key, &o, err) == -1)
		return -1;
	*has = o != NULL && json_object_get(o, "bounce") == NULL;
	json_decref(o);
	return 0;
}

static void
ledger_read(const json_t *o, struct ledger_entry *e)
{
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
}

int
ledger_get(struct store_txn *t, const char *list, const char *post,
    const char *member, struct ledger_entry *e, bool *found,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL;

	*found = false;
	copy_key(list, post, member, key);
	if (store_get(t, STORE_LEDGER, key, &o, err) == -1)
		return -1;
	if (o != NULL) {
		ledger_read(o, e);
		*found = true;
		json_decref(o);
	}
	return 0;
}

void
ledger_set_free(struct ledger_set *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* An id callback (rec_id_fn) over keys: what follows the prefix. */
struct id_scan {
	rec_id_fn	 fn;
	void		*arg;
	size_t		 plen;
};

static int
id_of_key(const char *key, void *arg)
{
	struct id_scan *s = arg;

	return s->fn(key + s->plen, s->arg);
}

static int
each_id(struct store_txn *t, enum store_db db, const char *prefix,
    rec_id_fn fn, void *arg, struct pd_err *err)
{
	struct id_scan s = { fn, arg, strlen(prefix) };

	return store_scan_keys(t, db, prefix, id_of_key, &s, err);
}

int
post_each_id(struct store_txn *t, const char *list, rec_id_fn fn, void *arg,
    struct pd_err *err)
{
	char prefix[STORE_KEY_MAX];

	store_member_key(list, "", prefix);
	return each_id(t, STORE_POSTS, prefix, fn, arg, err);
}

int
ledger_each_member(struct store_txn *t, const char *list, const char *post,
    rec_id_fn fn, void *arg, struct pd_err *err)
{
	char prefix[STORE_KEY_MAX];

	copy_key(list, post, "", prefix);
	return each_id(t, STORE_LEDGER, prefix, fn, arg, err);
}

struct member_scan {
	struct store_txn *t;
	const char	*list, *member;
	struct ledger_set *out;
	struct pd_err	*err;
};

/* post_each_id(): member's copy of post, if it has one. */
static int
copy_of_post(const char *post, void *arg)
{
	struct member_scan *m = arg;
	struct ledger_entry e;
	struct job j;
	bool sent, job;

	if (ledger_get(m->t, m->list, post, m->member, &e, &sent,
	    m->err) == -1 || job_get(m->t, m->list, post, m->member, &j, &job,
	    m->err) == -1)
		return -1;
	if (job && j.state == JOB_FAILED && j.refused_us != 0 &&
	    (!sent || j.refused_us > e.time_us)) {
		memset(&e, 0, sizeof e);
		snprintf(e.list, sizeof e.list, "%s", j.list);
		snprintf(e.post, sizeof e.post, "%s", j.post);
		snprintf(e.member, sizeof e.member, "%s", j.member);
		e.time_us = j.refused_us;
		e.time = (time_t)(j.refused_us / 1000000);
		snprintf(e.advisory, sizeof e.advisory, "%s", j.advisory);
		e.revision = j.revision;
		e.public = j.public;
		e.refused = sent = true;
	}
	if (!sent)
		return 0;
	if (SET_ROOM(m->out) == -1)
		return pd_fail(m->err, PD_TEMPFAIL, "out of memory");
	m->out->v[m->out->n++] = e;
	return 0;
}

int
member_copies(struct store_txn *t, const char *list, const char *member,
    struct ledger_set *out, struct pd_err *err)
{
	struct member_scan m = { t, list, member, out, err };

	memset(out, 0, sizeof *out);
	if (post_each_id(t, list, copy_of_post, &m, err) == 0)
		return 0;
	ledger_set_free(out);
	return -1;
}

int
ledger_report(struct store_txn *t, const struct ledger_entry *e, bool bounced,
    const json_t *report, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL, *reports;
	int rc;

	copy_key(e->list, e->post, e->member, key);
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

int
ledger_revisions(struct store_txn *t, const char *list, const char *member,
    const char *const *advisory, long *revision, size_t n,
    struct pd_err *err)
{
	struct ledger_set ls;
	const struct ledger_entry *e;
	size_t i, k;

	memset(revision, 0, n * sizeof *revision);
	if (member_copies(t, list, member, &ls, err) == -1)
		return -1;
	for (k = 0; k < ls.n; k++) {
		e = &ls.v[k];
		for (i = 0; i < n && !e->refused; i++)
			if (strcmp(e->advisory, advisory[i]) == 0 &&
			    e->revision > revision[i])
				revision[i] = e->revision;
	}
	ledger_set_free(&ls);
	return 0;
}
