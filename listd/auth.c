/*
 * listd/auth.c: see auth.h.  Decrypted text lives only in memory and is
 * wiped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listd/auth.h"
#include "listd/msg.h"

#define AUTH_MAX_NESTING	3	/* encrypted in signed in encrypted... */

/* The list and keyring one authentication works with. */
struct run {
	struct keys	*keys;
	const char	*list;
};

static void
auth_hold(struct auth *a, enum hold_reason reason, const struct pd_err *why)
{
	if (a->hold != HOLD_NONE)
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
	wipe_free(a->text, a->text_len);
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
	struct msg_protected ph = { auth_protected_subject(a), a->h_from,
	    a->h_to, a->h_date, a->message_id };

	if (a->payload != NULL)
		return 0;
	if (m != NULL && text != NULL)	/* m, its text part now text */
		return msg_payload_text(m, text, &ph, &a->payload,
		    &a->payload_len, err);
	return m != NULL ? msg_payload(m, &ph, &a->payload, &a->payload_len,
	    err) : msg_text_payload(text, len, &ph, &a->payload,
	    &a->payload_len, err);
}

/* Whether leaf f is signed on its own, beside it, by the key fpr. */
static int
signed_beside(struct run *r, const struct msg_leaves *lv,
    const struct msg_leaf *f, const char *fpr, bool *ok, struct pd_err *err)
{
	static const char *const ext[] = { ".sig", ".asc", ".pgp" };
	struct keys_sigs s;
	char want[sizeof f->name + 8];
	size_t i, k;

	*ok = false;
	for (i = 0; i < lv->n && !*ok; i++)
		for (k = 0; k < 3 && !*ok; k++) {
			snprintf(want, sizeof want, "%s%s", f->name, ext[k]);
			if (!lv->v[i].signature || strcmp(lv->v[i].name,
			    want) != 0 || lv->v[i].bytes == NULL)
				continue;
			if (keys_verify_detached(r->keys, f->bytes, f->len,
			    lv->v[i].bytes, lv->v[i].len, &s, err) == -1) {
				if (err->status != PD_REFUSED)
					return -1;
				continue;
			}
			*ok = s.n == 1 && s.sig[0].state == KEYS_SIG_GOOD &&
			    strcmp(s.sig[0].fpr, fpr) == 0;
		}
	return 0;
}

/*
 * What else m carries beside the content p covers must be signed on its
 * own by the key that signed that content (a detached signature beside
 * each file, file.sig, as Enigmail's inline mode sends), or the message is
 * held as unsigned-parts, naming them.  *attached: there are such parts,
 * all signed, and they go to members too.
 */
static int
beside(struct run *r, struct auth *a, const struct msg *m,
    const struct msg_pgp *p, bool *attached, struct pd_err *err)
{
	const char *fpr = a->sigs.n > 0 ? a->sigs.sig[0].fpr : "";
	struct msg_leaves lv;
	char names[300] = "";
	size_t i, n = 0, used;
	bool ok;
	int rc = 0;

	*attached = false;
	if (msg_beside(m, p, &lv, err) == -1)
		return -1;
	for (i = 0; rc == 0 && i < lv.n; i++) {
		if (lv.v[i].signature)
			continue;	/* a signature: it signs, or goes nowhere */
		ok = false;
		if (lv.v[i].bytes != NULL && a->sigs.n > 0 &&
		    (rc = signed_beside(r, &lv, &lv.v[i], fpr, &ok, err)) == -1)
			break;
		if (ok)
			continue;
		used = strlen(names);
		snprintf(names + used, sizeof names - used, "%s%s", n++ ? ", " :
		    "", lv.v[i].name);
	}
	if (rc == 0 && n > 0) {
		struct pd_err why;

		pd_fail(&why, PD_REFUSED, "%zu part%s beside the signed content "
		    "no signature covers (%s): sign each file on its own (a "
		    "detached FILE.sig by the same key) or send the post as "
		    "PGP/MIME", n, n == 1 ? "" : "s", names);
		auth_hold(a, HOLD_UNSIGNED_PARTS, &why);
	}
	*attached = rc == 0 && n == 0 && lv.n > 0;
	msg_leaves_free(&lv);
	return rc;
}

/* Why gpg refused untrusted bytes: its output cap, or otherwise reason. */
static enum hold_reason
refusal(const struct run *r, enum hold_reason reason)
{
	return keys_over_limits(r->keys) ? HOLD_LIMITS : reason;
}

/*
 * The first armored clearsigned block inside decrypted inline text.  What
 * goes on is gpg's verified text, never the text around the block.
 */
