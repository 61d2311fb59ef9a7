/*
 * listd/process.c: see process.h.
 *
 * For each message in the inbox: parse it within limits, decrypt it with
 * the list's key when it is encrypted, verify every signature in the forms
 * mail clients send (RFC 3156 multipart/signed, a signature inside
 * multipart/encrypted, inline clearsigned or encrypted text), map the
 * signing key to a member, and decide.  Only a good signature by the key of
 * an active team member lets a post go on; the From: header decides
 * nothing.  The decision, the audit entry and the removal from the inbox
 * are one transaction.  Decrypted text lives only in memory and is wiped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "keys/keys.h"
#include "listd/advisory.h"
#include "listd/jobs.h"
#include "listd/keywords.h"
#include "listd/msg.h"
#include "listd/process.h"
#include "listd/reporter.h"
#include "policy/embargo.h"

#define AUTH_MAX_NESTING	3	/* encrypted in signed in encrypted... */

/* What authentication found out about one message. */
struct auth {
	char		 form[96];	/* "pgp-mime-encrypted+pgp-mime-signed" */
	char		 from[ADDR_MAX + 1];	/* unverified, for display */
	char		 message_id[256];
	char		 subject[256];	/* the inner one when decrypted */
	char		 in_reply_to[512], references[2048];	/* threads */
	bool		 loop_header;
	bool		 may_auto_reply;	/* RFC 3834 section 2 allows it */
	struct keys_sigs sigs;
	char		*text;		/* the signed (or only) body text */
	size_t		 text_len;
	/* set when the message cannot go on, whatever its signatures */
	const char	*hold;		/* reason code */
	char		 hold_text[512];
	/* fan-out only: what members decrypt, and its real headers */
	bool		 want_payload;
	bool		 moderated;	/* approved: unsigned content goes too */
	char		*payload;	/* plaintext: wiped */
	size_t		 payload_len;
	char		 h_from[512], h_to[512], h_date[128];
};

/* The decision about one message. */
struct decision {
	bool		 distribute;
	const char	*reason;	/* hold reason code */
	char		 text[600];	/* one line for the moderator */
	char		 signer[41];
	char		 signer_address[ADDR_MAX + 1];
	char		 reporter_signer[ADDR_MAX + 1];	/* a reporter's
					   good signature: its address */
	time_t		 signed_at;	/* the deciding signature's time */
	unsigned long long text_hash;	/* of the signed text */
	struct keywords	 kw;
};

struct run {
	const struct conf *conf;
	struct store	*st;
	const char	*list;
	const char	*list_fpr;
	struct keys	*keys;
	json_t		*lrec;		/* the list's record (borrowed) */
	struct policy	*pol;		/* the list's policy, for advisories */
};

static void
auth_hold(struct auth *a, const char *reason, const struct pd_err *why)
{
	if (a->hold != NULL)
		return;
	a->hold = reason;
	snprintf(a->hold_text, sizeof a->hold_text, "%.500s", why->text);
}

static void
add_form(struct auth *a, enum msg_form f)
{
	size_t n = strlen(a->form);

	snprintf(a->form + n, sizeof a->form - n, "%s%s", n ? "+" : "",
	    msg_form_name(f));
}

static void
set_text(struct auth *a, char *text, size_t len)
{
	keys_plain_free(a->text, a->text_len);
	a->text = text;
	a->text_len = len;
}

static int authenticate(struct run *, const char *, size_t, bool, int,
    struct auth *, struct pd_err *);

/* Builds the payload from m (MIME) or text (inline), once. */
static int
payload(struct auth *a, const struct msg *m, const char *text, size_t len,
    struct pd_err *err)
{
	struct msg_protected ph = { a->subject, a->h_from, a->h_to, a->h_date,
	    a->message_id };

	if (!a->want_payload || a->payload != NULL)
		return 0;
	return m != NULL ? msg_payload(m, &ph, &a->payload, &a->payload_len,
	    err) : msg_text_payload(text, len, &ph, &a->payload,
	    &a->payload_len, err);
}

/* The first armored clearsigned block inside decrypted inline text. */
static int
inner_clearsigned(struct run *r, struct auth *a, struct pd_err *err)
{
	const char *start = strstr(a->text, "-----BEGIN PGP SIGNED MESSAGE-----");
	char *plain;
	size_t len;

	if (start == NULL)
		return 0;
	if (keys_verify_clearsigned(r->keys, start, a->text_len -
	    (size_t)(start - a->text), &plain, &len, &a->sigs, err) == -1)
		return err->status == PD_REFUSED ? (auth_hold(a, "malformed",
		    err), 0) : -1;
	add_form(a, MSG_FORM_INLINE_SIGNED);
	if (payload(a, NULL, start, a->text_len - (size_t)(start - a->text),
	    err) == -1) {
		keys_plain_free(plain, len);
		return -1;
	}
	set_text(a, plain, len);
	return 0;
}

/* Decrypts p and goes on with what it holds. */
static int
decrypted(struct run *r, const struct msg_pgp *p, int depth, struct auth *a,
    struct pd_err *err)
{
	struct msg *inner = NULL;
	char *plain;
	size_t len;
	int rc = 0;

