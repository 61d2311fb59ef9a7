/* listd/advisory.c: see advisory.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/advisory.h"
#include "listd/jobs.h"
#include "policy/policy.h"

static enum adv_state
state_of(const char *s)
{
	if (s != NULL && strcmp(s, "embargoed") == 0)
		return ADV_EMBARGOED;
	if (s != NULL && strcmp(s, "public") == 0)
		return ADV_PUBLIC;
	return ADV_NEW;
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
	f->state = state_of(json_string_value(json_object_get(*rec, "state")));
	f->last_revision = (long)json_integer_value(json_object_get(*rec,
	    "revision"));
	f->embargo = parse_iso(json_string_value(json_object_get(*rec,
	    "embargo")));
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
}

int
adv_put_revision(struct store_txn *t, const char *list, json_t *rec,
    const struct keywords *kw, const char *post, const struct adv_decision *d,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX], now[32], when[32];
	json_t *r, *revs, *cves = json_array();
	size_t i;
	int rc;

	iso_time(time(NULL), now);
	for (i = 0; i < kw->ncves; i++)
		json_array_append_new(cves, json_string(kw->cve[i]));
	r = rec ? json_incref(rec) : json_pack("{s:s, s:s, s:[]}", "list", list,
	    "id", kw->advisory, "revisions");
	if (r == NULL || cves == NULL) {
		json_decref(r);
		json_decref(cves);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	revs = json_object_get(r, "revisions");
	json_array_append_new(revs, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}",
	    "revision", (json_int_t)kw->revision, "post", post, "at", now,
	    "action", adv_action_name(d->action), "reason", d->reason,
	    "cve", cves));
	if (d->action != ADV_HOLD) {
		json_object_set_new(r, "state", json_string(adv_state_name(d->state)));
		json_object_set_new(r, "revision", json_integer(kw->revision));
		json_object_set_new(r, "post", json_string(post));
		if (d->state == ADV_EMBARGOED) {
			iso_time(d->embargo, when);
			json_object_set_new(r, "embargo", json_string(when));
		}
		if (d->state == ADV_PUBLIC && json_object_get(r, "released-at") == NULL)
			json_object_set_new(r, "released-at", json_string(now));
	} else if (json_object_get(r, "state") == NULL)
		json_object_set_new(r, "state", json_string("new"));
	store_member_key(list, kw->advisory, key);
	rc = store_put(t, STORE_ADVISORIES, key, r, false, err);
	json_decref(r);
	return rc;
}

/* ---- release ------------------------------------------------------------- */

/* A post that sends the current revision's content again (kind: release,
   backfill). */
static json_t *
resend_post(const char *list, const char *id, const char *kind,
    const json_t *source, const char *now)
{
	return json_pack("{s:s, s:s, s:s, s:O, s:O*, s:O*, s:O*, s:s, s:s}",
	    "id", id, "list", list, "kind", kind, "source",
	    json_object_get(source, "id"), "subject", json_object_get(source,
	    "subject"), "keywords", json_object_get(source, "keywords"),
	    "signer-address", json_object_get(source, "signer-address"),
	    "decided-at", now, "state", "decided");
}

static int
audit_release(struct store_txn *t, const char *list, const char *id,
    const char *actor, const char *why, const char *post, size_t npub,
    size_t nmem, struct pd_err *err)
{
	char now[32];
	json_t *e;
	int rc;

	iso_time(time(NULL), now);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, "
	    "s:I, s:I}}", "time", now, "list", list, "actor", actor,
	    "unix-user", "", "action", "advisory release", "subject", id,
	    "outcome", "released", "reason", why, "detail", "advisory", id,
	    "post", post, "public-copies", (json_int_t)npub, "member-copies",
	    (json_int_t)nmem);
	if (e == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = store_audit(t, e, err);
	json_decref(e);
	return rc;
}

/* In t: the checks, the release post and its jobs, the advisory's state. */
static int
release_in(struct store_txn *t, const struct policy *pol, const json_t *lrec,
    const char *list, const char *id, const char *actor, const char *why,
    struct pd_err *err)
{
	struct adv_facts f;
	struct adv_decision d;
	char key[STORE_KEY_MAX], now[32], pid[64];
	json_t *arec = NULL, *src = NULL, *post = NULL;
	size_t npub = 0, nmem = 0;
	int rc = -1;

	if (adv_get(t, list, id, &arec, &f, err) == -1)
		return -1;
	if (arec == NULL || f.state == ADV_NEW) {
		pd_fail(err, PD_REFUSED, "no advisory %s on %s: see listctl "
		    "advisory ls %s", id, list, list);
		goto out;
	}
	if (f.state != ADV_EMBARGOED) {
		pd_fail(err, PD_REFUSED, "%s is public already (released %s)",
		    id, json_string_value(json_object_get(arec, "released-at")));
		goto out;
	}
	adv_release(pol, &d);
	store_member_key(list, json_string_value(json_object_get(arec, "post")),
	    key);
	if (store_get(t, STORE_POSTS, key, &src, err) == -1)
		goto out;
	if (src == NULL) {
		pd_fail(err, PD_FAIL, "%s: its current revision's post is gone", id);
		goto out;
	}
	iso_time(time(NULL), now);
	if (make_id("release-", pid, sizeof pid) == -1 ||
	    (post = resend_post(list, pid, "release", src, now)) == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory or randomness");
		goto out;
	}
	if ((d.to_public && jobs_for_public(t, list, pid, json_object_get(src,
	    "keywords"), json_object_get(lrec, "public"), &npub, err) == -1) ||
	    (d.to_members && jobs_for_members(t, list, pid, json_object_get(src,
	    "keywords"), NULL, &nmem, err) == -1))
		goto out;
	if (npub + nmem == 0)	/* nobody to send it to: recorded all the same */
		json_object_set_new(post, "state", json_string("done"));
	json_object_set_new(arec, "state", json_string("public"));
	json_object_set_new(arec, "released-at", json_string(now));
	json_object_set_new(arec, "released-by", json_string(actor));
	json_array_append_new(json_object_get(arec, "revisions"), json_pack(
	    "{s:O, s:s, s:s, s:s, s:s, s:s}", "revision", json_object_get(arec,
	    "revision"), "post", pid, "at", now, "action", "release", "reason",
	    why, "by", actor));
	store_member_key(list, pid, key);
	if (store_put(t, STORE_POSTS, key, post, true, err) == -1)
		goto out;
	store_member_key(list, id, key);
	if (store_put(t, STORE_ADVISORIES, key, arec, false, err) == -1)
		goto out;
	rc = audit_release(t, list, id, actor, why, pid, npub, nmem, err);
out:
	json_decref(arec);
	json_decref(src);
	json_decref(post);
	return rc;
}

