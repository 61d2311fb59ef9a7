/*
 * listd/process.c: see process.h.
 *
 * For each message in the inbox: unseal it, authenticate it (auth.c),
 * look its signing keys up among the list's members, decide (decide.c),
 * then, in one transaction, judge what only the store can tell (replays,
 * the advisory's embargo, reporters' threads) and record everything.
 * Store and gpg failures are temporary all the way up: the message stays
 * in the inbox; only a message's own bytes make a hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys.h"
#include "listd/advisory.h"
#include "listd/auth.h"
#include "listd/bounce.h"
#include "listd/decide.h"
#include "listd/handoff.h"
#include "listd/jobs.h"
#include "listd/memberpost.h"
#include "listd/notice.h"
#include "listd/own.h"
#include "listd/process.h"
#include "listd/record.h"
#include "listd/reporter.h"
#include "listd/request.h"
#include "listd/work.h"
#include "policy/embargo.h"
#include "common/log.h"

/* ---- payloads kept for fan-out ------------------------------------------ */

void
payload_cache_free(struct payload_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		wipe_free(c->v[i].data, c->v[i].len);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Keeps (takes) the payload of post id of list; dropped when out of memory. */
static void
payload_keep(struct payload_cache *c, const char *list, const char *id,
    char **data, size_t *len)
{
	struct cached_payload *nv;

	if (c == NULL || *data == NULL ||
	    (nv = realloc(c->v, (c->n + 1) * sizeof *nv)) == NULL)
		return;
	c->v = nv;
	store_member_key(list, id, nv[c->n].key);
	nv[c->n].data = *data;
	nv[c->n].len = *len;
	c->n++;
	*data = NULL;
	*len = 0;
}

static const struct cached_payload *
payload_find(const struct payload_cache *c, const char *list, const char *id)
{
	char key[STORE_KEY_MAX];
	size_t i;

	store_member_key(list, id, key);
	for (i = 0; c != NULL && i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0)
			return &c->v[i];
	return NULL;
}

/* ---- before the decision --------------------------------------------------- */

struct signers_of {
	const struct auth *a;
	struct signer	*signers;
};

/* m, when one of the signatures is by its key. */
static int
signer_of(const struct member *m, void *arg)
{
	struct signers_of *s = arg;
	size_t i;

	for (i = 0; i < s->a->sigs.n && i < KEYS_MAX_SIGS; i++)
		if (!s->signers[i].member &&
		    strcmp(m->fingerprint, s->a->sigs.sig[i].fpr) == 0) {
			s->signers[i].member = true;
			snprintf(s->signers[i].address,
			    sizeof s->signers[i].address, "%s", m->address);
			s->signers[i].role = m->role;
			s->signers[i].active = m->active;
		}
	return 0;
}

int
process_signers(struct list *l, const struct auth *a,
    struct signer signers[KEYS_MAX_SIGS], struct pd_err *err)
{
	struct signers_of s = { a, signers };
	struct store_txn *t;
	int rc;

	memset(signers, 0, KEYS_MAX_SIGS * sizeof *signers);
	if (a->sigs.n == 0)
		return 0;
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = member_each(t, l->address, signer_of, &s, err);
	store_abort(t);
	return rc == 0 ? 0 : -1;
}

/* The post (or held message) the decision makes of the inbox entry. */
static int
decision_post(const struct inbox_entry *in, const struct auth *a,
    const struct decision *d, struct post *p)
{
	int rc;

	if (post_from_inbox(p, in) == -1)
		return -1;
	p->may_auto_reply = a->may_auto_reply;
	p->state = d->distribute ? POST_DECIDED : POST_HELD;
	rc = rec_set(&p->from, a->from) | rec_set(&p->message_id,
	    a->message_id) | rec_set(&p->subject, d->distribute ?
	    auth_protected_subject(a) : a->subject) |
	    rec_set(&p->subject_from, a->subject_from) |
	    rec_set(&p->form, a->form) | rec_set(&p->in_reply_to,
	    a->in_reply_to) | rec_set(&p->references, a->references);
	if (d->signer[0] != '\0')
		rc |= rec_set(&p->signer, d->signer) |
		    rec_set(&p->signer_address, d->signer_address);
	else if (a->sigs.n > 0)
		rc |= rec_set(&p->signer, a->sigs.sig[0].fpr);
	if (d->distribute) {
		p->has_keywords = d->kw.present;
		p->kw = d->kw;
	} else {
		p->reason = d->reason;
		rc |= rec_set(&p->reason_text, d->text);
	}
	return rc == 0 ? 0 : -1;
}

/*
 * An Extension's or Restart's reason (field: KW_SEALED_MAX bytes), sealed
 * in place: the store and the audit keep no embargoed words in clear.
 */
static int
seal_reason(struct list *l, char *field, struct pd_err *err)
{
	char *sealed;
	size_t len;

	if (field[0] == '\0')
		return 0;
	if (keys_seal(l->keys, l->fpr, field, strlen(field), true, &sealed,
	    &len, err) == -1)
		return -1;
	if (len >= KW_SEALED_MAX) {
		free(sealed);
		return pd_fail(err, PD_TEMPFAIL, "a sealed reason is %zu bytes, "
		    "more than %d", len, KW_SEALED_MAX - 1);
	}
	memcpy(field, sealed, len);
	field[len] = '\0';
	free(sealed);
	return 0;
}

/* ---- in the decision's transaction ----------------------------------------- */

/* Turns p into a hold for reason (text: one line). */
static int
to_hold(struct post *p, enum hold_reason reason, const char *text)
{
	p->state = POST_HELD;
	p->reason = reason;
	return rec_set(&p->reason_text, text);
}

/* Jobs for every active member. */
static int
make_jobs(struct store_txn *t, struct post *p, struct pd_err *err)
{
	size_t n;

	if (jobs_for_members(t, p->list, p->id, p->has_keywords ? &p->kw :
	    NULL, NULL, &n, err) == -1)
		return -1;
	p->state = POST_DECIDED;
	p->jobs = (long)n;
	return 0;
}

/*
 * An advisory's revision, judged in t by the embargo rules: delivered to
 * the members, suppressed (recorded; the poster is told), published, or
 * held after all (the poster is told); a new date comes with a date notice
 * to every member (advisory.h).
 */
static int
judge_advisory(struct list *l, struct store_txn *t, struct post *p,
    struct pd_err *err)
{
	return adv_judge_post(l, t, p, false, err);
}

/*
 * Whether the deciding signature was seen on this list before: the same
 * key, the same signature time, the same signature (gpg's SIG_ID, a digest
 * of the signature itself, whatever framing or line ends carried it).  A replay is held;
 * otherwise the signature is remembered.
 */
static int
replayed(struct store_txn *t, struct post *p, const struct decision *d,
    bool *replay, struct pd_err *err)
{
	char sig[160], post[POST_ID_MAX], why[300];
	time_t at;

	snprintf(sig, sizeof sig, "%s.%lld.%s", d->signer,
	    (long long)d->signed_at, d->sig_id);
	if (seen_get(t, p->list, sig, post, &at, replay, err) == -1)
		return -1;
	if (!*replay)
		return seen_put(t, p->list, sig, p->id, p->decided_at, err);
	snprintf(why, sizeof why, "this signature was seen before, on post %s: "
	    "a replay is not sent again", post);
	return to_hold(p, HOLD_REPLAY, why) == 0 ? 0 : pd_fail(err,
	    PD_TEMPFAIL, "out of memory");
}

/*
 * A signature older than the policy's max-signature-age is held: a post
 * signed long ago and sent now is more likely replayed than late.
 */
static int
stale(const struct policy *pol, struct post *p, const struct decision *d)
{
	long long age = (long long)(p->decided_at - d->signed_at);
	long long max = (long long)pol->max_signature_age_days * 86400;
	char why[300];

	if (max <= 0 || d->signed_at == 0 || age <= max)
		return 0;
	snprintf(why, sizeof why, "the signature was made %lld days ago, "
	    "longer ago than max-signature-age (%u days): sign the post again "
	    "and send it", age / 86400, pol->max_signature_age_days);
	return to_hold(p, HOLD_STALE, why);
}

/*
 * Whether a held message is the reporter's further mail in its thread that
 * the policy lets go on: signed by the reporter's key, or (accept) from
 * the reporter's address with no signature or an unknown one, answering a
 * copy pdlist sent the reporter (its Message-ID is the token).  Anything
 * graver (a bad signature, a loop, malformed mail) stays held.
 */
static bool
follow_up(const struct policy *pol, const struct post *p,
    const struct decision *d, const char *reporter, bool token)
{
	if (pol->reporter_followups == POL_FOLLOW_HOLD ||
	    p->message_id[0] == '\0')
		return false;
	if (p->reason == HOLD_NOT_TEAM && strcmp(d->reporter_signer,
	    reporter) == 0)
		return true;
	/* Unsigned: From: is anyone's to write; the token is the reporter's. */
	return pol->reporter_followups == POL_FOLLOW_ACCEPT &&
	    (p->reason == HOLD_UNSIGNED || p->reason == HOLD_NON_MEMBER) &&
	    strcmp(p->from, reporter) == 0 && token;
}

/*
 * Reporters' threads (reporter.h).  A post that goes to the members in a
 * reporter's thread joins the thread and is copied to the reporter; a held
 * message that is the reporter's follow-up goes on instead, unless its
 * Message-ID was seen in the thread before, when it stays held as a replay.
 */
static int
in_thread(struct list *l, struct store_txn *t, struct post *p,
    const struct decision *d, struct pd_err *err)
{
	char reporter[ADDR_MAX + 1], why[600];
	const char *how;
	bool known, token;

	if (reporter_thread_find(t, l->address, p->in_reply_to, p->references,
	    reporter, &token, err) == -1)
		return -1;
	if (reporter[0] == '\0')
		return 0;
	if (p->state != POST_HELD) {
		if (p->jobs < 0)
			return 0;	/* not to the members: not to the reporter */
		if (reporter_thread_add(t, l->address, p->message_id, reporter,
		    p->id, false, &known, err) == -1 || reporter_copy_later(t,
		    l->address, l->pol, p, reporter, &how, err) == -1)
			return -1;
		if (how[0] != '\0' && (rec_set(&p->reporter_copy_to,
		    reporter) == -1 || rec_set(&p->reporter_copy_how, how) == -1))
			return pd_fail(err, PD_TEMPFAIL, "out of memory");
		return 0;
	}
	if (!follow_up(l->pol, p, d, reporter, token))
		return 0;
	if (reporter_thread_add(t, l->address, p->message_id, reporter, p->id,
	    false, &known, err) == -1)
		return -1;
	if (known)
		return to_hold(p, HOLD_REPLAY, "its Message-ID was in the "
		    "reporter's thread before: a replay is not sent again") == 0 ?
		    0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
	snprintf(why, sizeof why, "a follow-up by reporter %s in its thread "
	    "(reporter-followups = %s)", reporter,
	    pol_followups_name(l->pol->reporter_followups));
	if (rec_set(&p->accepted_as, why) == -1 ||
	    rec_set(&p->reason_text, "") == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	p->held_for = p->reason;
	p->reason = HOLD_NONE;
	/* Unsigned content goes on as a moderator's approval would let it. */
	p->moderated = true;
	return make_jobs(t, p, err);
}

/*
 * A hold of a post that an active team member signed tells that member
 * why, encrypted (advisory holds tell it in judge_advisory; a replay is
 * not the member's post).
 */
static int
tell_team_poster(struct store_txn *t, struct post *p,
    const struct decision *d, struct pd_err *err)
{
	char why[700];

	if (d->tell[0] == '\0' || p->reason == HOLD_ADVISORY ||
	    p->reason == HOLD_REPLAY)
		return 0;
	if (p->signer_address[0] == '\0' && rec_set(&p->signer_address,
	    d->tell) == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	snprintf(why, sizeof why, "%s: %s", hold_reason_name(p->reason),
	    p->reason_text);
	return notice_poster_later(t, p, why, err);
}

/* The audit entry of a decision. */
static int
audit_decision(struct store_txn *t, const struct post *p, struct pd_err *err)
{
	bool held = p->state == POST_HELD;
	json_t *detail;
	int rc;

	detail = json_pack("{s:s, s:s*, s:o*, s:s*}", "form", p->form, "signer",
	    p->signer[0] ? p->signer : NULL, "keywords", p->has_keywords ?
	    post_keywords_json(p) : NULL, "advisory-action",
	    p->advisory_action[0] ? p->advisory_action : NULL);
	if (detail == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = audit_append(t, &(struct audit){ .time = p->decided_at, .list =
	    p->list, .actor = "listd", .action = held ? "post hold" :
	    "post distribute", .subject = p->id, .outcome = held ?
	    hold_reason_name(p->reason) : "distribute", .reason = held ?
	    p->reason_text : p->accepted_as[0] ? p->accepted_as :
	    p->signer_address, .detail = detail }, err);
	json_decref(detail);
	return rc;
}

/*
 * member-posts = team: a member's post goes to the team and moderators
 * only, unless it is a replay or stale like any post (memberpost.h).
 */
static int
to_team(struct list *l, struct store_txn *t, struct post *p,
    const struct decision *d, struct pd_err *err)
{
	bool replay = false;

	p->state = POST_DECIDED;
	if (replayed(t, p, d, &replay, err) == -1)
		return -1;
	if (p->state != POST_HELD && stale(l->pol, p, d) == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (p->state == POST_HELD)
		return 0;
	p->reason = HOLD_NONE;
	if (rec_set(&p->reason_text, "") == -1 || rec_set(&p->accepted_as,
	    "a member's post, to the team and moderators only (member-posts "
	    "= team)") == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	return member_post_jobs(t, p, err);
}

/* The decision's consequences, in t. */
static int
judge_in(struct list *l, struct store_txn *t, struct post *p,
    const struct decision *d, struct pd_err *err)
{
	bool replay = false;

	if (p->state != POST_HELD && replayed(t, p, d, &replay, err) == -1)
		return -1;
	if (p->state != POST_HELD && stale(l->pol, p, d) == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (p->state != POST_HELD && p->has_keywords) {
		if (judge_advisory(l, t, p, err) == -1)
			return -1;
	} else if (p->state != POST_HELD && make_jobs(t, p, err) == -1)
		return -1;
	if (in_thread(l, t, p, d, err) == -1)
		return -1;
	if (p->state == POST_HELD && d->to_team && to_team(l, t, p, d,
	    err) == -1)
		return -1;
	if (p->state == POST_HELD && (notice_held_later(t, p, err) == -1 ||
	    notice_auto_reply_later(t, l, p, err) == -1 ||
	    tell_team_poster(t, p, d, err) == -1))
		return -1;
	/* Its subject is kept sealed only: members' may be embargoed. */
	if (rec_set(&p->subject, "") == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	return audit_decision(t, p, err);
}

/* Records the decision and takes the message out of the inbox, at once. */
static int
record(struct list *l, struct post *p, const struct decision *d,
    struct pd_err *err)
{
	struct store_txn *t;

	if (store_begin(l->st, true, &t, err) == -1 ||
	    store_end(t, judge_in(l, t, p, d, err) == -1 ||
	    post_put(t, p, true, err) == -1 ||
	    store_del(t, STORE_INBOX, p->id, err) == -1 ? -1 : 0, err) == -1)
		return -1;
	log_decision(p);
	return 0;
}

/* ---- the run ------------------------------------------------------------ */

static int
process_one(struct list *l, const struct inbox_entry *in,
    struct payload_cache *payloads, struct pd_err *err)
{
	struct signer signers[KEYS_MAX_SIGS];
	struct decision d;
	struct auth a;
	struct post p;
	char *raw = NULL;
	size_t len = 0;
	int rc = -1;

	memset(&a, 0, sizeof a);
	a.hold = HOLD_NONE;
	a.subject_from = "received";
	post_init(&p, POST_MESSAGE, POST_HELD);
	if (in->size > (long long)l->pol->max_message_size) {
		/* oversize = hold took it in: held, not read */
		a.hold = HOLD_LIMITS;
		snprintf(a.hold_text, sizeof a.hold_text, "over limits: %lld "
		    "bytes, over the list's max-message-size of %lu; held, not "
		    "lost (oversize = hold)", in->size,
		    l->pol->max_message_size);
		snprintf(a.from, sizeof a.from, "%s", in->sender);
	} else if (own_unseal(l, in->id, &raw, &len, err) == -1) {
		if (err->status != PD_REFUSED)
			goto out;
		a.hold = HOLD_CANNOT_DECRYPT;	/* the seal is broken */
		snprintf(a.hold_text, sizeof a.hold_text, "%.500s", err->text);
	} else if (raw == NULL) {
		pd_fail(err, PD_FAIL, "message %s is in the inbox but its bytes "
		    "are missing", in->id);
		goto out;
	} else if (auth_message(l->keys, l->address, raw, len, false, &a,
	    err) == -1)
		goto out;
	if (process_signers(l, &a, signers, err) == -1)
		goto out;
	decide(&a, signers, l->fpr, &d);
	member_post(&a, signers, l->pol->member_posts, &d);
	if (decision_post(in, &a, &d, &p) == -1) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	if ((rc = own_seal_subject(l, &p, err)) == 0 &&
	    (rc = seal_reason(l, p.kw.extension, err)) == 0 &&
	    (rc = seal_reason(l, p.kw.restart, err)) == 0)
		rc = record(l, &p, &d, err);
	if (rc == 0 && p.state != POST_HELD)
		payload_keep(payloads, l->address, p.id, &a.payload,
		    &a.payload_len);
	if (rc == 0 && d.to_team && p.state != POST_HELD)
		member_post_receipt(l, &p);
out:
	auth_clear(&a);
	wipe_free(raw, len);
	post_clear(&p);
	return rc;
}

/* ---- the list's other addresses ----------------------------------------- */

/*
 * Mail to LIST-bounces[+TOKEN]@ (RCPT_BOUNCES): a report about a copy is
 * recorded against it, anything else kept for the admins (bounce.h).  A
 * report is never answered.
 */
static int
process_bounce(struct list *l, const struct inbox_entry *in,
    struct pd_err *err)
{
	return bounce_process(l, in, err);
}

/* Message in, by which of the list's addresses it came to. */
static int
process_entry(const struct conf *conf, struct list *l,
    const struct inbox_entry *in, struct payload_cache *payloads,
    struct pd_err *err)
{
	if (in->attempts == 0 && strcmp(in->via, "lmtp") != 0)
		log_event("intake", "id=%s list=%s to=%s size=%lld sender=%s "
		    "via=%s", in->id, in->list, rcpt_kind_name(in->to), in->size,
		    in->sender[0] ? in->sender : "<>", in->via);
	switch (in->to) {
	case RCPT_REQUEST:
		return request_process(conf, l, in, err);
	case RCPT_BOUNCES:
		return process_bounce(l, in, err);
	case RCPT_OWNER:
		return own_to_admins(l, in, err);
	case RCPT_POST:
	case RCPT_NKINDS:
		break;
	}
	return process_one(l, in, payloads, err);
}

/*
 * The inbox message in, which could not be processed for a temporary reason
 * (why), cannot hold the others up: it is tried again after a delay, and
 * after conf's process-attempts it is held as cannot-process, the
 * moderators told.  -1 only when even that cannot be recorded.
 */
static int
process_failed(const struct conf *conf, struct list *l,
    struct inbox_entry *in, const struct pd_err *why, struct pd_err *err)
{
	struct decision d;
	struct store_txn *t;
	struct post p;
	int rc;

	in->attempts++;
	snprintf(in->last_error, sizeof in->last_error, "%.250s", why->text);
	if ((unsigned)in->attempts < conf->process_attempts) {
		long delay = conf_retry_delay(conf, in->attempts);

		in->next_attempt = time(NULL) + delay;
		log_warnx("%s: message %s: %s; attempt %d of %u, again in %ld s",
		    in->list, in->id, why->text, in->attempts,
		    conf->process_attempts, delay);
		if (store_begin(l->st, true, &t, err) == -1)
			return -1;
		return store_end(t, inbox_put(t, in, false, err), err);
	}
	log_warnx("%s: message %s: %s; held as cannot-process after %d attempts",
	    in->list, in->id, why->text, in->attempts);
	memset(&d, 0, sizeof d);
	d.reason = HOLD_CANNOT_PROCESS;
	snprintf(d.text, sizeof d.text, "it could not be processed in %d "
	    "attempts; the last failure: %.400s", in->attempts, why->text);
	if (post_from_inbox(&p, in) == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	p.state = POST_HELD;
	p.reason = d.reason;
	rc = rec_set(&p.reason_text, d.text) == 0 ? record(l, &p, &d, err) :
	    pd_fail(err, PD_TEMPFAIL, "out of memory");
	post_clear(&p);
	return rc;
}

int
process_inbox(const struct conf *conf, struct store *st,
    struct payload_cache *payloads, unsigned *done, struct pd_err *err)
{
	struct list_cache lists;
	struct inbox_set inbox;
	struct store_txn *t;
	struct pd_err why;
	struct list *l;
	time_t now = time(NULL);
	size_t i;
	int rc;

	*done = 0;
	handoff_sweep(now);
	if (store_begin(st, false, &t, err) == -1)
		return -1;
	rc = inbox_collect(t, &inbox, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	list_cache_init(&lists, st, conf->datadir, LIST_KEYS);
	for (i = 0; rc == 0 && i < inbox.n && !work_stopping(); i++) {
		if (inbox.v[i].next_attempt > now)
			continue;
		if ((rc = list_cache_get(&lists, inbox.v[i].list, &l, err)) == -1) {
			if (err->status == PD_REFUSED)	/* kept for an admin */
				pd_fail(err, PD_TEMPFAIL, "the inbox holds mail "
				    "for %s, which is no list", inbox.v[i].list);
			break;
		}
		memset(&why, 0, sizeof why);
		if (process_entry(conf, l, &inbox.v[i], payloads, &why) == 0)
			++*done;
		else if ((rc = process_failed(conf, l, &inbox.v[i], &why,
		    err)) == 0)
			++*done;	/* held, or put off: the others go on */
		/* taken or not (a held oversize message is not read) */
		if (handoff_drop(inbox.v[i].list, inbox.v[i].id))
			log_debug("%s: message %s was not taken from intake's "
			    "handoff: wiped", inbox.v[i].list, inbox.v[i].id);
	}
	list_cache_free(&lists);
	inbox_set_free(&inbox);
	return rc == 0 ? 0 : -1;
}

int
process_payload(struct list *l, struct payload_cache *payloads,
    const char *id, bool moderated, char **out, size_t *out_len,
    struct pd_err *err)
{
	const struct cached_payload *c = payload_find(payloads, l->address, id);
	struct auth a;
	char *raw = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (c != NULL) {
		if ((*out = malloc(c->len + 1)) == NULL)
			return pd_fail(err, PD_TEMPFAIL, "out of memory");
		memcpy(*out, c->data, c->len);
		(*out)[c->len] = '\0';
		*out_len = c->len;
		return 0;
	}
	memset(&a, 0, sizeof a);
	if ((rc = own_unseal(l, id, &raw, &len, err)) == 0 && raw == NULL)
		rc = pd_fail(err, PD_REFUSED, "post %s: its message is gone", id);
	if (rc == 0 && (rc = auth_message(l->keys, l->address, raw, len,
	    moderated, &a, err)) == 0) {
		/* A moderator's approval stands for the signature, not for
		   content that cannot be read at all. */
		if ((!moderated && a.hold != HOLD_NONE) || a.payload == NULL)
			rc = pd_fail(err, PD_REFUSED, "post %s no longer "
			    "authenticates: %s", id, a.hold != HOLD_NONE ?
			    a.hold_text : "no signed content");
		else {
			*out = a.payload;
			*out_len = a.payload_len;
			a.payload = NULL;
		}
	}
	auth_clear(&a);
	wipe_free(raw, len);
	return rc;
}