	if (keys_decrypt(r->keys, p->data, p->len, &plain, &len, &a->sigs,
	    err) == -1) {
		if (err->status != PD_REFUSED)
			return -1;
		auth_hold(a, "cannot-decrypt", err);
		return 0;
	}
	if (p->form == MSG_FORM_INLINE_ENCRYPTED) {
		set_text(a, plain, len);
		if (a->sigs.n == 0 && inner_clearsigned(r, a, err) == -1)
			return -1;
		if (a->sigs.n == 0 && !a->moderated)
			return 0;
		return payload(a, NULL, a->text, a->text_len, err);
	}
	if (a->sigs.n == 0) {	/* signed inside, perhaps: look again */
		rc = authenticate(r, plain, len, true, depth + 1, a, err);
		keys_plain_free(plain, len);
		return rc;
	}
	/* Signed and encrypted in one: the whole entity is the signed part. */
	if (msg_parse(plain, len, true, &inner, err) == -1) {
		rc = err->status == PD_REFUSED ? (auth_hold(a, "malformed", err),
		    0) : -1;
	} else {
		if (msg_subject(inner)[0] != '\0')
			snprintf(a->subject, sizeof a->subject, "%s",
			    msg_subject(inner));
		keys_plain_free(a->text, a->text_len);
		a->text = NULL;
		rc = msg_text(inner, false, &a->text, &a->text_len, err);
		if (rc == 0)
			rc = payload(a, inner, NULL, 0, err);
	}
	msg_free(inner);
	keys_plain_free(plain, len);
	return rc;
}

/* Verifies what m carries, by its form. */
static int
by_form(struct run *r, struct msg *m, const struct msg_pgp *p, int depth,
    struct auth *a, struct pd_err *err)
{
	char *plain;
	size_t len;

	switch (p->form) {
	case MSG_FORM_SIGNED:
		if (keys_verify_detached(r->keys, p->data, p->len, p->sig,
		    p->sig_len, &a->sigs, err) == -1)
			break;
		keys_plain_free(a->text, a->text_len);
		a->text = NULL;
		if (msg_text(m, true, &a->text, &a->text_len, err) == -1)
			return -1;
		return payload(a, m, NULL, 0, err);
	case MSG_FORM_ENCRYPTED:
	case MSG_FORM_INLINE_ENCRYPTED:
		return decrypted(r, p, depth, a, err);
	case MSG_FORM_INLINE_SIGNED:
		if (keys_verify_clearsigned(r->keys, p->data, p->len, &plain,
		    &len, &a->sigs, err) == -1)
			break;
		set_text(a, plain, len);
		/* Only the signed block goes on: what is around it is not. */
		return payload(a, NULL, p->data, p->len, err);
	case MSG_FORM_PLAIN:
		keys_plain_free(a->text, a->text_len);
		a->text = NULL;
		if (msg_text(m, false, &a->text, &a->text_len, err) == -1)
			return -1;
		/* Unsigned content goes on only when a moderator approved it. */
		return a->moderated ? payload(a, m, NULL, 0, err) : 0;
	}
	if (err->status != PD_REFUSED)
		return -1;
	auth_hold(a, "bad-signature", err);
	return 0;
}

/* The outer headers: unverified, for display and loop detection only. */
static void
copy_header(const struct msg *m, const char *name, char *buf, size_t len)
{
	const char *v = msg_header(m, name);

	snprintf(buf, len, "%s", v != NULL ? v : "");
}

/*
 * RFC 3834: no auto-reply to automatic mail (Auto-Submitted other than
 * "no"), to list mail (List-Id, List-Unsubscribe) or to bulk mail
 * (Precedence: bulk, list, junk).
 */
static bool
may_auto_reply(const struct msg *m)
{
	const char *as = msg_header(m, "Auto-Submitted");
	const char *prec = msg_header(m, "Precedence");

	while (as != NULL && (*as == ' ' || *as == '\t'))
		as++;
	while (prec != NULL && (*prec == ' ' || *prec == '\t'))
		prec++;
	if (as != NULL && strncasecmp(as, "no", 2) != 0)
		return false;
	if (as != NULL && as[2] != '\0' && as[2] != ';' && as[2] != ' ')
		return false;	/* "notification" and the like */
	if (msg_header(m, "List-Id") != NULL ||
	    msg_header(m, "List-Unsubscribe") != NULL)
		return false;
	return prec == NULL || (strncasecmp(prec, "bulk", 4) != 0 &&
	    strncasecmp(prec, "list", 4) != 0 && strncasecmp(prec, "junk", 4) != 0);
}

static void
show_headers(struct run *r, struct msg *m, struct auth *a)
{
	const char *loop = msg_header(m, "X-Loop");

	a->may_auto_reply = may_auto_reply(m);

	copy_header(m, "From", a->h_from, sizeof a->h_from);
	copy_header(m, "To", a->h_to, sizeof a->h_to);
	copy_header(m, "Date", a->h_date, sizeof a->h_date);
	copy_header(m, "In-Reply-To", a->in_reply_to, sizeof a->in_reply_to);
	copy_header(m, "References", a->references, sizeof a->references);

	msg_address(m, "From", a->from);
	snprintf(a->message_id, sizeof a->message_id, "%s",
	    msg_header(m, "Message-ID") ? msg_header(m, "Message-ID") : "");
	snprintf(a->subject, sizeof a->subject, "%s", msg_subject(m));
	a->loop_header = loop != NULL && strstr(loop, r->list) != NULL;
}

/*
 * Parses raw (a message, or with entity a decrypted entity) and verifies
 * it.  Returns -1 only for temporary trouble; a message that cannot go on
 * gets a->hold.
 */
