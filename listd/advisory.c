/*
 * listd/advisory.c: advisories in the store (see advisory.h): their
 * records, the scan, and the members who come late (backfill, catch-up).
 * Releases are in release.c, a revision judged and applied in advjudge.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listd/advisory.h"
#include "listd/advisory_int.h"
#include "listd/jobs.h"
#include "listd/list.h"
#include "listd/record.h"
#include "policy/policy.h"

enum adv_state
adv_state_of(const char *s)
{
	if (s != NULL && strcmp(s, "embargoed") == 0)
		return ADV_EMBARGOED;
	if (s != NULL && strcmp(s, "public") == 0)
		return ADV_PUBLIC;
	return ADV_NEW;
}

/* o's string at key, "" when there is none. */
const char *
adv_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* One record to sort, with what it is sorted by. */
struct dated {
	json_t		*rec;
	const char	*time;
	const char	*id;
	int		 order;	/* 1: oldest first, -1: newest first */
};

static int
by_time(const void *x, const void *y)
{
	const struct dated *a = x, *b = y;
	int c = strcmp(a->time, b->time);

	c = (c > 0) - (c < 0);
	return c != 0 ? c * a->order : strcmp(a->id, b->id);
}

int
adv_sort(json_t *recs, const char *field, bool newest_first)
{
	size_t i, n = json_array_size(recs);
	struct dated *v = calloc(n + 1, sizeof *v);

	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i].rec = json_incref(json_array_get(recs, i));
		v[i].time = adv_str(v[i].rec, field);
		v[i].id = adv_str(v[i].rec, "id");
		v[i].order = newest_first ? -1 : 1;
	}
	qsort(v, n, sizeof *v, by_time);
	json_array_clear(recs);
	for (i = 0; i < n; i++)
		json_array_append_new(recs, v[i].rec);
	free(v);
	return 0;
}

/*
 * When the advisory's limits count from: the record's clock-from, or
 * (written before it was kept) the first revision that went to members.
 */
static time_t
clock_from(const json_t *rec)
{
	const json_t *r;
	size_t i;

	if (json_object_get(rec, "clock-from") != NULL)
		return parse_iso(adv_str(rec, "clock-from"));
	json_array_foreach(json_object_get(rec, "revisions"), i, r)
		if (strcmp(adv_str(r, "action"), adv_action_name(ADV_DELIVER)) == 0)
			return parse_iso(adv_str(r, "at"));
	return 0;
}

/* Whether a revision that was not held carried a CVE. */
static bool
has_cve(const json_t *rec)
{
	const json_t *r;
	size_t i;

	if (json_array_size(json_object_get(rec, "cve")) > 0)
		return true;
	json_array_foreach(json_object_get(rec, "revisions"), i, r)
		if (strcmp(adv_str(r, "action"), adv_action_name(ADV_HOLD)) != 0 &&
		    json_array_size(json_object_get(r, "cve")) > 0)
			return true;
	return false;
}

int
adv_get(struct store_txn *t, const char *list, const char *id, json_t **rec,
    struct adv_facts *f, struct pd_err *err)
{
	char key[STORE_KEY_MAX];

	memset(f, 0, sizeof *f);
	store_member_key(list, id, key);
	if (store_get(t, STORE_ADVISORIES, key, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return 0;
	f->state = adv_state_of(adv_str(*rec, "state"));
	f->last_revision = (long)json_integer_value(json_object_get(*rec,
	    "revision"));
	f->embargo = parse_iso(adv_str(*rec, "embargo"));
	f->clock_from = clock_from(*rec);
	f->restarts = (unsigned)json_array_size(json_object_get(*rec,
	    "restarts"));
	f->members_embargo = parse_iso(adv_str(*rec, "members-embargo"));
	f->has_cve = has_cve(*rec);
	return 0;
}

void
adv_post_from(const struct keywords *kw, struct adv_post *p)
{
	memset(p, 0, sizeof *p);
	p->revision = kw->revision;
	p->embargo_set = kw->embargo_set;
	p->embargo_none = kw->embargo_none;
	p->embargo = kw->embargo;
	p->resend = kw->resend;
	p->extension = kw->extension[0] != '\0';
	p->restart = kw->restart[0] != '\0';
	p->has_cve = kw->ncves > 0;
}

/* Appends {revision, at, reason} to rec's array name. */
static void
note(json_t *rec, const char *name, long revision, const char *at,
    const char *reason)
{
	json_t *a = json_object_get(rec, name);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(rec, name, a);
	}
	json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "revision",
	    (json_int_t)revision, "at", at, "reason", reason));
}

