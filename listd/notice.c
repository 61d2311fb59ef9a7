/* listd/notice.c: see notice.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "keys/keys.h"
#include "listd/jobs.h"
#include "listd/msg.h"
#include "listd/notice.h"
#include "listd/held.h"
#include "listd/route.h"

#define AUTO_REPLY_PERIOD	86400	/* one auto-reply per sender a day */

/* ---- queued ------------------------------------------------------------ */

/* A new post of kind in state on list, named id; p is cleared on failure. */
static int
new_post(struct post *p, enum post_kind kind, enum post_state state,
    const char *list, const char *id, struct pd_err *err)
{
	post_init(p, kind, state);
	if (rec_set(&p->id, id) == -1 || rec_set(&p->list, list) == -1) {
		post_clear(p);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	p->decided_at = time(NULL);
	return 0;
}

/* Stores p (new) and clears it. */
static int
put_new(struct store_txn *t, struct post *p, int rc, struct pd_err *err)
{
	if (rc != 0)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	else
		rc = post_put(t, p, true, err);
	post_clear(p);
	return rc;
}

int
notice_moderators_later(struct store_txn *t, const char *list, const char *id,
    const char *text, const char *sealed_subject, struct pd_err *err)
{
	struct post p;

	if (new_post(&p, POST_HELD_NOTICE, POST_NOTIFY, list, id, err) == -1)
		return -1;
	return put_new(t, &p, rec_set(&p.text, text) | rec_set(
	    &p.subject_sealed, sealed_subject), err);
}

int
notice_held_later(struct store_txn *t, const struct post *h,
    struct pd_err *err)
{
	char nid[POST_ID_MAX + 16], text[2000], request[ADDR_MAX + 1];

	route_address(h->list, RCPT_REQUEST, "", request);
	snprintf(text, sizeof text, "Message %s to %s is held: %s\n\n"
	    "To approve it, reply to this notice (to %s), signed, with these "
	    "two lines:\n\nList: %s\nheld approve %s\n\nTo reject it, and "
	    "tell the sender why:\n\nList: %s\nheld reject %s --reason "
	    "\"...\"\n\nOn the list server: listctl held show %s %s "
	    "--message, then held approve or held reject.\n\n"
	    "  reason:  %s\n  from:    %s\n  sender:  %s\n", h->id, h->list,
	    hold_reason_name(h->reason), request, h->list, h->id, h->list,
	    h->id, h->list, h->id, h->reason_text, h->from, h->sender);
	snprintf(nid, sizeof nid, "held-notice-%s", h->id);
	return notice_moderators_later(t, h->list, nid, text, h->subject_sealed,
	    err);
}

int
notice_poster_later(struct store_txn *t, const struct post *post,
    const char *why, struct pd_err *err)
{
	char tid[POST_ID_MAX + 8];
	struct post p;

	snprintf(tid, sizeof tid, "held-%s", post->id);
	if (new_post(&p, POST_HELD_REVISION, POST_NOTIFY, post->list, tid,
	    err) == -1)
		return -1;
	p.has_keywords = post->has_keywords;
	p.kw = post->kw;
	return put_new(t, &p, rec_set(&p.signer_address, post->signer_address) |
	    rec_set(&p.advisory_reason, why), err);
}

/*
 * A post of the list's own words, signed in clear, to one address; its
 * subject is sealed (opened to send) when sealed is not "".
 */
static int
clear_notice_later(struct store_txn *t, enum post_kind kind, const char *list,
    const char *id, const char *to, const char *subject, const char *sealed,
    const char *text, const char *in_reply_to, struct pd_err *err)
{
	char *const addr[] = { (char *)to };
	struct post p;

	if (new_post(&p, kind, POST_DECIDED, list, id, err) == -1)
		return -1;
	if (jobs_for_public(t, list, id, NULL, addr, 1, err) == -1) {
		post_clear(&p);
		return -1;
	}
	return put_new(t, &p, rec_set(&p.subject, subject) |
	    rec_set(&p.subject_sealed, sealed) | rec_set(&p.text, text) |
	    rec_set(&p.in_reply_to, in_reply_to), err);
}

int
notice_auto_reply_later(struct store_txn *t, const struct list *l,
    const struct post *h, struct pd_err *err)
{
	char sender[ADDR_MAX + 1], what[ADDR_MAX + 16], pid[64], text[600];
	char seen_post[POST_ID_MAX];
	struct pd_err ignore;
	struct member m;
	time_t now = time(NULL), at;
	bool found;

	if (!l->pol->auto_reply || !h->may_auto_reply ||
	    (h->reason != HOLD_UNSIGNED && h->reason != HOLD_NON_MEMBER) ||
	    addr_normalize(h->sender, sender, &ignore) == -1 ||
	    strncmp(sender, "mailer-daemon@", 14) == 0 ||
	    list_own_address(l->address, sender))
		return 0;
	/* Members are not auto-replied to; reporters are. */
	if (member_get(t, l->address, sender, &m, &found, err) == -1)
		return -1;
	if (found && m.role != POL_ROLE_REPORTER)
		return 0;
	snprintf(what, sizeof what, "auto-reply:%s", sender);
	if (seen_get(t, l->address, what, seen_post, &at, &found, err) == -1)
		return -1;
	if (found && now - at < AUTO_REPLY_PERIOD)
		return 0;
	if (make_id("auto-reply-", pid, sizeof pid) == -1)
		return pd_fail(err, PD_TEMPFAIL, "auto-reply: no randomness");
	if (seen_put(t, l->address, what, pid, now, err) == -1)
		return -1;
	snprintf(text, sizeof text, "Your message to %s is held for moderation.\n"
	    "A moderator will look at it; you will hear from the list when it "
	    "is approved.\n\nThis is an automatic reply; at most one a day is "
	    "sent to an address.\n", l->address);
	return clear_notice_later(t, POST_AUTO_REPLY, l->address, pid, sender,
	    "Your message is held for moderation", "", text, h->message_id,
	    err);
}

int
notice_reject_later(struct store_txn *t, const struct post *held,
    const char *sender, const char *reason, size_t *n, struct pd_err *err)
{
	char pid[64];

	*n = 0;
	if (make_id("reject-", pid, sizeof pid) == -1)
		return pd_fail(err, PD_TEMPFAIL, "reject: no randomness");
	/* Named by its Subject, opened only to send, where it came in clear:
	   a notice signed in clear does not repeat what came encrypted. */
	if (clear_notice_later(t, POST_REJECT_NOTICE, held->list, pid, sender,
	    "Your message to the list was rejected", strstr(held->form,
	    "encrypted") == NULL ? held->subject_sealed : "", reason,
	    held->message_id, err) == -1)
		return -1;
	*n = 1;
	return 0;
}

/* ---- sent ---------------------------------------------------------------- */

#define ROLE(r)	(1u << (r))

/* The recipients of a notice: to alone, or the members of the roles. */
static int
recipients(struct list *l, const char *to,
    unsigned roles, struct rcpt **r, size_t *n, struct pd_err *err)
{
	struct member_set ms;
	struct store_txn *t;
	size_t i;
	int rc;

	*r = NULL;
	*n = 0;
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = member_collect(t, l->address, &ms, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	if ((*r = calloc(ms.n + 1, sizeof **r)) == NULL)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	for (i = 0; rc == 0 && i < ms.n; i++) {
		const struct member *m = &ms.v[i];

		if (!m->active || (to != NULL ? strcmp(m->address, to) != 0 :
		    (roles & ROLE(m->role)) == 0))
			continue;
		rc = enc_check(l, m, m->address, time(NULL), &(*r)[(*n)++], err);
	}
	member_set_free(&ms);
	return rc;
}

/* Stores an encrypted notice with a ready job per recipient, in one txn. */
static int
store_notice(struct list *l, const char *id, const char *subject,
    const char *cipher, size_t clen, const struct rcpt *r, size_t n,
    struct pd_err *err)
{
	struct store_txn *t;
	char mkey[POST_ID_MAX + 8];
	struct post p;
	struct job j;
	json_t *d;
	size_t i;
	int rc;

	if ((d = json_pack("{s:s}", "about", subject)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (new_post(&p, POST_NOTICE, POST_ENCRYPTED, l->address, id,
	    err) == -1 || store_begin(l->st, true, &t, err) == -1) {
		post_clear(&p);
		json_decref(d);
		return -1;
	}
	snprintf(mkey, sizeof mkey, "%s.pgp", id);
	rc = post_put(t, &p, true, err);
	if (rc == 0)
		rc = store_put_bytes(t, STORE_MESSAGES, mkey, cipher, clen, true,
		    err);
	for (i = 0; rc == 0 && i < n; i++) {
		job_init(&j, l->address, id, r[i].address, false, NULL);
		enc_job(&j, &r[i]);
		rc = job_put(t, &j, true, err);
	}
	if (rc == 0)
		rc = audit_append(t, &(struct audit){ .list = l->address,
		    .actor = "listd", .action = "notice", .subject = id,
		    .outcome = "encrypted", .detail = d }, err);
	post_clear(&p);
	json_decref(d);
	if ((rc = store_end(t, rc, err)) == 0)
		log_event("notice", "list=%s post=%s state=encrypted copies=%zu",
		    l->address, id, n);
	return rc;
}

/* Records that a notice about subject could not be sent, and why. */
static void
undeliverable(struct list *l, const char *subject, const char *why)
{
	struct store_txn *t;
	struct pd_err err;
	json_t *d = json_pack("{s:s}", "why", why);
	char q[300];

	log_event("notice", "list=%s state=undeliverable why=%s", l->address,
	    log_q(why, q, sizeof q));
	if (store_begin(l->st, true, &t, &err) == -1) {
		json_decref(d);
		return;
	}
	if (audit_append(t, &(struct audit){ .list = l->address, .actor =
	    "listd", .action = "notice", .subject = subject, .outcome =
	    "undeliverable", .detail = d }, &err) == 0)
		store_commit(t, &err);
	else
		store_abort(t);
	json_decref(d);
}

/* Encrypted to the members of roles (or to to alone), message attached. */
static int
send_roles(struct list *l, const char *to, unsigned roles,
    const char *subject, const char *text, const char *message, size_t mlen,
    struct pd_err *err)
{
	struct msg_protected ph = { subject, l->address, to ? to : l->address,
	    NULL, NULL };
	struct rcpt *r = NULL;
	char id[64], *payload = NULL, *cipher = NULL;
	size_t i, n = 0, plen = 0, clen = 0, usable = 0;
	int rc;

	rc = recipients(l, to, roles, &r, &n, err);
	for (i = 0; rc == 0 && i < n; i++)
		usable += r[i].skip[0] == '\0';
	if (rc == 0 && usable == 0)
		rc = pd_fail(err, PD_REFUSED, "%s", to ? "the recipient has no "
		    "usable key" : "no admin with a usable key");
	if (rc == 0 && make_id("notice-", id, sizeof id) == -1)
		rc = pd_fail(err, PD_TEMPFAIL, "no randomness");
	if (rc == 0)
		rc = msg_text_message_payload(text, strlen(text), message,
		    mlen, &ph, &payload, &plen, err);
	if (rc == 0)
		rc = enc_once(l, payload, plen, r, n, &cipher, &clen, err);
	if (rc == 0)
		rc = store_notice(l, id, subject, cipher, clen, r, n, err);
	if (rc == -1 && err->status == PD_REFUSED) {
		undeliverable(l, subject, err->text);
		rc = 0;
	}
	wipe_free(payload, plen);
	free(cipher);
	free(r);
	return rc;
}

static int
send_to(struct list *l, const char *to, unsigned roles,
    const char *subject, const char *text, struct pd_err *err)
{
	return send_roles(l, to, roles, subject, text, NULL, 0, err);
}

int
notice_send_message(struct list *l, const char *to, bool moderators,
    const char *subject, const char *text, const char *message, size_t mlen,
    struct pd_err *err)
{
	return send_roles(l, to, ROLE(POL_ROLE_ADMIN) | (moderators ?
	    ROLE(POL_ROLE_MODERATOR) : 0), subject, text, message, mlen, err);
}

int
notice_send(struct list *l, const char *to,
    bool moderators, const char *subject, const char *text,
    struct pd_err *err)
{
	return send_to(l, to, ROLE(POL_ROLE_ADMIN) | (moderators ?
	    ROLE(POL_ROLE_MODERATOR) : 0), subject, text, err);
}

void
notice_tell(struct list *l, const char *subject,
    const char *text)
{
	notice_tell_team(l, false, subject, text);
}

void
notice_tell_team(struct list *l, bool team, const char *subject,
    const char *text)
{
	struct pd_err err = { 0 };

	if (send_to(l, NULL, ROLE(POL_ROLE_ADMIN) | (team ?
	    ROLE(POL_ROLE_TEAM) : 0), subject, text, &err) == -1)
		undeliverable(l, subject, err.text);
}

/*
 * A notice to the moderators and admins about held mail, with its subject
 * and the held message itself (as message/rfc822, up to max-message-size)
 * unsealed only here, for the notice encrypted to them.
 */
static int
tell_moderators(struct list *l, const struct post *p,
    struct pd_err *err)
{
	const char *held = strncmp(p->id, "held-notice-", 12) == 0 ?
	    p->id + 12 : NULL;
	char *subject = NULL, *text, *message = NULL, why[300] = "";
	size_t slen = 0, mlen = 0;
	struct pd_err ignore;
	int n, rc;

	if (p->subject_sealed[0] != '\0' && keys_unseal(l->keys,
	    p->subject_sealed, strlen(p->subject_sealed), &subject, &slen,
	    &ignore) == -1)
		subject = NULL;
	if (held != NULL && held_message(l->keys, l->st, l->address, held,
	    l->pol->max_message_size, &message, &mlen, &ignore) == -1) {
		if (ignore.status != PD_REFUSED)
			return pd_fail(err, ignore.status, "%s", ignore.text);
		snprintf(why, sizeof why, "\nThe held message is not attached: "
		    "%.200s.\n", ignore.text);
	}
	n = asprintf(&text, "%s%s%s%s%s", p->text, p->subject_sealed[0] ?
	    "  subject: " : "", p->subject_sealed[0] == '\0' ? "" : subject !=
	    NULL ? subject : "(its seal does not open)",
	    p->subject_sealed[0] ? "\n" : "", message != NULL ? "\nThe held "
	    "message is attached, as it came.\n" : why);
	wipe_free(subject, slen);
	if (n == -1) {
		wipe_free(message, mlen);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	rc = notice_send_message(l, NULL, true, "pdlist: a message is held",
	    text, message, mlen, err);
	wipe_free(message, mlen);
	wipe_free(text, (size_t)n);
	return rc;
}

/*
 * A revision recorded but not sent (an update during the embargo), or held
 * for its embargo, or any post of the team held (HELD_REVISION): the poster
 * is told why, in a notice encrypted to its key and signed by the list.
 */
static int
tell_poster(struct list *l, const struct post *p,
    struct pd_err *err)
{
	bool held = p->kind == POST_HELD_REVISION;
	const char *id = strncmp(p->id, "held-", 5) == 0 ? p->id + 5 : p->id;
	char text[1024];

	if (p->kw.advisory[0] == '\0') {	/* not (yet) an advisory */
		snprintf(text, sizeof text, "Your post %s to %s was held: "
		    "nothing was sent.\n\n%s\n\nSend it again as the reason "
		    "says, or ask a moderator to look at it (listctl held show "
		    "%s %s).\n", id, l->address, p->advisory_reason,
		    l->address, id);
		return notice_send(l, p->signer_address, false, "pdlist: your "
		    "post was held", text, err);
	}
	snprintf(text, sizeof text, "Revision %ld of %s on %s was %s.\n\n%s\n",
	    p->kw.revision, p->kw.advisory, l->address, held ? "held: nothing "
	    "was sent" : "recorded but not sent to the members",
	    p->advisory_reason);
	return notice_send(l, p->signer_address, false, held ? "pdlist: a "
	    "revision was held" : "pdlist: a revision was not re-sent", text,
	    err);
}

int
notice_prepare(struct list *l, struct post *p,
    struct pd_err *err)
{
	struct store_txn *t;

	if ((p->kind == POST_HELD_NOTICE ? tell_moderators(l, p, err) :
	    tell_poster(l, p, err)) == -1)
		return -1;	/* temporary: the notice is written next time */
	p->state = p->kind == POST_MESSAGE ? POST_SUPPRESSED : POST_TOLD;
	if (store_begin(l->st, true, &t, err) == -1)
		return -1;
	return store_end(t, post_put(t, p, false, err), err);
}
