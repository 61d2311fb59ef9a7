/* listd/memberpost.c: see memberpost.h. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "listd/jobs.h"
#include "listd/memberpost.h"
#include "listd/notice.h"

bool
member_post(const struct auth *a, const struct signer signers[KEYS_MAX_SIGS],
    enum pol_member_posts mp, struct decision *d)
{
	const struct signer *s;
	size_t i;

	if (d->reason != HOLD_NOT_TEAM || a->sigs.n == 0)
		return false;
	for (i = 0; i < a->sigs.n && i < KEYS_MAX_SIGS; i++) {
		s = &signers[i];
		if (a->sigs.sig[i].state != KEYS_SIG_GOOD || !s->member ||
		    !s->active || s->role == POL_ROLE_REPORTER ||
		    s->role == POL_ROLE_TEAM)
			return false;
	}
	s = &signers[0];
	snprintf(d->signer, sizeof d->signer, "%s", a->sigs.sig[0].fpr);
	snprintf(d->signer_address, sizeof d->signer_address, "%s",
	    s->address);
	d->signed_at = a->sigs.sig[0].created;
	snprintf(d->sig_id, sizeof d->sig_id, "%s", a->sigs.sig[0].id);
	if (d->sig_id[0] == '\0')
		sig_text_id(a->text, a->text_len, d->sig_id, sizeof d->sig_id);
	if (mp == POL_MEMBERS_TEAM) {
		d->to_team = true;
		return true;
	}
	snprintf(d->tell, sizeof d->tell, "%s", s->address);
	snprintf(d->text, sizeof d->text, "signed by %s (role %s), who is not "
	    "on the team: a member's post waits for a moderator (member-posts "
	    "= hold)", s->address, pol_role_name(s->role));
	return true;
}

int
member_post_jobs(struct store_txn *t, struct post *p, struct pd_err *err)
{
	size_t team = 0, mods = 0;

	if (jobs_for_role(t, p->list, p->id, POL_ROLE_TEAM, &team, err) == -1 ||
	    jobs_for_role(t, p->list, p->id, POL_ROLE_MODERATOR, &mods,
	    err) == -1)
		return -1;
	p->state = POST_DECIDED;
	p->jobs = (long)(team + mods);
	return 0;
}

void
member_post_receipt(struct list *l, const struct post *p)
{
	struct pd_err err = { 0 };
	char text[600];

	snprintf(text, sizeof text, "Your post %s to %s reached the security "
	    "team and the moderators, encrypted to them; it was not sent to "
	    "the list's members.\n\nThe team answers you directly.\n", p->id,
	    l->address);
	if (notice_send(l, p->signer_address, false, "pdlist: your post "
	    "reached the team", text, &err) == -1)
		log_warnx("%s: post %s: no receipt to %s: %s", l->address, p->id,
		    p->signer_address, err.text);
}