static int
authenticate(struct run *r, const char *raw, size_t len, bool entity,
    int depth, struct auth *a, struct pd_err *err)
{
	struct msg *m = NULL;
	struct msg_pgp p = { 0 };
	int rc = -1;

	if (depth > AUTH_MAX_NESTING) {
		pd_fail(err, PD_REFUSED, "over limits: OpenPGP nested more than "
		    "%d deep", AUTH_MAX_NESTING);
		auth_hold(a, "limits", err);
		return 0;
	}
	rc = msg_parse(raw, len, entity, &m, err);
	if (m != NULL && !entity)
		show_headers(r, m, a);	/* even when malformed: for display */
	else if (m != NULL && msg_subject(m)[0] != '\0')
		snprintf(a->subject, sizeof a->subject, "%s", msg_subject(m));
	if (rc == -1) {
		if (err->status == PD_REFUSED) {
			auth_hold(a, strncmp(err->text, "over limits", 11) == 0 ?
			    "limits" : "malformed", err);
			rc = 0;
		}
		goto out;
	}
	rc = -1;
	if (msg_pgp(m, &p, err) == -1) {
		if (err->status == PD_REFUSED) {
			auth_hold(a, "malformed", err);
			rc = 0;
		}
		goto out;
	}
	if (p.form != MSG_FORM_PLAIN || a->form[0] == '\0')
		add_form(a, p.form);
	rc = by_form(r, m, &p, depth, a, err);
out:
	msg_pgp_clear(&p);
	msg_free(m);
	return rc;
}

/* ---- the decision ----------------------------------------------------- */

struct by_fpr {
	const char	*fpr;
	json_t		*found;
};

static int
match_fpr(const char *key, json_t *value, void *arg)
{
	struct by_fpr *b = arg;
	const char *f = json_string_value(json_object_get(value, "fingerprint"));

	(void)key;
	if (f == NULL || strcmp(f, b->fpr) != 0)
		return 0;
	b->found = json_incref(value);
	return 1;
}

/* The member of the list whose key is fpr, or NULL (caller decrefs). */
static json_t *
member_by_fpr(struct run *r, const char *fpr, struct pd_err *err)
{
	struct by_fpr b = { fpr, NULL };
	struct store_txn *t;
	char prefix[STORE_KEY_MAX];

	store_member_key(r->list, "", prefix);
	if (store_begin(r->st, false, &t, err) == -1)
		return NULL;
	store_scan(t, STORE_MEMBERS, prefix, match_fpr, &b, err);
	store_abort(t);
	return b.found;
}

/* Reasons in the order in which they win over each other. */
static const char *const severity[] = {
	"loop", "bad-signature", "key-revoked", "key-expired", "suspended",
	"not-team", "non-member"
};

static int
rank(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof severity / sizeof severity[0]; i++)
		if (reason != NULL && strcmp(reason, severity[i]) == 0)
			return (int)i;
	return 99;
}

static void
hold(struct decision *d, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the gravest reason seen so far. */
static void
hold(struct decision *d, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (d->reason != NULL && rank(d->reason) <= rank(reason))
		return;
	d->reason = reason;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof d->text, fmt, ap);
	va_end(ap);
}

/* Judges one good signature by its key's owner on the list. */
static void
judge_signer(struct run *r, const char *fpr, time_t created,
    struct decision *d, bool *team_ok, struct pd_err *err)
{
	json_t *m = member_by_fpr(r, fpr, err);
	const char *addr, *role, *state;

	if (m == NULL) {
		hold(d, "non-member", "signed by key %s, which is no member's",
		    fpr);
		return;
	}
	addr = json_string_value(json_object_get(m, "address"));
	role = json_string_value(json_object_get(m, "role"));
	state = json_string_value(json_object_get(m, "state"));
	if (state == NULL || strcmp(state, "active") != 0)
		hold(d, "suspended", "signed by %s, who is suspended", addr);
	else if (role == NULL || strcmp(role, "team") != 0) {
		if (role != NULL && strcmp(role, "reporter") == 0)
			snprintf(d->reporter_signer, sizeof d->reporter_signer,
			    "%s", addr);
		hold(d, "not-team", "signed by %s (role %s), who is not on the "
		    "team", addr, role ? role : "?");
	} else if (!*team_ok) {
		*team_ok = true;
		snprintf(d->signer, sizeof d->signer, "%s", fpr);
		snprintf(d->signer_address, sizeof d->signer_address, "%s", addr);
		d->signed_at = created;
	}
	json_decref(m);
}

static void
judge_sigs(struct run *r, const struct auth *a, struct decision *d,
    struct pd_err *err)
{
	bool team_ok = false;
	size_t i;

	for (i = 0; i < a->sigs.n; i++) {
		const char *fpr = a->sigs.sig[i].fpr;

		if (strcmp(fpr, r->list_fpr) == 0) {
			hold(d, "loop", "signed by the list's own key: the list's "
			    "own mail came back");
			continue;
		}
		switch (a->sigs.sig[i].state) {
		case KEYS_SIG_GOOD:
			judge_signer(r, fpr, a->sigs.sig[i].created, d, &team_ok,
			    err);
			break;
		case KEYS_SIG_BAD:
		case KEYS_SIG_ERROR:
			hold(d, "bad-signature", "the signature by %s does not "
			    "match the content", fpr);
			break;
		case KEYS_SIG_NO_KEY:
			hold(d, "non-member", "signed by key %s, which is no "
			    "member's", fpr);
			break;
		case KEYS_SIG_KEY_EXPIRED:
			hold(d, "key-expired", "signed by key %s, which has "
			    "expired", fpr);
			break;
		case KEYS_SIG_KEY_REVOKED:
			hold(d, "key-revoked", "signed by key %s, which is "
			    "revoked", fpr);
			break;
		}
	}
	/* A bad or looping signature spoils a good one beside it. */
	if (team_ok && rank(d->reason) > rank("bad-signature"))
		d->distribute = true;
}