/* rec's "cve": every CVE a revision that was not held carried, once. */
static void
add_cves(json_t *rec, const struct keywords *kw)
{
	json_t *all = json_object_get(rec, "cve"), *c;
	size_t i, k;

	if (all == NULL) {
		all = json_array();
		json_object_set_new(rec, "cve", all);
	}
	for (i = 0; i < kw->ncves; i++) {
		json_array_foreach(all, k, c)
			if (strcmp(json_string_value(c), kw->cve[i]) == 0)
				break;
		if (k == json_array_size(all))
			json_array_append_new(all, json_string(kw->cve[i]));
	}
}

static void
set_time(json_t *rec, const char *name, time_t t)
{
	char buf[32];

	json_object_set_new(rec, name, json_string(iso_time(t, buf)));
}

/* An embargoed advisory's clock, the date members hold, the reminder. */
static void
put_embargo(json_t *r, const struct keywords *kw, const struct adv_decision *d,
    const char *now)
{
	set_time(r, "embargo", d->embargo);
	if (d->clock_from != 0)
		set_time(r, "clock-from", d->clock_from);
	if (d->to_members && json_object_get(r, "first-sent") == NULL)
		json_object_set_new(r, "first-sent", json_string(now));
	if (d->to_members || d->date_notice)
		set_time(r, "members-embargo", d->embargo);
	if (d->restarted)
		note(r, "restarts", kw->revision, now, kw->restart);
	if (d->cve_remind_at != 0)
		set_time(r, "cve-remind-at", d->cve_remind_at);
	else
		json_object_del(r, "cve-remind-at");
}

int
adv_put_revision(struct store_txn *t, const char *list, json_t *rec,
    const struct keywords *kw, const char *post, const struct adv_decision *d,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX], now[32], old[32];
	json_t *r, *rev, *cves = json_array();
	size_t i;
	int rc;

	iso_time(time(NULL), now);
	for (i = 0; cves != NULL && i < kw->ncves; i++)
		json_array_append_new(cves, json_string(kw->cve[i]));
	r = rec ? json_incref(rec) : json_pack("{s:s, s:s, s:[]}", "list", list,
	    "id", kw->advisory, "revisions");
	rev = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "revision",
	    (json_int_t)kw->revision, "post", post, "at", now, "action",
	    adv_action_name(d->action), "reason", d->reason, "cve", cves);
	if (r == NULL || rev == NULL) {
		json_decref(r);
		json_decref(rev);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	if (d->action != ADV_HOLD && kw->extension[0] != '\0')
		json_object_set_new(rev, "extension", json_string(kw->extension));
	if (d->restarted)
		json_object_set_new(rev, "restart", json_string(kw->restart));
	if (d->date_notice)
		json_object_set_new(rev, "date-notice", json_string(iso_time(
		    d->old_embargo, old)));
	json_array_append_new(json_object_get(r, "revisions"), rev);
	if (d->action != ADV_HOLD) {
		json_object_set_new(r, "state", json_string(adv_state_name(d->state)));
		json_object_set_new(r, "revision", json_integer(kw->revision));
		json_object_set_new(r, "post", json_string(post));
		add_cves(r, kw);
		if (kw->extension[0] != '\0')
			note(r, "extensions", kw->revision, now, kw->extension);
		if (d->state == ADV_EMBARGOED)
			put_embargo(r, kw, d, now);
		if (d->state == ADV_PUBLIC && json_object_get(r, "released-at") == NULL)
			json_object_set_new(r, "released-at", json_string(now));
	} else if (json_object_get(r, "state") == NULL)
		json_object_set_new(r, "state", json_string("new"));
	store_member_key(list, kw->advisory, key);
	rc = store_put(t, STORE_ADVISORIES, key, r, false, err);
	json_decref(r);
	return rc;
}

