/* listd/decide.c: see decide.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "listd/decide.h"

static void
hold(struct decision *d, enum hold_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the gravest reason seen so far. */
static void
hold(struct decision *d, enum hold_reason reason, const char *fmt, ...)
{
	va_list ap;

	if (!hold_graver(reason, d->reason))
		return;
	d->reason = reason;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof d->text, fmt, ap);
	va_end(ap);
}

/* Judges one good signature by its key's owner on the list. */
static void
judge_signer(const char *fpr, time_t created, const char *sig_id,
    const struct signer *s, struct decision *d, bool *team_ok)
{
	if (!s->member) {
		hold(d, HOLD_NON_MEMBER, "signed by key %s, which is no member's",
		    fpr);
		return;
	}
	if (!s->active)
		hold(d, HOLD_SUSPENDED, "signed by %s, who is suspended",
		    s->address);
	else if (s->role != POL_ROLE_TEAM) {
		if (s->role == POL_ROLE_REPORTER)
			snprintf(d->reporter_signer, sizeof d->reporter_signer,
			    "%s", s->address);
		hold(d, HOLD_NOT_TEAM, "signed by %s (role %s), who is not on the "
		    "team", s->address, pol_role_name(s->role));
	} else if (!*team_ok) {
		*team_ok = true;
		snprintf(d->tell, sizeof d->tell, "%s", s->address);
		snprintf(d->signer, sizeof d->signer, "%s", fpr);
		snprintf(d->signer_address, sizeof d->signer_address, "%s",
		    s->address);
		d->signed_at = created;
		snprintf(d->sig_id, sizeof d->sig_id, "%s", sig_id);
	}
}

static void
judge_sigs(const struct auth *a, const struct signer *signers,
    const char *list_fpr, struct decision *d)
{
	bool team_ok = false;
	size_t i;

	for (i = 0; i < a->sigs.n && i < KEYS_MAX_SIGS; i++) {
		const char *fpr = a->sigs.sig[i].fpr;

		if (strcmp(fpr, list_fpr) == 0) {
			hold(d, HOLD_LOOP, "signed by the list's own key: the "
			    "list's own mail came back");
			continue;
		}
		switch (a->sigs.sig[i].state) {
		case KEYS_SIG_GOOD:
			judge_signer(fpr, a->sigs.sig[i].created,
			    a->sigs.sig[i].id, &signers[i], d, &team_ok);
			break;
		case KEYS_SIG_BAD:
		case KEYS_SIG_ERROR:
			hold(d, HOLD_BAD_SIGNATURE, "the signature by %s does not "
			    "match the content", fpr);
			break;
		case KEYS_SIG_NO_KEY:
			hold(d, HOLD_NON_MEMBER, "signed by key %s, which is no "
			    "member's", fpr);
			break;
		case KEYS_SIG_KEY_EXPIRED:
			hold(d, HOLD_KEY_EXPIRED, "signed by key %s, which has "
			    "expired", fpr);
			break;
		case KEYS_SIG_KEY_REVOKED:
			hold(d, HOLD_KEY_REVOKED, "signed by key %s, which is "
			    "revoked", fpr);
			break;
		}
	}
	/* A bad or looping signature spoils a good one beside it. */
	if (team_ok && hold_graver(HOLD_BAD_SIGNATURE, d->reason)) {
		d->distribute = true;
		d->reason = HOLD_NONE;
		d->text[0] = '\0';
	}
}

/* The first active team member with a good signature on a held message. */
static void
team_poster(const struct auth *a, const struct signer *signers,
    struct decision *d)
{
	size_t i;

	for (i = 0; i < a->sigs.n && i < KEYS_MAX_SIGS; i++)
		if (a->sigs.sig[i].state == KEYS_SIG_GOOD && signers[i].member &&
		    signers[i].active && signers[i].role == POL_ROLE_TEAM) {
			snprintf(d->tell, sizeof d->tell, "%s",
			    signers[i].address);
			return;
		}
}

/*
 * Where gpg named no signature id: FNV-1a over the signed text, line ends
 * taken as LF, so that CRLF does not make a signature new.
 */
void
sig_text_id(const char *text, size_t len, char *out, size_t outlen)
{
	unsigned long long h = FNV1A_INIT;
	size_t i;

	for (i = 0; text != NULL && i < len; i++)
		if (text[i] != '\r' || i + 1 >= len || text[i + 1] != '\n')
			h = fnv1a(h, text + i, 1);
	snprintf(out, outlen, "text:%016llx", h);
}

void
decide(const struct auth *a, const struct signer signers[KEYS_MAX_SIGS],
    const char *list_fpr, struct decision *d)
{
	char why[400];

	memset(d, 0, sizeof *d);
	d->reason = HOLD_NONE;
	if (a->loop_header)
		hold(d, HOLD_LOOP, "X-Loop names this list: its own mail came "
		    "back");
	else if (a->hold != HOLD_NONE) {
		hold(d, a->hold, "%.500s", a->hold_text);
		team_poster(a, signers, d);
	}
	else if (a->sigs.n == 0)
		hold(d, HOLD_UNSIGNED, "no OpenPGP signature (%s)", a->form);
	else
		judge_sigs(a, signers, list_fpr, d);
	if (!d->distribute) {
		if (d->reason == HOLD_BAD_SIGNATURE || d->reason == HOLD_LOOP)
			d->tell[0] = '\0';	/* a forgery beside it: tell no one */
		return;
	}
	if (d->sig_id[0] == '\0')
		sig_text_id(a->text, a->text_len, d->sig_id, sizeof d->sig_id);
	switch (kw_parse(a->text ? a->text : "", a->text_len, &d->kw, why,
	    sizeof why)) {
	case 0:
		break;
	case KW_MISPLACED:	/* one advisory per post, its block first */
		d->distribute = false;
		hold(d, HOLD_KEYWORDS, "%s", why);
		break;
	default:
		d->distribute = false;
		hold(d, HOLD_KEYWORDS, "malformed advisory keywords: %s", why);
		break;
	}
}