int
adv_release_now(struct store *st, const char *datadir, const char *list,
    const char *id, const char *actor, const char *why, struct pd_err *err)
{
	struct store_txn *t;
	struct policy *pol = NULL;
	char path[1100], perr[512];
	json_t *lrec = NULL;
	int rc = -1;

	snprintf(path, sizeof path, "%s/lists/%s/policy.conf", datadir, list);
	if (pol_load(path, &pol, perr, sizeof perr) == -1)
		return pd_fail(err, PD_TEMPFAIL, "list %s: policy: %s", list, perr);
	if (store_begin(st, true, &t, err) == -1)
		goto out;
	if (store_get(t, STORE_LISTS, list, &lrec, err) == 0 && lrec == NULL)
		pd_fail(err, PD_REFUSED, "no list %s", list);
	else if (lrec != NULL && release_in(t, pol, lrec, list, id, actor, why,
	    err) == 0) {
		rc = store_commit(t, err);
		t = NULL;
	}
	store_abort(t);
out:
	json_decref(lrec);
	pol_free(pol);
	return rc;
}

static int
due_one(const char *key, json_t *a, void *arg)
{
	struct adv_facts f;

	(void)key;
	memset(&f, 0, sizeof f);
	f.state = state_of(json_string_value(json_object_get(a, "state")));
	f.embargo = parse_iso(json_string_value(json_object_get(a, "embargo")));
	if (adv_release_due(&f, time(NULL)))
		json_array_append_new(arg, json_pack("{s:O, s:O}", "list",
		    json_object_get(a, "list"), "id", json_object_get(a, "id")));
	return 0;
}

int
adv_release_due_all(struct store *st, const char *datadir, unsigned *n,
    struct pd_err *err)
{
	struct store_txn *t;
	json_t *due = json_array(), *a;
	size_t i;
	int rc;

	*n = 0;
	if (due == NULL || store_begin(st, false, &t, err) == -1) {
		json_decref(due);
		return -1;
	}
	rc = store_scan(t, STORE_ADVISORIES, "", due_one, due, err);
	store_abort(t);
	json_array_foreach(due, i, a) {
		if (rc != 0)
			break;
		rc = adv_release_now(st, datadir,
		    json_string_value(json_object_get(a, "list")),
		    json_string_value(json_object_get(a, "id")), "listd",
		    "the embargo date", err);
		/* Released meanwhile (listctl advisory release): nothing to do. */
		if (rc == -1 && err->status == PD_REFUSED)
			rc = 0;
		else if (rc == 0)
			++*n;
	}
	json_decref(due);
	return rc == 0 ? 0 : -1;
}

/* ---- backfill ------------------------------------------------------------ */

static int
embargoed(const char *key, json_t *a, void *arg)
{
	(void)key;
	if (state_of(json_string_value(json_object_get(a, "state"))) !=
	    ADV_EMBARGOED)
		return 0;
	return json_array_append(arg, a);
}

int
adv_backfill(struct store_txn *t, const char *list, const char *member,
    size_t *n, struct pd_err *err)
{
	char prefix[STORE_KEY_MAX], key[STORE_KEY_MAX], pid[64], now[32];
	json_t *advs = json_array(), *a, *src, *post;
	size_t i, jobs;
	int rc = 0;

	*n = 0;
	if (advs == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	store_member_key(list, "", prefix);
	if (store_scan(t, STORE_ADVISORIES, prefix, embargoed, advs, err) != 0) {
		json_decref(advs);
		return -1;
	}
	iso_time(time(NULL), now);
	json_array_foreach(advs, i, a) {
		src = post = NULL;
		store_member_key(list, json_string_value(json_object_get(a,
		    "post")), key);
		if ((rc = store_get(t, STORE_POSTS, key, &src, err)) == -1)
			break;
		if (src == NULL)
			continue;	/* nothing left to send */
		if (make_id("backfill-", pid, sizeof pid) == -1 ||
		    (post = resend_post(list, pid, "backfill", src, now)) == NULL)
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
		store_member_key(list, pid, key);
		if (rc == 0)
			rc = jobs_for_members(t, list, pid, json_object_get(src,
			    "keywords"), member, &jobs, err);
		if (rc == 0)
			rc = store_put(t, STORE_POSTS, key, post, true, err);
		json_decref(src);
		json_decref(post);
		if (rc == -1)
			break;
		++*n;
	}
	json_decref(advs);
	return rc;
}