static int
inner_clearsigned(struct run *r, struct auth *a, struct pd_err *err)
{
	const char *start = strstr(a->text, "-----BEGIN PGP SIGNED MESSAGE-----");
	const char *end;
	char *plain;
	size_t len;

	if (start == NULL)
		return 0;
	if (keys_verify_clearsigned(r->keys, start, a->text_len -
	    (size_t)(start - a->text), &plain, &len, &a->sigs, err) == -1)
		return err->status == PD_REFUSED ? (auth_hold(a, refusal(r,
		    HOLD_MALFORMED), err), 0) : -1;
	add_form(a, MSG_FORM_INLINE_SIGNED);
	end = strstr(start, "-----END PGP SIGNATURE-----");
	end = end != NULL ? end + strlen("-----END PGP SIGNATURE-----") :
	    a->text + a->text_len;
	if (!msg_blank_around(a->text, a->text_len, start, end)) {
		struct pd_err why;

		pd_fail(&why, PD_REFUSED, "text outside the signed block, which "
		    "no signature covers: send only the signed text");
		auth_hold(a, HOLD_UNSIGNED_PARTS, &why);
	}
	set_text(a, plain, len);
	return 0;
}

/*
 * A signed entity (data: exactly the bytes a signature covers) becomes the
 * text and the payload (or whole, its multipart/signed, does), with its own
 * Subject when it carries one: nothing around it (a preamble, an epilogue,
 * an unsigned wrapper's headers) goes.
 */
static int
signed_entity(struct auth *a, const struct msg *whole, const char *data,
    size_t len, struct pd_err *err)
{
	struct msg *e = NULL;
	int rc;

	if ((rc = msg_parse(data, len, true, &e, err)) != 0)
		rc = err->status == PD_REFUSED ? (auth_hold(a, rc ==
		    MSG_OVER_LIMITS ? HOLD_LIMITS : HOLD_MALFORMED, err), 0) : -1;
	else {
		if (msg_subject(e)[0] != '\0') {
			snprintf(a->subject, sizeof a->subject, "%s",
			    msg_subject(e));
			a->subject_from = "signed";
		}
		wipe_free(a->text, a->text_len);
		a->text = NULL;
		rc = msg_text(e, false, &a->text, &a->text_len, err);
		if (rc == 0)
			rc = payload(a, whole != NULL ? whole : e, NULL, 0, err);
	}
	msg_free(e);
	return rc;
}

/*
 * Signed and encrypted in one OpenPGP message: the sender's signature
 * would end with the decryption.  Members get, beside the content, the
 * signed message itself with only the encryption taken off (gpg --unwrap),
 * as inline PGP their clients verify, as they verify a multipart/signed or
 * clearsigned post that goes on as it came.
 */
static int
keep_signature(struct run *r, struct auth *a, const struct msg_pgp *p,
    struct pd_err *err)
{
	char *armored;
	size_t alen;
	int rc;

	if (a->payload == NULL || a->sigs.n == 0 || a->hold != HOLD_NONE)
		return 0;
	if (keys_unwrap(r->keys, p->data, p->len, &armored, &alen, err) == -1)
		return err->status == PD_REFUSED ? 0 : -1;
	rc = msg_payload_add_signed(&a->payload, &a->payload_len, armored,
	    alen, err);
	free(armored);	/* signed, still encrypted to nobody: but wiped */
	return rc == 0 || err->status == PD_REFUSED ? 0 : -1;
}

/* Decrypts p and goes on with what it holds. */
static int
decrypted(struct run *r, const struct msg *m, const struct msg_pgp *p,
    int depth, struct auth *a, struct pd_err *err)
{
	char *plain;
	size_t len;
	bool attached, in_one;
	int rc = 0;

	if (keys_decrypt(r->keys, p->data, p->len, &plain, &len, &a->sigs,
	    err) == -1) {
		if (err->status != PD_REFUSED)
			return -1;
		auth_hold(a, refusal(r, HOLD_CANNOT_DECRYPT), err);
		return 0;
	}
	if (p->form == MSG_FORM_INLINE_ENCRYPTED) {
		in_one = a->sigs.n > 0;
		set_text(a, plain, len);
		if (a->sigs.n == 0 && inner_clearsigned(r, a, err) == -1)
			return -1;
		if (a->sigs.n == 0 && !a->moderated)
			return 0;
		if (beside(r, a, m, p, &attached, err) == -1)
			return -1;
		if (a->hold != HOLD_NONE && !a->moderated)
			return 0;
		rc = payload(a, attached ? m : NULL, a->text, a->text_len, err);
		return rc == 0 && in_one ? keep_signature(r, a, p, err) : rc;
	}
	if (a->sigs.n == 0)	/* signed inside, perhaps: look again */
		rc = authenticate(r, plain, len, true, depth + 1, a, err);
	else if ((rc = signed_entity(a, NULL, plain, len, err)) == 0)
		rc = keep_signature(r, a, p, err);	/* signed in one */
	wipe_free(plain, len);
	return rc;
}