/*
 * The moderators are told of each held message (its id, reason, sender and
 * subject), in a notice encrypted to them that fanout sends.
 */
static int
tell_moderators_later(struct run *r, struct store_txn *t, const char *id,
    const json_t *rec, struct pd_err *err)
{
	char nid[80], text[1200];

	snprintf(text, sizeof text, "Message %s to %s is held: %s\n\n"
	    "See listctl held show %s %s, then held approve or held reject.\n\n"
	    "  reason:  %s\n  from:    %s\n  sender:  %s\n", id, r->list,
	    json_string_value(json_object_get(rec, "reason")), r->list, id,
	    json_string_value(json_object_get(rec, "reason-text")),
	    json_string_value(json_object_get(rec, "from")),
	    json_string_value(json_object_get(rec, "sender")));
	snprintf(nid, sizeof nid, "held-notice-%s", id);
	return notice_later(t, r->list, nid, "held-notice", text,
	    json_object_get(rec, "subject-sealed"), err);
}

#define AUTO_REPLY_PERIOD	86400	/* one auto-reply per sender a day */

/* Whether sender is a list's own address or its bounce address. */
static bool
own_address(const char *list, const char *sender)
{
	const char *at = strrchr(list, '@');
	size_t n = at ? (size_t)(at - list) : 0;

	return strcmp(sender, list) == 0 || (at != NULL &&
	    strncmp(sender, list, n) == 0 && strncmp(sender + n, "-bounces@",
	    9) == 0 && strcmp(sender + n + 8, at) == 0);
}

/*
 * RFC 3834: a non-member whose mail is held is told once that it waits for
 * a moderator, where the policy says so: never a bounce (null sender,
 * MAILER-DAEMON), automatic, list or bulk mail, a member, or the list
 * itself, and at most once per sender a day (remembered in the store).
 */
static int
auto_reply_later(struct run *r, struct store_txn *t, json_t *rec,
    struct pd_err *err)
{
	const char *reason = json_string_value(json_object_get(rec, "reason"));
	char sender[ADDR_MAX + 1], key[STORE_KEY_MAX], pid[64], text[600];
	struct pd_err ignore;
	json_t *seen = NULL, *v, *to, *post;
	bool outside;
	time_t now = time(NULL);
	size_t n;
	int rc;

	if (!r->pol->auto_reply || !json_is_true(json_object_get(rec,
	    "may-auto-reply")) || reason == NULL || (strcmp(reason, "unsigned") &&
	    strcmp(reason, "non-member")) || addr_normalize(json_string_value(
	    json_object_get(rec, "sender")), sender, &ignore) == -1 ||
	    strncmp(sender, "mailer-daemon@", 14) == 0 ||
	    own_address(r->list, sender))
		return 0;
	/* Members are not auto-replied to; reporters are. */
	if (reporter_outsider(t, r->list, sender, &outside, err) == -1)
		return -1;
	if (!outside)
		return 0;
	snprintf(text, sizeof text, "auto-reply:%s", sender);
	store_member_key(r->list, text, key);
	if (store_get(t, STORE_SEEN, key, &seen, err) == -1)
		return -1;
	if (seen != NULL && now - (time_t)json_integer_value(json_object_get(
	    seen, "at")) < AUTO_REPLY_PERIOD) {
		json_decref(seen);
		return 0;
	}
	json_decref(seen);
	v = json_pack("{s:I}", "at", (json_int_t)now);
	rc = v ? store_put(t, STORE_SEEN, key, v, false, err) : -1;
	json_decref(v);
	if (rc == -1 || make_id("auto-reply-", pid, sizeof pid) == -1)
		return pd_fail(err, PD_TEMPFAIL, "auto-reply: %s", err->text);
	snprintf(text, sizeof text, "Your message to %s is held for moderation.\n"
	    "A moderator will look at it; you will hear from the list when it "
	    "is approved.\n\nThis is an automatic reply; at most one a day is "
	    "sent to an address.\n", r->list);
	post = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "id", pid,
	    "list", r->list, "kind", "auto-reply", "state", "decided", "subject",
	    "Your message is held for moderation", "text", text, "in-reply-to",
	    json_object_get(rec, "message-id"));
	to = json_pack("[s]", sender);
	store_member_key(r->list, pid, key);
	rc = post && to ? jobs_for_public(t, r->list, pid, NULL, to, &n, err) :
	    pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (rc == 0)
		rc = store_put(t, STORE_POSTS, key, post, true, err);
	json_decref(post);
	json_decref(to);
	return rc;
}

/* FNV-1a over the signed text: tells two posts of one second apart. */
static unsigned long long
text_hash(const char *text, size_t len)
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; text != NULL && i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
	return h;
}