/* ---- shared with releases (release.c) ---------------------------------- */

/*
 * A post that sends the current revision's content (src's) again: kind
 * RELEASE or BACKFILL, named by a new id with prefix.  p is cleared on
 * failure.
 */
int
adv_resend_post(const char *list, const char *prefix, enum post_kind kind,
    const struct post *src, struct post *p, struct pd_err *err)
{
	char pid[64];

	post_init(p, kind, POST_DECIDED);
	p->decided_at = time(NULL);
	if (make_id(prefix, pid, sizeof pid) == -1)
		return pd_fail(err, PD_TEMPFAIL, "no randomness");
	p->has_keywords = src->has_keywords;
	p->kw = src->kw;
	if (rec_set(&p->id, pid) | rec_set(&p->list, list) |
	    rec_set(&p->source, src->id) | rec_set(&p->subject_sealed,
	    src->subject_sealed) |
	    rec_set(&p->signer_address, src->signer_address)) {
		post_clear(p);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	return 0;
}

struct scan {
	bool		(*match)(const json_t *, time_t);
	json_t		*out;
};

static int
scan_one(const char *key, json_t *a, void *arg)
{
	struct scan *s = arg;

	(void)key;
	return s->match(a, time(NULL)) ? json_array_append(s->out, a) : 0;
}

int
adv_scan(struct store *st, bool (*match)(const json_t *, time_t),
    json_t **out, struct pd_err *err)
{
	struct scan s = { match, json_array() };
	struct store_txn *t;
	int rc;

	*out = NULL;
	if (s.out == NULL || store_begin(st, false, &t, err) == -1) {
		json_decref(s.out);
		return s.out == NULL ? pd_fail(err, PD_TEMPFAIL,
		    "out of memory") : -1;
	}
	rc = store_scan(t, STORE_ADVISORIES, "", scan_one, &s, err);
	store_abort(t);
	if (rc != 0) {
		json_decref(s.out);
		return -1;
	}
	*out = s.out;
	return 0;
}

/* ---- backfill ------------------------------------------------------------ */

static int
embargoed(const char *key, json_t *a, void *arg)
{
	(void)key;
	if (adv_state_of(json_string_value(json_object_get(a, "state"))) !=
	    ADV_EMBARGOED)
		return 0;
	return json_array_append(arg, a);
}

/* The records of list's embargoed advisories, in a new array *out. */
static int
embargoed_of(struct store_txn *t, const char *list, json_t **out,
    struct pd_err *err)
{
	char prefix[STORE_KEY_MAX];

	if ((*out = json_array()) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	store_member_key(list, "", prefix);
	if (store_scan(t, STORE_ADVISORIES, prefix, embargoed, *out,
	    err) != 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A post of advisory a's current revision to member alone; ++*n. */
static int
backfill_one(struct store_txn *t, const char *list, const char *member,
    const json_t *a, size_t *n, struct pd_err *err)
{
	struct post src, post;
	size_t jobs;
	bool found;
	int rc;

	if (post_get(t, false, list, json_string_value(json_object_get(a,
	    "post")), &src, &found, err) == -1)
		return -1;
	rc = 0;
	if (found && (rc = adv_resend_post(list, "backfill-", POST_BACKFILL, &src,
	    &post, err)) == 0) {
		rc = jobs_for_members(t, list, post.id, &src.kw, member, &jobs,
		    err);
		if (rc == 0)
			rc = post_put(t, &post, true, err);
		post_clear(&post);
		if (rc == 0)
			++*n;
	}
	post_clear(&src);
	return rc;
}

int
adv_backfill(struct store_txn *t, const char *list, const char *member,
    size_t *n, struct pd_err *err)
{
	json_t *advs, *a;
	size_t i;
	int rc = 0;

	*n = 0;
	if (embargoed_of(t, list, &advs, err) == -1)
		return -1;
	json_array_foreach(advs, i, a)
		if ((rc = backfill_one(t, list, member, a, n, err)) == -1)
			break;
	json_decref(advs);
	return rc;
}

/*
 * The latest revision of advisory a that went to the members, and when it
 * was decided; 0 when none did.
 */
static long
last_delivered(const json_t *a, time_t *at)
{
	const json_t *r;
	long rev = 0;
	size_t i;

	*at = 0;
	json_array_foreach(json_object_get(a, "revisions"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "action")) ?
		    json_string_value(json_object_get(r, "action")) : "",
		    adv_action_name(ADV_DELIVER)) == 0 &&
		    json_integer_value(json_object_get(r, "revision")) >= rev) {
			rev = (long)json_integer_value(json_object_get(r,
			    "revision"));
			*at = parse_iso(json_string_value(json_object_get(r,
			    "at")));
		}
	return rev;
}

/* Whether a job of member carries advisory at revision rev or later and
   is still on its way. */
static bool
on_its_way(const struct job_set *jobs, const char *member,
    const char *advisory, long rev)
{
	size_t i;

	for (i = 0; i < jobs->n; i++)
		if (strcmp(jobs->v[i].member, member) == 0 &&
		    strcmp(jobs->v[i].advisory, advisory) == 0 &&
		    jobs->v[i].revision >= rev &&
		    (jobs->v[i].state == JOB_NEW ||
		    jobs->v[i].state == JOB_READY ||
		    jobs->v[i].state == JOB_RETRY))
			return true;
	return false;
}

/* Which of the n advisories member holds (holds[i] set): want[i] or a
   later revision sent to it, or on its way. */
static int
member_holds(struct store_txn *t, const char *list, const char *member,
    const char **ids, long *want, bool *holds, size_t n, struct pd_err *err)
{
	struct job_set jobs;
	long *got;
	size_t i;
	int rc = -1;

	if ((got = calloc(n + 1, sizeof *got)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (ledger_revisions(t, list, member, ids, got, n, err) == 0 &&
	    job_collect(t, list, NULL, &jobs, err) == 0) {
		for (i = 0; i < n; i++)
			holds[i] = holds[i] || got[i] >= want[i] ||
			    on_its_way(&jobs, member, ids[i], want[i]);
		job_set_free(&jobs);
		rc = 0;
	}
	free(got);
	return rc;
}

int
adv_catch_up(struct store_txn *t, const char *list, const char *member,
    time_t since, size_t *n, struct pd_err *err)
{
	json_t *advs, *a;
	const char **ids = NULL;
	long *want = NULL;
	bool *holds = NULL;
	size_t i, m;
	time_t at;
	int rc = -1;

	*n = 0;
	if (embargoed_of(t, list, &advs, err) == -1)
		return -1;
	m = json_array_size(advs);
	ids = calloc(m + 1, sizeof *ids);
	want = calloc(m + 1, sizeof *want);
	holds = calloc(m + 1, sizeof *holds);
	if (ids == NULL || want == NULL || holds == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	json_array_foreach(advs, i, a) {
		ids[i] = json_string_value(json_object_get(a, "id"));
		if (ids[i] == NULL)
			ids[i] = "";
		want[i] = last_delivered(a, &at);
		/* Sent before the member joined: backfill's business. */
		holds[i] = want[i] == 0 || at < since;
	}
	if (member_holds(t, list, member, ids, want, holds, m, err) == -1)
		goto out;
	rc = 0;
	json_array_foreach(advs, i, a)
		if (!holds[i] && (rc = backfill_one(t, list, member, a, n,
		    err)) == -1)
			break;
out:
	free(ids);
	free(want);
	free(holds);
	json_decref(advs);
	return rc;
}
