/*
 * listd/release.c: an advisory's release at its embargo date or by hand
 * (see advisory.h): its current revision to the list's public addresses
 * and, where the policy says so, to the members, in one transaction; a
 * release with no public address to go to waits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "listd/advisory.h"
#include "listd/advisory_int.h"
#include "listd/jobs.h"
#include "listd/list.h"
#include "listd/record.h"

static int
audit_release(struct store_txn *t, const char *list, const char *id,
    const char *actor, const char *why, const char *post, size_t npub,
    size_t nmem, struct pd_err *err)
{
	json_t *d;
	int rc;

	d = json_pack("{s:s, s:s, s:I, s:I}", "advisory", id, "post", post,
	    "public-copies", (json_int_t)npub, "member-copies", (json_int_t)nmem);
	if (d == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = audit_append(t, &(struct audit){ .list = list, .actor = actor,
	    .action = "advisory release", .subject = id, .outcome = "released",
	    .reason = why, .detail = d }, err);
	json_decref(d);
	return rc;
}

/*
 * A release at its date with no public address to go to waits (the
 * advisory stays embargoed, and is released at the first run after an
 * address is set); the moderators and admins are told once, in t.
 */
static int
release_waits(struct store_txn *t, const struct list *l, const char *id,
    json_t *arec, const char *why, struct pd_err *err)
{
	char key[STORE_KEY_MAX], now[32], text[600], subject[100];

	if (json_object_get(arec, "release-waiting") != NULL)
		return 0;
	snprintf(subject, sizeof subject, "%s: not released", id);
	snprintf(text, sizeof text, "Advisory %s on %s reached its embargo "
	    "date, but nothing was published: %s.  It stays embargoed and is "
	    "released at the first run after that.\n", id, l->address, why);
	json_object_set_new(arec, "release-waiting", json_string(iso_time(
	    time(NULL), now)));
	store_member_key(l->address, id, key);
	if (adv_tell_admins_later(t, l->address, id, subject, text, err) == -1 ||
	    store_put(t, STORE_ADVISORIES, key, arec, false, err) == -1)
		return -1;
	return audit_append(t, &(struct audit){ .list = l->address, .actor =
	    "listd", .action = "advisory release", .subject = id, .outcome =
	    "waiting", .reason = why }, err);
}

/*
 * In t: the checks, the release post and its jobs, the advisory's state;
 * scheduled: at its date (a release with nowhere to go waits), otherwise
 * by hand (refused then).
 */
static int
release_in(struct store_txn *t, const struct list *l, const char *id,
    const char *actor, const char *why, bool scheduled, bool *released,
    struct pd_err *err)
{
	const char *list = l->address;
	struct adv_facts f;
	struct adv_decision d;
	char key[STORE_KEY_MAX], now[32];
	struct post src, post;
	json_t *arec = NULL;
	size_t npub = 0, nmem = 0;
	bool found;
	int rc = -1;

