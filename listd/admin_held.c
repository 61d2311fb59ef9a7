/* listd/admin_held.c: held messages and moderation, see admin.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys.h"
#include "listd/admin_int.h"
#include "listd/advisory.h"
#include "listd/jobs.h"
#include "listd/list.h"
#include "listd/notice.h"
#include "listd/record.h"
#include "listd/reporter.h"

/*
 * Held records keep their subject sealed to the list's key (process.c):
 * opened here, for the moderator's eyes only, into the JSON "subject".
 */
static json_t *
held_json(struct keys *k, struct post *h)
{
	struct pd_err ignore;
	char *plain = NULL;
	size_t len = 0;
	json_t *o;
	int rc = 0;

	if (h->subject_sealed[0] != '\0') {
		if (keys_unseal(k, h->subject_sealed, strlen(h->subject_sealed),
		    &plain, &len, &ignore) == -1)
			rc = rec_set(&h->subject, "(its seal does not open)");
		else {
			free(h->subject);
			h->subject = strndup(plain, len);
			rc = h->subject == NULL ? -1 : rec_set(&h->subject_sealed,
			    "");
		}
		wipe_free(plain, len);
	}
	o = rc == 0 && h->subject != NULL ? post_json(h) : NULL;
	wipe_free(h->subject, h->subject ? strlen(h->subject) : 0);
	h->subject = NULL;
	return o;
}

