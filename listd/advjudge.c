/*
 * listd/advjudge.c: an advisory's revision judged by the embargo rules
 * (policy/embargo.h) and applied in the store, the date notices that keep
 * the date members hold the release date, and the CVE reminders; see
 * advisory.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listd/advisory.h"
#include "listd/jobs.h"
#include "listd/notice.h"

struct when {
	char	 s[40];
};

/* UTC, the form the Embargo: keyword takes. */
static struct when
utc(time_t t)
{
	struct when w;

	fmt_time(t, "%Y-%m-%d %H:%M UTC", w.s, sizeof w.s);
	return w;
}

/* ---- the notices ------------------------------------------------------- */

/*
 * Stores p (a new post of the list's own words, n jobs made) and audits it
 * as action about an advisory, with why.
 */
static int
put_told(struct store_txn *t, struct post *p, size_t n, const char *action,
    const char *about, const char *why, struct pd_err *err)
{
	json_t *d;
	int rc;

	p->jobs = (long)n;
	if (n == 0)	/* nobody to tell: recorded all the same */
		p->state = POST_DONE;
	if ((rc = post_put(t, p, true, err)) == -1)
		return -1;
	if ((d = json_pack("{s:s, s:I}", "post", p->id, "copies",
	    (json_int_t)n)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = audit_append(t, &(struct audit){ .list = p->list, .actor =
	    "listd", .action = action, .subject = about, .outcome = n > 0 ?
	    "queued" : "nobody to tell", .reason = why, .detail = d }, err);
	json_decref(d);
	return rc;
}

/* A new post of kind on list: the list's own words, subject and text. */
static int
own_words(struct post *p, enum post_kind kind, const char *list,
    const char *prefix, const char *subject, const char *text,
    struct pd_err *err)
{
	char id[64];

	post_init(p, kind, POST_DECIDED);
	p->decided_at = time(NULL);
	if (make_id(prefix, id, sizeof id) == -1)
		return pd_fail(err, PD_TEMPFAIL, "no randomness");
	if (rec_set(&p->id, id) | rec_set(&p->list, list) |
	    rec_set(&p->subject, subject) | rec_set(&p->text, text)) {
		post_clear(p);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	return 0;
}

int
adv_date_notice_later(struct store_txn *t, const struct list *l,
    const struct keywords *kw, time_t from, time_t to, const char *what,
    struct pd_err *err)
{
	char text[1200], subject[128];
	struct post p;
	size_t n;
	int rc;

	if (to != 0) {
		snprintf(subject, sizeof subject, "%s: the embargo date has "
		    "moved", kw->advisory);
		snprintf(text, sizeof text, "The embargo of %s on %s has a new "
		    "date.\n\n  advisory:  %s\n  revision:  %ld\n  embargo:   "
		    "%s\n  was:       %s\n\nThe public release follows the new "
		    "date, not before it: keep the advisory confidential until "
		    "%s, and plan your own release for then.\n\n%s\n",
		    kw->advisory, l->address, kw->advisory, kw->revision,
		    utc(to).s, utc(from).s, utc(to).s, what);
	} else {
		snprintf(subject, sizeof subject, "%s: released early",
		    kw->advisory);
		snprintf(text, sizeof text, "%s on %s was released early: its "
		    "embargo, until %s, has ended.\n\n  advisory:  %s\n  "
		    "revision:  %ld\n  released:  %s\n\n%s\n", kw->advisory,
		    l->address, utc(from).s, kw->advisory, kw->revision,
		    utc(time(NULL)).s, what);
	}
	if (own_words(&p, POST_DATE_NOTICE, l->address, "date-notice-",
	    subject, text, err) == -1)
		return -1;
	/* No advisory on its jobs: the ledger would count it a copy. */
	rc = jobs_for_members(t, l->address, p.id, NULL, NULL, &n, err);
	if (rc == 0)
		rc = put_told(t, &p, n, "advisory date notice", kw->advisory,
		    subject, err);
	post_clear(&p);
	return rc;
}

int
adv_tell_admins_later(struct store_txn *t, const char *list,
    const char *about, const char *subject, const char *text,
    struct pd_err *err)
{
	struct post p;
	size_t na, nm;
	int rc;

	if (own_words(&p, POST_NOTICE, list, "notice-", subject, text,
	    err) == -1)
		return -1;
	rc = jobs_for_role(t, list, p.id, POL_ROLE_ADMIN, &na, err);
	if (rc == 0)
		rc = jobs_for_role(t, list, p.id, POL_ROLE_MODERATOR, &nm, err);
	if (rc == 0)
		rc = put_told(t, &p, na + nm, "notice", about, subject, err);
	post_clear(&p);
	return rc;
}

/* What became of the revision, for the date notice: never its content. */
static const char *
became(const struct adv_decision *d)
{
	switch (d->action) {
	case ADV_DELIVER:
		return "The revision that moved it is sent to you separately.";
	case ADV_SUPPRESS:
		return "The revision that moved it is recorded but not sent "
		    "during the embargo (the list's policy); it is published "
		    "at the release.";
	default:
		return "The team released it early (Embargo: none).";
	}
}

/* ---- judging a revision ------------------------------------------------ */

/* Prefixes the advisory's id to a reason (the rules say "this advisory"). */
static void
name_it(const char *id, struct adv_decision *d)
{
	char why[sizeof d->reason];

	if (d->reason[0] == '\0')
		return;
	snprintf(why, sizeof why, "%s", d->reason);
	snprintf(d->reason, sizeof d->reason, "%s: %.*s", id,
	    (int)(sizeof d->reason - strlen(id) - 3), why);
}

/* p follows decision d: held, sent, suppressed or published. */
static int
apply(struct list *l, struct store_txn *t, struct post *p,
    const struct adv_decision *d, struct pd_err *err)
{
	int rc = 0;

	switch (d->action) {
	case ADV_HOLD:
		p->state = POST_HELD;
		p->reason = HOLD_ADVISORY;
		if (rec_set(&p->reason_text, d->reason) == -1)
			return pd_fail(err, PD_TEMPFAIL, "out of memory");
		return notice_poster_later(t, p, d->reason, err);
	case ADV_DELIVER:
		return jobs_post_to_members(t, p, err);
	case ADV_SUPPRESS:	/* the poster is told, encrypted */
		p->state = POST_NOTIFY;
		return 0;
	case ADV_PUBLISH:
		if (d->to_members)
			rc = jobs_post_to_members(t, p, err);
		if (rc == 0 && d->to_public) {
			rc = jobs_for_public(t, l->address, p->id, &p->kw,
			    l->public, l->npublic, err);
			p->public_copies = (long)l->npublic;
		}
		p->state = POST_DECIDED;
		return rc;
	}
	return 0;
}

int
adv_judge_post(struct list *l, struct store_txn *t, struct post *p,
    bool approved, struct pd_err *err)
{
	struct adv_facts f;
	struct adv_post ap;
	struct adv_decision ad;
	json_t *arec = NULL;
	int rc;

	if (adv_get(t, l->address, p->kw.advisory, &arec, &f, err) == -1)
		return -1;
	f.no_public = l->npublic == 0;
	adv_post_from(&p->kw, &ap);
	ap.approved = approved;
	adv_judge(l->pol, &f, &ap, time(NULL), &ad);
	name_it(p->kw.advisory, &ad);
	if (approved && ad.action == ADV_HOLD)
		rc = pd_fail(err, PD_REFUSED, "it is held still, %s: reject it "
		    "(listctl held reject) and post a new revision", ad.reason);
	else if (rec_set(&p->advisory_action, adv_action_name(ad.action)) ==
	    -1 || rec_set(&p->advisory_reason, ad.reason) == -1)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	else
		rc = apply(l, t, p, &ad, err);
	/* The date members hold changes with their notice, in t. */
	if (rc == 0 && ad.date_notice)
		rc = adv_date_notice_later(t, l, &p->kw, ad.old_embargo,
		    ad.state == ADV_EMBARGOED ? ad.embargo : 0, became(&ad),
		    err);
	if (rc == 0)
		rc = adv_put_revision(t, l->address, arec, &p->kw, p->id, &ad,
		    err);
	json_decref(arec);
	return rc;
}

/* ---- CVE reminders ------------------------------------------------------- */

/* Whether advisory record a is due a reminder at now. */
static bool
remind_due(const json_t *a, time_t now)
{
	const char *at = json_string_value(json_object_get(a, "cve-remind-at"));
	const char *done = json_string_value(json_object_get(a,
	    "cve-reminded-for"));
	const char *state = json_string_value(json_object_get(a, "state"));

	return at != NULL && state != NULL && strcmp(state, "embargoed") == 0 &&
	    json_array_size(json_object_get(a, "cve")) == 0 &&
	    parse_iso(at) <= now && (done == NULL || strcmp(done, at) != 0);
}

/* In t: the reminder about advisory a (as read before) to its list's team. */
static int
remind_one(struct store_txn *t, const json_t *seen, struct pd_err *err)
{
	const char *list = json_string_value(json_object_get(seen, "list"));
	const char *id = json_string_value(json_object_get(seen, "id"));
	char key[STORE_KEY_MAX], text[900], subject[128];
	struct post p;
	json_t *a = NULL;
	size_t n;
	int rc;

	if (list == NULL || id == NULL)
		return 0;
	store_member_key(list, id, key);
	if (store_get(t, STORE_ADVISORIES, key, &a, err) == -1)
		return -1;
	if (a == NULL || !remind_due(a, time(NULL))) {	/* changed meanwhile */
		json_decref(a);
		return 0;
	}
	snprintf(subject, sizeof subject, "%s has no CVE yet", id);
	snprintf(text, sizeof text, "%s on %s has no CVE yet: no revision "
	    "carried a CVE: line.\n\n  advisory:  %s\n  revision:  %lld\n  "
	    "embargo:   %s\n\nThe list's policy (require-cve = before-release) "
	    "wants each issue to have a CVE before it is public.  Post a "
	    "revision with CVE: CVE-YYYY-NNNN.  The release at the embargo "
	    "date is not delayed for it.\n", id, list, id, (long long)
	    json_integer_value(json_object_get(a, "revision")),
	    utc(parse_iso(json_string_value(json_object_get(a, "embargo")))).s);
	rc = own_words(&p, POST_CVE_REMINDER, list, "cve-reminder-", subject,
	    text, err);
	if (rc == 0) {
		rc = jobs_for_role(t, list, p.id, POL_ROLE_TEAM, &n, err);
		if (rc == 0)
			rc = put_told(t, &p, n, "advisory cve reminder", id,
			    subject, err);
		post_clear(&p);
	}
	json_object_set(a, "cve-reminded-for", json_object_get(a,
	    "cve-remind-at"));
	if (rc == 0)
		rc = store_put(t, STORE_ADVISORIES, key, a, false, err);
	json_decref(a);
	return rc;
}

int
adv_remind_due_all(struct store *st, unsigned *n, struct pd_err *err)
{
	struct store_txn *t;
	json_t *due, *a;
	size_t i;
	int rc = 0;

	*n = 0;
	if (adv_scan(st, remind_due, &due, err) == -1)
		return -1;
	json_array_foreach(due, i, a) {
		if ((rc = store_begin(st, true, &t, err)) == -1)
			break;
		if ((rc = remind_one(t, a, err)) == 0)
			rc = store_commit(t, err);
		else
			store_abort(t);
		if (rc != 0)
			break;
		++*n;
	}
	json_decref(due);
	return rc == 0 ? 0 : -1;
}