static void
decide(struct run *r, struct auth *a, struct decision *d, struct pd_err *err)
{
	char why[400];

	memset(d, 0, sizeof *d);
	if (a->loop_header)
		hold(d, "loop", "X-Loop names this list: its own mail came back");
	else if (a->hold != NULL)
		hold(d, a->hold, "%.500s", a->hold_text);
	else if (a->sigs.n == 0)
		hold(d, "unsigned", "no OpenPGP signature (%s)", a->form);
	else
		judge_sigs(r, a, d, err);
	if (!d->distribute)
		return;
	d->text_hash = text_hash(a->text, a->text_len);
	if (kw_parse(a->text ? a->text : "", a->text_len, &d->kw, why,
	    sizeof why) == -1) {
		d->distribute = false;
		hold(d, "keywords", "malformed advisory keywords: %s", why);
	}
}

/* ---- records ---------------------------------------------------------- */

static json_t *
keywords_json(const struct keywords *kw)
{
	json_t *o, *cves = json_array();
	char when[32];
	size_t i;

	for (i = 0; i < kw->ncves; i++)
		json_array_append_new(cves, json_string(kw->cve[i]));
	o = json_pack("{s:s, s:I, s:o, s:b}", "advisory", kw->advisory,
	    "revision", (json_int_t)kw->revision, "cve", cves, "resend",
	    kw->resend);
	if (o == NULL)
		return NULL;
	if (kw->embargo_none)
		json_object_set_new(o, "embargo", json_string("none"));
	else if (kw->embargo_set)
		json_object_set_new(o, "embargo", json_string(iso_time(kw->embargo,
		    when)));
	if (kw->extension[0] != '\0')
		json_object_set_new(o, "extension", json_string(kw->extension));
	return o;
}

static json_t *
decision_record(const json_t *in, const struct auth *a,
    const struct decision *d)
{
	char now[32];
	json_t *o;

	iso_time(time(NULL), now);
	o = json_pack("{s:O, s:O, s:O, s:O, s:O, s:s, s:s, s:s, s:s, s:s}",
	    "id", json_object_get(in, "id"), "list", json_object_get(in, "list"),
	    "sender", json_object_get(in, "sender"),
	    "size", json_object_get(in, "size"), "via", json_object_get(in, "via"),
	    "from", a->from, "message-id", a->message_id, "subject", a->subject,
	    "form", a->form, "decided-at", now);
	if (o == NULL)
		return NULL;
	json_object_set(o, "received", json_object_get(in, "received"));
	json_object_set_new(o, "may-auto-reply", json_boolean(a->may_auto_reply));
	if (a->in_reply_to[0] != '\0')
		json_object_set_new(o, "in-reply-to", json_string(a->in_reply_to));
	if (a->references[0] != '\0')
		json_object_set_new(o, "references", json_string(a->references));
	if (d->signer[0] != '\0') {
		json_object_set_new(o, "signer", json_string(d->signer));
		json_object_set_new(o, "signer-address",
		    json_string(d->signer_address));
	} else if (a->sigs.n > 0)
		json_object_set_new(o, "signer", json_string(a->sigs.sig[0].fpr));
	if (d->distribute) {
		json_object_set_new(o, "decision", json_string("distribute"));
		if (d->kw.present)
			json_object_set_new(o, "keywords", keywords_json(&d->kw));
	} else {
		json_object_set_new(o, "decision", json_string("hold"));
		json_object_set_new(o, "reason", json_string(d->reason));
		json_object_set_new(o, "reason-text", json_string(d->text));
	}
	return o;
}

/* Jobs for every active member, in the decision's transaction. */
static int
make_jobs(struct run *r, struct store_txn *t, const char *id, json_t *rec,
    struct pd_err *err)
{
	size_t n;

	if (jobs_for_members(t, r->list, id, json_object_get(rec, "keywords"),
	    NULL, &n, err) == -1)
		return -1;
	json_object_set_new(rec, "state", json_string("decided"));
	json_object_set_new(rec, "jobs", json_integer((json_int_t)n));
	return 0;
}

/* A job for each public address of the list: signed, not encrypted. */
static int
public_jobs(struct run *r, struct store_txn *t, const char *id, json_t *rec,
    struct pd_err *err)
{
	size_t n;

	if (jobs_for_public(t, r->list, id, json_object_get(rec, "keywords"),
	    json_object_get(r->lrec, "public"), &n, err) == -1)
		return -1;
	json_object_set_new(rec, "public-copies", json_integer((json_int_t)n));
	return 0;
}

/*
 * A held revision's poster is told why: a small record that fanout turns
 * into a notice encrypted to the poster (gpg does not run in here).
 */
static int
tell_poster_later(struct run *r, struct store_txn *t, const char *id,
    const json_t *rec, const char *why, struct pd_err *err)
{
	char key[STORE_KEY_MAX], tid[80];
	json_t *tell;
	int rc;

	snprintf(tid, sizeof tid, "held-%s", id);
	store_member_key(r->list, tid, key);
	tell = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:s}", "id", tid,
	    "list", r->list, "kind", "held", "state", "notify", "keywords",
	    json_object_get(rec, "keywords"), "signer-address",
	    json_object_get(rec, "signer-address"), "advisory-reason", why);
	if (tell == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = store_put(t, STORE_POSTS, key, tell, true, err);
	json_decref(tell);
	return rc;
}

/*
 * An advisory's revision, judged in t by the embargo rules: delivered to
 * the members, suppressed (recorded; the poster is told), published, or
 * held after all (*distribute cleared).
 */
static int
judge_advisory(struct run *r, struct store_txn *t, const char *id,
    json_t *rec, const struct keywords *kw, bool *distribute,
    struct pd_err *err)
{
	struct adv_facts f;
	struct adv_post p;
	struct adv_decision ad;
	json_t *arec = NULL;
	int rc = 0;

