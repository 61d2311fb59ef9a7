/* listd/own.c: see own.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "keys/keys.h"
#include "listd/auth.h"
#include "listd/handoff.h"
#include "listd/jobs.h"
#include "listd/notice.h"
#include "listd/own.h"

void
log_decision(const struct post *p)
{
	const char *what = p->state == POST_HELD ? "hold" :
	    p->kind == POST_OWNER_MAIL ? "to-admins" :
	    p->advisory_action[0] != '\0' ? p->advisory_action : "distribute";

	log_event("decision", "id=%s list=%s decision=%s reason=%s copies=%ld",
	    p->id, p->list, what, p->state == POST_HELD ?
	    hold_reason_name(p->reason) : "-", p->jobs > 0 ? p->jobs : 0);
}

int
own_unseal(struct list *l, const char *id, char **raw, size_t *len,
    struct pd_err *err)
{
	struct store_txn *t;
	char *sealed = NULL;
	size_t slen = 0;
	int rc;

	/* just taken in by this process: not unsealed again (handoff.h) */
	if (handoff_take(l->address, id, raw, len, time(NULL))) {
		log_debug("%s: message %s handed over by intake, not unsealed",
		    l->address, id);
		return 0;
	}
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = store_get_bytes(t, STORE_MESSAGES, id, &sealed, &slen, err);
	store_abort(t);
	if (rc == 0 && sealed != NULL)
		rc = keys_unseal(l->keys, sealed, slen, raw, len, err);
	free(sealed);
	return rc;
}

int
own_seal_subject(struct list *l, struct post *p, struct pd_err *err)
{
	char *sealed;
	size_t len;

	if (p->subject[0] == '\0')
		return 0;
	if (keys_seal(l->keys, l->fpr, p->subject, strlen(p->subject), true,
	    &sealed, &len, err) == -1)
		return -1;
	free(p->subject_sealed);
	p->subject_sealed = strndup(sealed, len);
	free(sealed);
	return p->subject_sealed != NULL ? 0 : pd_fail(err, PD_TEMPFAIL,
	    "out of memory");
}

/*
 * The post of kind in state that message in makes, with what the message
 * says of itself (From:, Subject, Message-ID: unverified, for display);
 * its subject sealed.  A message that cannot be read is still recorded.
 */
static int
own_post(struct list *l, const struct inbox_entry *in, enum post_kind kind,
    enum post_state state, struct post *p, struct pd_err *err)
{
	struct auth a;
	char *raw = NULL;
	size_t len = 0;
	int rc = 0;

	memset(&a, 0, sizeof a);
	if (post_from_inbox(p, in) == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	p->kind = kind;
	p->state = state;
	/* Over the size limit, or a broken seal: recorded, not read. */
	if (in->size <= (long long)l->pol->max_message_size) {
		if (own_unseal(l, in->id, &raw, &len, err) == -1)
			rc = err->status == PD_REFUSED ? 0 : -1;
		else if (raw != NULL)
			rc = auth_message(l->keys, l->address, raw, len, false,
			    &a, err);
	}
	if (rc == 0 && (rec_set(&p->from, a.from) | rec_set(&p->message_id,
	    a.message_id) | rec_set(&p->subject, a.subject) |
	    rec_set(&p->form, a.form) | rec_set(&p->in_reply_to,
	    a.in_reply_to) | rec_set(&p->references, a.references)) != 0)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (rc == 0)
		rc = own_seal_subject(l, p, err);
	auth_clear(&a);
	wipe_free(raw, len);
	if (rc == -1)
		post_clear(p);
	return rc;
}

/* Records p, its audit entry, and the inbox entry's end, in t. */
static int
own_record(struct store_txn *t, struct post *p, const struct inbox_entry *in,
    const char *action, const char *outcome, struct pd_err *err)
{
	json_t *d = json_pack("{s:s, s:s, s:s}", "to", rcpt_kind_name(in->to),
	    "sender", in->sender, "form", p->form);
	int rc;

	if (d == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	/* Its subject is kept sealed only. */
	rc = rec_set(&p->subject, "") == -1 ? pd_fail(err, PD_TEMPFAIL,
	    "out of memory") : audit_append(t, &(struct audit){ .time =
	    p->decided_at, .list = p->list, .actor = "listd", .action = action,
	    .subject = p->id, .outcome = outcome, .reason = p->reason_text,
	    .detail = d }, err);
	json_decref(d);
	if (rc == 0)
		rc = post_put(t, p, true, err);
	return rc == 0 ? store_del(t, STORE_INBOX, p->id, err) : -1;
}

static int
hold(struct list *l, const struct inbox_entry *in, enum hold_reason reason,
    const char *why, bool tell, struct pd_err *err)
{
	struct store_txn *t;
	struct post p;
	int rc;

	if (own_post(l, in, POST_MESSAGE, POST_HELD, &p, err) == -1)
		return -1;
	p.reason = reason;
	if (rec_set(&p.reason_text, why) == -1)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	else if ((rc = store_begin(l->st, true, &t, err)) == 0)
		rc = store_end(t, (tell && notice_held_later(t, &p,
		    err) == -1) || own_record(t, &p, in, "post hold",
		    hold_reason_name(reason), err) == -1 ? -1 : 0, err);
	if (rc == 0)
		log_decision(&p);
	post_clear(&p);
	return rc;
}

int
own_hold(struct list *l, const struct inbox_entry *in,
    enum hold_reason reason, const char *why, struct pd_err *err)
{
	return hold(l, in, reason, why, true, err);
}

int
own_keep(struct list *l, const struct inbox_entry *in,
    enum hold_reason reason, const char *why, struct pd_err *err)
{
	return hold(l, in, reason, why, false, err);
}

int
own_to_admins(struct list *l, const struct inbox_entry *in,
    struct pd_err *err)
{
	struct store_txn *t;
	struct post p;
	size_t n = 0;
	int rc;

	if (own_post(l, in, POST_OWNER_MAIL, POST_DECIDED, &p, err) == -1)
		return -1;
	p.moderated = true;	/* from anyone: sent on as it is, encrypted */
	if ((rc = store_begin(l->st, true, &t, err)) == -1)
		goto out;
	rc = jobs_for_role(t, l->address, p.id, POL_ROLE_ADMIN, &n, err);
	p.jobs = (long)n;
	if (rc == 0 && n == 0) {
		p.state = POST_HELD;
		p.reason = HOLD_OWNER;
		if (rec_set(&p.reason_text, "mail to the owner address, and the "
		    "list has no active admin to send it to: add one, then "
		    "held approve") == -1)
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
		else
			rc = notice_held_later(t, &p, err);
	}
	if (rc == 0)
		rc = own_record(t, &p, in, n ? "owner mail" : "post hold", n ?
		    "to the admins" : "owner", err);
	if ((rc = store_end(t, rc, err)) == 0)
		log_decision(&p);
out:
	post_clear(&p);
	return rc;
}
