/* listd/encrypt.c: see encrypt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "keys/pgpsplit.h"
#include "listd/encrypt.h"

bool
enc_to(const struct rcpt *r)
{
	return !r->public && r->skip[0] == '\0';
}

/* The facts of fpr, listing the keyring (again) when it is not there. */
static int
facts_of(struct list *l, const char *fpr, const struct keyfacts **kf,
    struct pd_err *err)
{
	*kf = l->facts ? keys_facts_find(l->facts, l->nfacts, fpr) : NULL;
	if (*kf != NULL || l->facts_fresh)
		return 0;
	keys_facts_free_all(l->facts, l->nfacts);
	l->facts = NULL;
	l->nfacts = 0;
	if (keys_facts_all(l->keys, &l->facts, &l->nfacts, err) == -1)
		return -1;
	l->facts_fresh = true;
	*kf = keys_facts_find(l->facts, l->nfacts, fpr);
	return 0;
}

/* A key that delivery still uses but admission would not take is logged. */
static void
warn_soon(const struct list *l, const char *address,
    const struct keyfacts *kf, int enc, time_t now)
{
	time_t until = pol_key_expires(kf, enc);
	char when[32];

	if (enc < 0 || until == 0 || until - now >=
	    (time_t)l->pol->min_key_validity_days * 86400)
		return;
	log_warnx("%s: key %s of %s expires on %s, within the policy's "
	    "min-validity-days: still used until then", l->address,
	    kf->sub[0].fpr, address, iso_time(until, when));
}

int
enc_check(struct list *l, const struct member *m, const char *address,
    time_t now, struct rcpt *r, struct pd_err *err)
{
	const struct keyfacts *kf;
	struct pol_verdict v;
	size_t i, off;

	memset(r, 0, sizeof *r);
	snprintf(r->address, sizeof r->address, "%s", address);
	if (m == NULL || !m->active) {
		snprintf(r->skip, sizeof r->skip, "no longer an active member");
		return 0;
	}
	if (facts_of(l, m->fingerprint, &kf, err) == -1)
		return -1;
	if (kf == NULL) {
		snprintf(r->skip, sizeof r->skip, "key %s is not in the list's "
		    "keyring", m->fingerprint);
		return 0;
	}
	/* min-validity-days is for admission: here only what cannot work. */
	pol_verdict_init(&v);
	pol_key_usable(kf, l->pol, now, &v);
	warn_soon(l, address, kf, v.enc_subkey, now);
	for (i = 0, off = 0; i < v.n && off < sizeof r->skip; i++)
		off += (size_t)snprintf(r->skip + off, sizeof r->skip - off,
		    "%s%s", i ? "; " : "", v.reason[i].text);
	if (v.n == 0 && v.enc_subkey >= 0) {
		snprintf(r->subkey, sizeof r->subkey, "%s",
		    kf->sub[v.enc_subkey].fpr);
		snprintf(r->keyid, sizeof r->keyid, "%s",
		    kf->sub[v.enc_subkey].keyid);
	} else if (r->skip[0] == '\0')
		snprintf(r->skip, sizeof r->skip, "no usable encryption subkey");
	return 0;
}

void
enc_job(struct job *j, const struct rcpt *r)
{
	j->state = r->skip[0] ? JOB_SKIPPED : JOB_READY;
	snprintf(j->keyid, sizeof j->keyid, "%s", r->keyid);
	snprintf(j->last_reply, sizeof j->last_reply, "%s", r->skip);
	j->next_attempt = time(NULL);
}