	if (adv_get(t, r->list, kw->advisory, &arec, &f, err) == -1)
		return -1;
	adv_post_from(kw, &p);
	adv_judge(r->pol, &f, &p, time(NULL), &ad);
	if (ad.reason[0] != '\0') {	/* say which advisory */
		char why[sizeof ad.reason];

		snprintf(why, sizeof why, "%s", ad.reason);
		snprintf(ad.reason, sizeof ad.reason, "%s: %.*s", kw->advisory,
		    (int)(sizeof ad.reason - sizeof kw->advisory - 3), why);
	}
	json_object_set_new(rec, "advisory-action",
	    json_string(adv_action_name(ad.action)));
	if (ad.reason[0] != '\0')
		json_object_set_new(rec, "advisory-reason", json_string(ad.reason));
	switch (ad.action) {
	case ADV_HOLD:
		*distribute = false;
		json_object_set_new(rec, "decision", json_string("hold"));
		json_object_set_new(rec, "reason", json_string("advisory"));
		json_object_set_new(rec, "reason-text", json_string(ad.reason));
		rc = tell_poster_later(r, t, id, rec, ad.reason, err);
		break;
	case ADV_DELIVER:
		rc = make_jobs(r, t, id, rec, err);
		break;
	case ADV_SUPPRESS:	/* fanout tells the poster, encrypted */
		json_object_set_new(rec, "state", json_string("notify"));
		break;
	case ADV_PUBLISH:
		if (ad.to_members)
			rc = make_jobs(r, t, id, rec, err);
		if (rc == 0 && ad.to_public)
			rc = public_jobs(r, t, id, rec, err);
		json_object_set_new(rec, "state", json_string("decided"));
		break;
	}
	if (rc == 0)
		rc = adv_put_revision(t, r->list, arec, kw, id, &ad, err);
	json_decref(arec);
	return rc;
}

/*
 * Whether the deciding signature was seen on this list before: the same
 * key, the same signature time, the same signed text.  A replay is held
 * (rec turned into a hold); otherwise the signature is remembered, in the
 * decision's transaction.  *rc is -1 on store trouble.
 */
static bool
replayed(struct run *r, struct store_txn *t, const char *id, json_t *rec,
    const struct decision *d, struct pd_err *err, int *rc)
{
	char key[STORE_KEY_MAX], sig[96], why[200];
	json_t *seen = NULL, *v;

	*rc = 0;
	snprintf(sig, sizeof sig, "%s.%lld.%016llx", d->signer,
	    (long long)d->signed_at, d->text_hash);
	store_member_key(r->list, sig, key);
	if ((*rc = store_get(t, STORE_SEEN, key, &seen, err)) == -1)
		return true;
	if (seen == NULL) {
		v = json_pack("{s:s, s:O}", "post", id, "at",
		    json_object_get(rec, "decided-at"));
		*rc = v ? store_put(t, STORE_SEEN, key, v, true, err) :
		    pd_fail(err, PD_TEMPFAIL, "out of memory");
		json_decref(v);
		return *rc == -1;
	}
	snprintf(why, sizeof why, "this signature was seen before, on post %s: "
	    "a replay is not sent again", json_string_value(json_object_get(seen,
	    "post")));
	json_object_set_new(rec, "decision", json_string("hold"));
	json_object_set_new(rec, "reason", json_string("replay"));
	json_object_set_new(rec, "reason-text", json_string(why));
	json_decref(seen);
	return true;
}

/*
 * Whether a held message is the reporter's further mail in its thread that
 * the policy lets go on: signed by the reporter's key, or (accept) from
 * the reporter's address with no signature or an unknown one.  Anything
 * graver (a bad signature, a loop, malformed mail) stays held.
 */
static bool
follow_up(const struct policy *pol, const json_t *rec, const struct auth *a,
    const struct decision *d, const char *reporter)
{
	const char *reason = json_string_value(json_object_get(rec, "reason"));

	if (pol->reporter_followups == POL_FOLLOW_HOLD || reason == NULL ||
	    a->message_id[0] == '\0')
		return false;
	if (strcmp(reason, "not-team") == 0 &&
	    strcmp(d->reporter_signer, reporter) == 0)
		return true;
	return pol->reporter_followups == POL_FOLLOW_ACCEPT &&
	    (strcmp(reason, "unsigned") == 0 || strcmp(reason,
	    "non-member") == 0) && strcmp(a->from, reporter) == 0;
}

/*
 * Reporters' threads (reporter.h), in the decision's transaction.  A post
 * that goes to the members in a reporter's thread joins the thread and is
 * copied to the reporter; a held message that is the reporter's follow-up
 * goes on instead (*distribute set), unless its Message-ID was seen in the
 * thread before, when it stays held as a replay.
 */
static int
in_thread(struct run *r, struct store_txn *t, const char *id, json_t *rec,
    const struct auth *a, const struct decision *d, bool *distribute,
    struct pd_err *err)
{
	char reporter[ADDR_MAX + 1], why[600];
	const char *how;
	bool known;