/* Verifies what m carries, by its form. */
static int
by_form(struct run *r, struct msg *m, const struct msg_pgp *p, int depth,
    struct auth *a, struct pd_err *err)
{
	char *plain;
	size_t len;
	bool attached;

	switch (p->form) {
	case MSG_FORM_SIGNED:
		if (keys_verify_detached(r->keys, p->data, p->len, p->sig,
		    p->sig_len, &a->sigs, err) == -1)
			break;
		if (beside(r, a, m, p, &attached, err) == -1)
			return -1;
		if (a->hold != HOLD_NONE)
			return 0;
		/* The team's signature travels too: the multipart/signed
		   goes, without its unsigned preamble and epilogue. */
		return signed_entity(a, m, p->data, p->len, err);
	case MSG_FORM_ENCRYPTED:
	case MSG_FORM_INLINE_ENCRYPTED:
		return decrypted(r, m, p, depth, a, err);
	case MSG_FORM_INLINE_SIGNED:
		if (keys_verify_clearsigned(r->keys, p->data, p->len, &plain,
		    &len, &a->sigs, err) == -1)
			break;
		set_text(a, plain, len);
		if (beside(r, a, m, p, &attached, err) == -1)
			return -1;
		if (a->hold != HOLD_NONE)
			return 0;
		/* gpg's verified text goes on, not the armor around it. */
		return payload(a, attached ? m : NULL, a->text, a->text_len,
		    err);
	case MSG_FORM_PLAIN:
		wipe_free(a->text, a->text_len);
		a->text = NULL;
		if (msg_text(m, false, &a->text, &a->text_len, err) == -1)
			return -1;
		/* Unsigned content goes on only when a moderator approved it. */
		return a->moderated ? payload(a, m, NULL, 0, err) : 0;
	}
	if (err->status != PD_REFUSED)
		return -1;
	auth_hold(a, refusal(r, HOLD_BAD_SIGNATURE), err);
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

/* Whether an X-Loop value is list's address (any case, blanks around). */
static bool
names_list(const char *loop, const char *list)
{
	size_t n = strlen(list);

	loop += strspn(loop, " \t<");
	return strncasecmp(loop, list, n) == 0 &&
	    loop[n + strspn(loop + n, " \t>\r\n")] == '\0';
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
	snprintf(a->received_subject, sizeof a->received_subject, "%s",
	    a->subject);
	a->loop_header = loop != NULL && names_list(loop, r->list);
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
		auth_hold(a, HOLD_LIMITS, err);
		return 0;
	}
	rc = msg_parse(raw, len, entity, &m, err);
	if (m != NULL && !entity)
		show_headers(r, m, a);	/* even when malformed: for display */
	else if (m != NULL && msg_subject(m)[0] != '\0')	/* for moderators */
		snprintf(a->subject, sizeof a->subject, "%s", msg_subject(m));
	if (rc != 0) {
		if (err->status == PD_REFUSED) {
			auth_hold(a, rc == MSG_OVER_LIMITS ? HOLD_LIMITS :
			    HOLD_MALFORMED, err);
			rc = 0;
		} else
			rc = -1;
		goto out;
	}
	rc = -1;
	if (msg_pgp(m, &p, err) == -1) {
		if (err->status == PD_REFUSED) {
			auth_hold(a, HOLD_MALFORMED, err);
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

int
auth_message(struct keys *k, const char *list, const char *raw, size_t len,
    bool moderated, struct auth *a, struct pd_err *err)
{
	struct run r = { k, list };

	memset(a, 0, sizeof *a);
	a->hold = HOLD_NONE;
	a->moderated = moderated;
	a->subject_from = "received";
	return authenticate(&r, raw, len, false, 0, a, err);
}

void
auth_clear(struct auth *a)
{
	wipe_free(a->text, a->text_len);
	wipe_free(a->payload, a->payload_len);
	a->text = a->payload = NULL;
	a->text_len = a->payload_len = 0;
}

const char *
auth_protected_subject(const struct auth *a)
{
	return strcmp(a->subject_from, "signed") == 0 ? a->subject :
	    a->received_subject;
}