/* The held messages of list_in (with id, only that one) as JSON. */
static int
held_records(struct admin *a, const char *list_in, const char *id,
    json_t **out, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct list_paths p;
	struct post_set held;
	struct store_txn *t;
	struct keys *k = NULL;
	json_t *o;
	size_t i;
	int rc;

	*out = NULL;
	if (existing_list(a, list_in, list, err) == -1)
		return -1;
	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = post_collect(t, true, list, &held, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	list_paths(a->conf->datadir, list, &p);
	if ((rc = keys_open(p.home, 0, &k, err)) == 0 &&
	    (*out = json_array()) == NULL)
		rc = pd_fail(err, PD_FAIL, "out of memory");
	for (i = 0; rc == 0 && i < held.n; i++) {
		if (id != NULL && strcmp(held.v[i].id, id) != 0)
			continue;
		if ((o = held_json(k, &held.v[i])) == NULL ||
		    json_array_append_new(*out, o) == -1)
			rc = pd_fail(err, PD_FAIL, "out of memory");
	}
	if (rc == 0 && id != NULL && json_array_size(*out) == 0)
		rc = pd_fail(err, PD_REFUSED, "no held message %s on %s: see "
		    "listctl held ls %s", id, list, list);
	if (rc == -1) {
		json_decref(*out);
		*out = NULL;
	}
	keys_close(k);
	post_set_free(&held);
	return rc;
}

int
admin_held_ls(struct admin *a, const char *list, json_t **held,
    struct pd_err *err)
{
	return held_records(a, list, NULL, held, err);
}

int
admin_held_show(struct admin *a, const char *list, const char *id,
    json_t **rec, struct pd_err *err)
{
	json_t *one;

	*rec = NULL;
	if (held_records(a, list, id, &one, err) == -1)
		return -1;
	*rec = json_incref(json_array_get(one, 0));
	json_decref(one);
	return 0;
}

/* ---- moderation ----------------------------------------------------------- */

/* Takes the held message id in t (refused when there is none). */
static int
take_held(struct store_txn *t, const char *list, const char *id,
    struct post *h, struct pd_err *err)
{
	bool found;

	if (post_get(t, true, list, id, h, &found, err) == -1)
		return -1;
	if (!found)
		return pd_fail(err, PD_REFUSED, "no held message %s on %s (or it "
		    "was decided already): see listctl held ls %s", id, list,
		    list);
	return post_del(t, true, list, id, err);
}

/* The post a held message h becomes when approved: its id is h's. */
static int
approved_post(struct admin *a, const struct post *h, struct post *p,
    struct pd_err *err)
{
	post_init(p, POST_APPROVED, POST_DECIDED);
	p->moderated = true;
	p->held_for = h->reason;
	p->decided_at = p->approved_at = time(NULL);
	if (rec_set(&p->id, h->id) | rec_set(&p->list, h->list) |
	    rec_set(&p->subject_sealed, h->subject_sealed) |
	    rec_set(&p->approved_by, a->actor)) {
		post_clear(p);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	return 0;
}

/* The held message itself goes on, approved. */
static int
approve(struct admin *a, struct store_txn *t, const struct post *h,
    size_t *n, char reporter[ADDR_MAX + 1], struct pd_err *err)
{
	const char *r;
	struct post p;
	int rc;

	if (approved_post(a, h, &p, err) == -1)
		return -1;
	rc = jobs_for_members(t, h->list, h->id, NULL, NULL, n, err);
	if (rc == 0)
		rc = reporter_thread_start(t, h->list, h, h->id, &r, err);
	if (rc == 0 && r != NULL) {
		snprintf(reporter, ADDR_MAX + 1, "%s", r);
		if (rec_set(&p.reporter, r) == -1)
			rc = pd_fail(err, PD_FAIL, "out of memory");
	}
	if (rc == 0)
		rc = post_put(t, &p, true, err);
	post_clear(&p);
	return rc;
}

/*
 * An advisory's revision held by the embargo rules is judged again on
 * approval, as approved (advisory.h): it goes where the rules send it now,
 * the advisory's record follows, and a decision that still holds it
 * refuses the approval.  Before the transaction: whether id is such a
 * revision, and then its list *l (NULL otherwise).
 */
static int
held_revision(struct admin *a, const char *list, const char *id,
    struct list **l, struct pd_err *err)
{
	struct store_txn *t;
	struct post h;
	bool found;
	int rc;

	*l = NULL;
	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = post_get(t, true, list, id, &h, &found, err);
	store_abort(t);
	if (rc == 0 && found && h.reason == HOLD_ADVISORY && h.has_keywords)
		rc = list_open(a->store, a->conf->datadir, list, 0, l, err);
	post_clear(&h);
	return rc;
}

/* The held revision h goes on as its approved post, judged again in t. */
static int
approve_revision(struct admin *a, struct store_txn *t, struct list *l,
    const struct post *h, size_t *n, struct pd_err *err)
{
	struct post p;
	int rc;

	if (approved_post(a, h, &p, err) == -1)
		return -1;
	p.has_keywords = true;
	p.kw = h->kw;
	if (rec_set(&p.signer, h->signer) == -1 ||
	    rec_set(&p.signer_address, h->signer_address) == -1)
		rc = pd_fail(err, PD_FAIL, "out of memory");
	else
		rc = adv_judge_post(l, t, &p, true, err);
	if (rc == 0)
		rc = post_put(t, &p, true, err);
	*n = p.jobs > 0 ? (size_t)p.jobs : 0;
	post_clear(&p);
	return rc;
}

/*
 * Whom a rejection with a reason tells: the envelope sender, when there is
 * one to tell (not a bounce's, not the list's own), into to ("" for none).
 */
static void
reject_to(const char *list, const struct post *h, char to[ADDR_MAX + 1])
{
	struct pd_err ignore;

	if (addr_normalize(h->sender, to, &ignore) == -1 ||
	    strncmp(to, "mailer-daemon@", 14) == 0 ||
	    list_own_address(list, to))
		to[0] = '\0';
}

static int
moderate(struct admin *a, const char *list_in, const char *id, bool approved,
    const char *reason, char told[ADDR_MAX + 1], struct pd_err *err)
{
	char list[ADDR_MAX + 1], reporter[ADDR_MAX + 1] = "";
	struct store_txn *t = NULL;
	const char *action = approved ? "held approve" : "held reject";
	struct list *l = NULL;
	struct post h;
	json_t *detail = NULL;
	size_t n = 0;
	int rc = -1;

	told[0] = '\0';
	post_init(&h, POST_MESSAGE, POST_HELD);
	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	if ((approved && held_revision(a, list, id, &l, err) == -1) ||
	    store_begin(a->store, true, &t, err) == -1)
		goto out;
	if (take_held(t, list, id, &h, err) == -1)
		goto out;
	if (approved && l != NULL)
		rc = approve_revision(a, t, l, &h, &n, err);
	else if (approved)
		rc = approve(a, t, &h, &n, reporter, err);
	else {
		rc = store_del(t, STORE_MESSAGES, id, err);
		if (reason != NULL)
			reject_to(list, &h, told);
		if (rc == 0 && told[0] != '\0')
			rc = notice_reject_later(t, &h, told, reason, &n, err);
	}
	if (rc == -1)
		goto out;
	detail = json_pack("{s:s, s:s, s:I, s:s*, s:s*, s:s*}", "held-for",
	    hold_reason_name(h.reason), "from", h.from, "copies", (json_int_t)n,
	    "reporter", reporter[0] ? reporter : NULL, "reason", reason,
	    "told", told[0] ? told : NULL);
	rc = detail ? audit_done(a, t, list, action, id, detail, err) :
	    pd_fail(err, PD_FAIL, "out of memory");
	if (rc == 0) {
		rc = store_commit(t, err);
		t = NULL;
	}
out:
	store_abort(t);
	list_close(l);
	if (rc == -1)
		told[0] = '\0';
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, action, id, err, NULL);
	json_decref(detail);
	post_clear(&h);
	return rc;
}

int
admin_held_approve(struct admin *a, const char *list, const char *id,
    struct pd_err *err)
{
	char none[ADDR_MAX + 1];

	return moderate(a, list, id, true, NULL, none, err);
}

int
admin_held_reject(struct admin *a, const char *list, const char *id,
    const char *reason, char told[ADDR_MAX + 1], struct pd_err *err)
{
	return moderate(a, list, id, false, reason, told, err);
}