	if (reporter_thread_find(t, r->list, a->in_reply_to, a->references,
	    reporter, err) == -1)
		return -1;
	if (reporter[0] == '\0')
		return 0;
	if (*distribute) {
		if (json_object_get(rec, "jobs") == NULL)
			return 0;	/* not to the members: not to the reporter */
		if (reporter_thread_add(t, r->list, a->message_id, reporter, id,
		    &known, err) == -1 || reporter_copy_later(t, r->list, r->pol,
		    rec, reporter, &how, err) == -1)
			return -1;
		if (how[0] != '\0')
			json_object_set_new(rec, "reporter-copy", json_pack(
			    "{s:s, s:s}", "to", reporter, "how", how));
		return 0;
	}
	if (!follow_up(r->pol, rec, a, d, reporter))
		return 0;
	if (reporter_thread_add(t, r->list, a->message_id, reporter, id, &known,
	    err) == -1)
		return -1;
	if (known) {
		json_object_set_new(rec, "reason", json_string("replay"));
		json_object_set_new(rec, "reason-text", json_string("its Message-ID "
		    "was in the reporter's thread before: a replay is not sent "
		    "again"));
		return 0;
	}
	snprintf(why, sizeof why, "a follow-up by reporter %s in its thread "
	    "(reporter-followups = %s)", reporter,
	    pol_followups_name(r->pol->reporter_followups));
	json_object_set_new(rec, "decision", json_string("distribute"));
	json_object_set_new(rec, "accepted-as", json_string(why));
	json_object_set_new(rec, "held-for", json_object_get(rec, "reason") ?
	    json_incref(json_object_get(rec, "reason")) : json_null());
	json_object_del(rec, "reason");
	json_object_del(rec, "reason-text");
	/* Unsigned content goes on as a moderator's approval would let it. */
	json_object_set_new(rec, "moderated", json_true());
	*distribute = true;
	return make_jobs(r, t, id, rec, err);
}

/* The audit entry of a decision. */
static json_t *
decision_audit(struct run *r, const char *id, json_t *rec, bool distribute)
{
	json_t *e;

	e = json_pack("{s:O, s:s, s:s, s:s, s:s, s:s, s:O}", "time",
	    json_object_get(rec, "decided-at"), "list", r->list, "actor", "listd",
	    "unix-user", "", "action", distribute ? "post distribute" :
	    "post hold", "subject", id, "outcome", json_object_get(rec,
	    distribute ? "decision" : "reason"));
	if (e == NULL)
		return NULL;
	json_object_set(e, "reason", json_object_get(rec, !distribute ?
	    "reason-text" : json_object_get(rec, "accepted-as") ? "accepted-as" :
	    "signer-address"));
	json_object_set_new(e, "detail", json_pack("{s:O, s:O*, s:O*, s:O*}",
	    "form", json_object_get(rec, "form"), "signer",
	    json_object_get(rec, "signer"), "keywords",
	    json_object_get(rec, "keywords"), "advisory-action",
	    json_object_get(rec, "advisory-action")));
	return e;
}

/* Records the decision and takes the message out of the inbox, at once. */
static int
record(struct run *r, const char *id, json_t *rec, const struct auth *a,
    const struct decision *d, struct pd_err *err)
{
	struct store_txn *t;
	char key[STORE_KEY_MAX];
	bool distribute = d->distribute;
	json_t *e = NULL;
	int rc = -1;

	store_member_key(r->list, id, key);
	if (store_begin(r->st, true, &t, err) == -1)
		return -1;
	if (distribute && replayed(r, t, id, rec, d, err, &rc)) {
		if (rc == -1) {
			store_abort(t);
			return -1;
		}
		distribute = false;	/* held as a replay, reason set */
	}
	if (distribute && d->kw.present)
		rc = judge_advisory(r, t, id, rec, &d->kw, &distribute, err);
	else
		rc = distribute ? make_jobs(r, t, id, rec, err) : 0;
	if (rc == 0)
		rc = in_thread(r, t, id, rec, a, d, &distribute, err);
	if (rc == 0 && !distribute)
		rc = tell_moderators_later(r, t, id, rec, err);
	if (rc == 0 && !distribute)
		rc = auto_reply_later(r, t, rec, err);
	/* Held: its subject is kept sealed only.  Posts keep it in clear. */
	json_object_del(rec, distribute ? "subject-sealed" : "subject");
	if (rc == 0 && (e = decision_audit(r, id, rec, distribute)) == NULL)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (rc == -1 || store_put(t, distribute ? STORE_POSTS : STORE_HELD, key,
	    rec, true, err) == -1 || store_del(t, STORE_INBOX, id, err) == -1 ||
	    store_audit(t, e, err) == -1) {
		store_abort(t);
		json_decref(e);
		return -1;
	}
	json_decref(e);
	return store_commit(t, err);
}

/* ---- the run ------------------------------------------------------------ */

static int
open_list(struct run *r, const char *list, json_t **lrec, struct pd_err *err)
{
	struct store_txn *t;
	char home[1100], perr[512];

	if (store_begin(r->st, false, &t, err) == -1)
		return -1;
	if (store_get(t, STORE_LISTS, list, lrec, err) == -1) {
		store_abort(t);
		return -1;
	}
	store_abort(t);
	if (*lrec == NULL)
		return pd_fail(err, PD_TEMPFAIL, "the inbox holds mail for %s, "
		    "which is no list", list);
	r->list = list;
	r->lrec = *lrec;
	r->list_fpr = json_string_value(json_object_get(*lrec, "fingerprint"));
	snprintf(home, sizeof home, "%s/lists/%s/policy.conf", r->conf->datadir,
	    list);
	if (pol_load(home, &r->pol, perr, sizeof perr) == -1)
		return pd_fail(err, PD_TEMPFAIL, "list %s: policy: %s", list, perr);
	snprintf(home, sizeof home, "%s/lists/%s/gnupg", r->conf->datadir, list);
	return keys_open(home, 0, &r->keys, err);
}