	post_init(&src, POST_MESSAGE, POST_DECIDED);
	post_init(&post, POST_RELEASE, POST_DECIDED);
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
	f.no_public = l->npublic == 0;
	adv_release(l->pol, &f, time(NULL), &d);
	if (d.action == ADV_HOLD) {
		if (scheduled)
			rc = release_waits(t, l, id, arec, "the list has no "
			    "public address: set one with listctl list set "
			    "LIST --public ADDRESS", err);
		else
			pd_fail(err, PD_REFUSED, "%s is not released: the list "
			    "has no public address: set one with listctl list "
			    "set %s --public ADDRESS", id, list);
		goto out;
	}
	if (post_get(t, false, list, json_string_value(json_object_get(arec,
	    "post")), &src, &found, err) == -1)
		goto out;
	if (!found) {
		pd_fail(err, PD_FAIL, "%s: its current revision's post is gone", id);
		goto out;
	}
	if (adv_resend_post(list, "release-", POST_RELEASE, &src, &post, err) == -1)
		goto out;
	if (d.to_public) {
		if (jobs_for_public(t, list, post.id, &src.kw, l->public,
		    l->npublic, err) == -1)
			goto out;
		npub = l->npublic;
	}
	if (d.to_members && jobs_for_members(t, list, post.id, &src.kw, NULL,
	    &nmem, err) == -1)
		goto out;
	if (npub + nmem == 0)	/* nobody to send it to: recorded all the same */
		post.state = POST_DONE;
	/* Early, and the members get no copy: they hear their date is gone. */
	if (d.date_notice && adv_date_notice_later(t, l, &src.kw, d.old_embargo,
	    0, "it was released by hand (listctl advisory release)", err) == -1)
		goto out;
	iso_time(time(NULL), now);
	json_object_del(arec, "release-waiting");
	json_object_set_new(arec, "state", json_string("public"));
	json_object_set_new(arec, "released-at", json_string(now));
	json_object_set_new(arec, "released-by", json_string(actor));
	json_array_append_new(json_object_get(arec, "revisions"), json_pack(
	    "{s:O, s:s, s:s, s:s, s:s, s:s}", "revision", json_object_get(arec,
	    "revision"), "post", post.id, "at", now, "action", "release",
	    "reason", why, "by", actor));
	if (post_put(t, &post, true, err) == -1)
		goto out;
	store_member_key(list, id, key);
	if (store_put(t, STORE_ADVISORIES, key, arec, false, err) == -1)
		goto out;
	rc = audit_release(t, list, id, actor, why, post.id, npub, nmem, err);
	*released = rc == 0;
out:
	json_decref(arec);
	post_clear(&src);
	post_clear(&post);
	return rc;
}

static int
release_one(struct store *st, const char *datadir, const char *list,
    const char *id, const char *actor, const char *why, bool scheduled,
    bool *released, struct pd_err *err)
{
	struct store_txn *t;
	struct list *l;
	int rc = -1;

	*released = false;
	if (list_open(st, datadir, list, 0, &l, err) == -1)
		return -1;
	if (store_begin(st, true, &t, err) == 0) {
		if (release_in(t, l, id, actor, why, scheduled, released,
		    err) == 0)
			rc = store_commit(t, err);
		else
			store_abort(t);
	}
	list_close(l);
	return rc;
}

int
adv_release_now(struct store *st, const char *datadir, const char *list,
    const char *id, const char *actor, const char *why, struct pd_err *err)
{
	bool released;

	return release_one(st, datadir, list, id, actor, why, false, &released,
	    err);
}

/* Whether advisory record a is due its release at now. */
static bool
release_due(const json_t *a, time_t now)
{
	struct adv_facts f;

	memset(&f, 0, sizeof f);
	f.state = adv_state_of(adv_str(a, "state"));
	f.embargo = parse_iso(adv_str(a, "embargo"));
	f.members_embargo = parse_iso(adv_str(a, "members-embargo"));
	return adv_release_due(&f, now);
}

int
adv_release_due_all(struct store *st, const char *datadir, unsigned *n,
    struct pd_err *err)
{
	json_t *due, *a;
	bool released;
	size_t i;
	int rc = 0;

	*n = 0;
	if (adv_scan(st, release_due, &due, err) == -1)
		return -1;
	json_array_foreach(due, i, a) {
		rc = release_one(st, datadir, adv_str(a, "list"), adv_str(a, "id"),
		    "listd", "the embargo date", true, &released, err);
		/* Released meanwhile (listctl advisory release): nothing to do. */
		if (rc == -1 && err->status == PD_REFUSED)
			rc = 0;
		else if (rc == 0 && released) {	/* not one that waits */
			log_event("release", "list=%s advisory=%s by=listd",
			    adv_str(a, "list"), adv_str(a, "id"));
			++*n;
		}
		if (rc != 0)
			break;
	}
	json_decref(due);
	return rc == 0 ? 0 : -1;
}