/*
 * Message id as it came: its bytes in the store are sealed to the list's
 * key (inbox.h).  *raw is NULL when they are missing; the caller wipes it
 * with keys_plain_free().
 */
static int
unsealed(struct run *r, const char *id, char **raw, size_t *len,
    struct pd_err *err)
{
	struct store_txn *t;
	char *sealed = NULL;
	size_t slen = 0;
	int rc;

	*raw = NULL;
	*len = 0;
	if (store_begin(r->st, false, &t, err) == -1)
		return -1;
	rc = store_get_bytes(t, STORE_MESSAGES, id, &sealed, &slen, err);
	store_abort(t);
	if (rc == 0 && sealed != NULL)
		rc = keys_unseal(r->keys, sealed, slen, raw, len, err);
	free(sealed);
	return rc;
}

/*
 * The subject sealed to the list's key, beside the clear one, before the
 * decision's transaction (gpg does not run inside one): a held record
 * keeps only the sealed one.
 */
static int
seal_subject(struct run *r, json_t *rec, struct pd_err *err)
{
	const char *subject = json_string_value(json_object_get(rec, "subject"));
	char *sealed;
	size_t len;

	if (subject == NULL || subject[0] == '\0')
		return 0;
	if (keys_seal(r->keys, r->list_fpr, subject, strlen(subject), true,
	    &sealed, &len, err) == -1)
		return -1;
	json_object_set_new(rec, "subject-sealed", json_stringn(sealed, len));
	free(sealed);
	return 0;
}

static int
process_one(struct run *r, const char *id, json_t *in, struct pd_err *err)
{
	struct auth a;
	struct decision d;
	json_t *lrec = NULL, *rec = NULL;
	char *raw = NULL;
	size_t len = 0;
	int rc = -1;

	memset(&a, 0, sizeof a);
	if (open_list(r, json_string_value(json_object_get(in, "list")), &lrec,
	    err) == -1)
		goto out;
	if (unsealed(r, id, &raw, &len, err) == -1) {
		if (err->status != PD_REFUSED)
			goto out;
		auth_hold(&a, "cannot-decrypt", err);	/* the seal is broken */
	} else if (raw == NULL) {
		pd_fail(err, PD_FAIL, "message %s is in the inbox but its bytes "
		    "are missing", id);
		goto out;
	} else if (authenticate(r, raw, len, false, 0, &a, err) == -1)
		goto out;
	decide(r, &a, &d, err);
	if ((rec = decision_record(in, &a, &d)) == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	if ((rc = seal_subject(r, rec, err)) == 0)
		rc = record(r, id, rec, &a, &d, err);
out:
	keys_close(r->keys);
	r->keys = NULL;
	pol_free(r->pol);
	r->pol = NULL;
	keys_plain_free(a.text, a.text_len);
	keys_plain_free(a.payload, a.payload_len);
	keys_plain_free(raw, len);
	json_decref(rec);
	json_decref(lrec);
	return rc;
}

int
process_inbox(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	struct run r = { conf, st, NULL, NULL, NULL, NULL, NULL };
	struct store_txn *t;
	json_t *inbox = NULL, *e, *in;
	size_t i;
	int rc;

	*done = 0;
	if (store_begin(st, false, &t, err) == -1)
		return -1;
	rc = store_collect(t, STORE_INBOX, "", &inbox, err);
	store_abort(t);
	json_array_foreach(inbox, i, e) {
		if (rc != 0)
			break;
		in = json_object_get(e, "value");
		rc = process_one(&r, json_string_value(json_object_get(in, "id")),
		    in, err);
		if (rc == 0)
			++*done;
	}
	json_decref(inbox);
	return rc == 0 ? 0 : -1;
}

int
process_payload(const struct conf *conf, struct store *st, const char *list,
    const char *id, bool moderated, char **out, size_t *out_len,
    struct pd_err *err)
{
	struct run r = { conf, st, NULL, NULL, NULL, NULL, NULL };
	struct auth a;
	json_t *lrec = NULL;
	char *raw = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	memset(&a, 0, sizeof a);
	a.want_payload = true;
	a.moderated = moderated;
	if ((rc = open_list(&r, list, &lrec, err)) == 0 &&
	    (rc = unsealed(&r, id, &raw, &len, err)) == 0 && raw == NULL)
		rc = pd_fail(err, PD_REFUSED, "post %s: its message is gone", id);
	if (rc == 0 && (rc = authenticate(&r, raw, len, false, 0, &a,
	    err)) == 0) {
		/* A moderator's approval stands for the signature, not for
		   content that cannot be read at all. */
		if ((!moderated && a.hold != NULL) || a.payload == NULL)
			rc = pd_fail(err, PD_REFUSED, "post %s no longer "
			    "authenticates: %s", id, a.hold ? a.hold_text :
			    "no signed content");
		else {
			*out = a.payload;
			*out_len = a.payload_len;
			a.payload = NULL;
		}
	}
	keys_plain_free(a.payload, a.payload_len);
	keys_plain_free(a.text, a.text_len);
	keys_plain_free(raw, len);
	keys_close(r.keys);
	pol_free(r.pol);
	json_decref(lrec);
	return rc;
}
