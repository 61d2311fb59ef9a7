/* listd/prepare.c: fanout_prepare(), see fanout.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys.h"
#include "common/log.h"
#include "listd/encrypt.h"
#include "listd/failures.h"
#include "listd/fanout.h"
#include "listd/msg.h"
#include "listd/notice.h"
#include "listd/record.h"

/*
 * Records the encryption (or the failure to encrypt) of post p: each job
 * ready, with the key to cut its copy for, or skipped with why.
 */
static int
commit_prepared(struct list *l, struct post *p, struct job_set *jobs,
    const struct rcpt *r, const char *cipher, size_t clen,
    const char *failure, struct pd_err *err)
{
	struct store_txn *t;
	char mkey[POST_ID_MAX + 8];
	size_t i, skipped = 0;
	json_t *d;
	int rc = 0;

	for (i = 0; i < jobs->n; i++)
		skipped += r[i].skip[0] != '\0';
	p->state = failure ? POST_FAILED : POST_ENCRYPTED;
	p->skipped = (long)skipped;
	if (failure && rec_set(&p->failure, failure) == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	snprintf(mkey, sizeof mkey, "%s.pgp", p->id);
	if (store_begin(l->st, true, &t, err) == -1)
		return -1;
	if (!failure && cipher != NULL)
		rc = store_put_bytes(t, STORE_MESSAGES, mkey, cipher, clen, true,
		    err);
	for (i = 0; !failure && rc == 0 && i < jobs->n; i++) {
		struct job *j = &jobs->v[i];

		enc_job(j, &r[i]);
		rc = job_put(t, j, false, err);
	}
	if (rc == 0)
		rc = post_put(t, p, false, err);
	/* recipients counts the members' and the public copies */
	d = json_pack("{s:I, s:I, s:s*}", "recipients", (json_int_t)(jobs->n -
	    skipped), "skipped", (json_int_t)skipped, "why", failure);
	if (rc == 0)
		rc = d ? audit_append(t, &(struct audit){ .list = l->address,
		    .actor = "listd", .action = "post encrypt", .subject = p->id,
		    .outcome = failure ? "failed" : "encrypted", .detail = d },
		    err) : pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_decref(d);
	if ((rc = store_end(t, rc, err)) == 0) {
		log_event("encrypt", "list=%s post=%s copies=%zu skipped=%zu "
		    "state=%s", l->address, p->id, jobs->n - skipped, skipped,
		    post_state_name(p->state));
		for (i = 0; !failure && i < jobs->n; i++)
			if (jobs->v[i].state == JOB_SKIPPED)
				log_copy(&jobs->v[i]);
	}
	return rc;
}

/*
 * The admins and the team hear at once, encrypted, whose copy of which
 * advisory was skipped: there is still time to reach them another way.
 */
static void
tell_skipped(struct list *l, const struct post *p, const struct rcpt *r,
    size_t n)
{
	char text[4096], what[160], when[32];
	size_t i, off;

	if (p->kw.advisory[0] == '\0')
		snprintf(what, sizeof what, "Post %s", p->id);
	else if (p->kw.embargo_set && !p->kw.embargo_none)
		snprintf(what, sizeof what, "%s revision %ld (post %s, embargo "
		    "until %s)", p->kw.advisory, p->kw.revision, p->id,
		    iso_time(p->kw.embargo, when));
	else
		snprintf(what, sizeof what, "%s revision %ld (post %s)",
		    p->kw.advisory, p->kw.revision, p->id);
	off = (size_t)snprintf(text, sizeof text, "%s on %s was not sent to "
	    "these members; their copies were skipped, not sent in "
	    "plaintext:\n\n", what, l->address);
	for (i = 0; i < n && off < sizeof text; i++)
		if (r[i].skip[0] != '\0')
			off += (size_t)snprintf(text + off, sizeof text - off,
			    "  %s: %s\n", r[i].address, r[i].skip);
	if (off < sizeof text)
		snprintf(text + off, sizeof text - off, "\nReach them another "
		    "way before the embargo ends, and have their keys renewed "
		    "or replaced (listctl member check %s; listctl member key "
		    "%s ADDRESS --key FILE sends them what they missed).\n",
		    l->address, l->address);
	notice_tell_team(l, true, "pdlist: members skipped", text);
}

/*
 * The public copy of a post: its content is public from now on, so it is
 * kept (sealed to the list's key until sent) with the list's detached
 * signature over its canonical form, for the public addresses' signed (not
 * encrypted) copies.
 */
static int
sign_public(struct list *l, struct post *p, const char *payload, size_t plen,
    struct pd_err *err)
{
	struct store_txn *t;
	char *canon = NULL, *sig = NULL, *sealed = NULL, micalg[24];
	char key[POST_ID_MAX + 8];
	size_t clen = 0, slen = 0, sealed_len = 0;
	int rc = -1;

	/* Kept sealed until sent: a reporter's clear copy is embargoed. */
	if (msg_canonical(payload, plen, &canon, &clen, err) == -1 ||
	    keys_sign_detached(l->keys, l->fpr, canon, clen, &sig, &slen, micalg,
	    err) == -1 || keys_seal(l->keys, l->fpr, payload, plen, false,
	    &sealed, &sealed_len, err) == -1)
		goto out;
	if (rec_set(&p->micalg, micalg) == -1) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	if (store_begin(l->st, true, &t, err) == -1)
		goto out;
	snprintf(key, sizeof key, "%s.pub", p->id);
	rc = store_put_bytes(t, STORE_MESSAGES, key, sealed, sealed_len, false,
	    err);
	snprintf(key, sizeof key, "%s.sig", p->id);
	if (rc == 0)
		rc = store_put_bytes(t, STORE_MESSAGES, key, sig, slen, false, err);
	if (rc == 0)
		rc = store_commit(t, err);
	else
		store_abort(t);
out:
	free(canon);
	free(sig);
	free(sealed);
	return rc;
}

/*
 * What a post sends: the list's own words (a notice with text), or the
 * content of the message it stands for (a release's: its source's).
 */
static int
post_payload(struct list *l, struct payload_cache *payloads,
    const struct post *p, char **payload, size_t *plen, struct pd_err *err)
{
	struct msg_protected ph = { p->subject, l->address, NULL, NULL, NULL };

	if (p->text[0] != '\0')
		return msg_text_payload(p->text, strlen(p->text), &ph, payload,
		    plen, err);
	return process_payload(l, payloads, p->source[0] ? p->source : p->id,
	    p->moderated, payload, plen, err);
}

static int
prepare_post(struct list *l, struct payload_cache *payloads, struct post *p,
    struct pd_err *err)
{
	char *payload = NULL, *cipher = NULL;
	size_t i, plen = 0, clen = 0, skipped = 0, publics = 0, members;
	struct member_set ms;
	struct job_set jobs;
	struct store_txn *t;
	struct rcpt *r = NULL;
	time_t now = time(NULL);
	int rc = -1;

	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = job_collect(t, l->address, p->id, &jobs, err);
	if (rc == 0 && (rc = member_collect(t, l->address, &ms, err)) == -1)
		job_set_free(&jobs);
	store_abort(t);
	if (rc == -1)
		return -1;
	/* the copies still to be made (queue retry: only those again) */
	for (i = members = 0; i < jobs.n; i++)
		if (jobs.v[i].state == JOB_NEW)
			jobs.v[members++] = jobs.v[i];
	jobs.n = members;
	rc = -1;
	if ((r = calloc(jobs.n + 1, sizeof *r)) == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < jobs.n; i++) {
		if (jobs.v[i].public) {
			snprintf(r[i].address, sizeof r[i].address, "%s",
			    jobs.v[i].member);
			r[i].public = true;
			publics++;
			continue;
		}
		if (enc_check(l, member_find(&ms, jobs.v[i].member),
		    jobs.v[i].member, now, &r[i], err) == -1)
			goto out;
		skipped += r[i].skip[0] != '\0';
	}
	members = jobs.n - publics - skipped;
	if ((members > 0 || publics > 0) && (post_payload(l, payloads, p,
	    &payload, &plen, err) == -1 || (members > 0 && enc_once(l, payload,
	    plen, r, jobs.n, &cipher, &clen, err) == -1) || (publics > 0 &&
	    sign_public(l, p, payload, plen, err) == -1))) {
		if (err->status != PD_REFUSED)
			goto out;
		/* Deliver nothing for this post; say why. */
		rc = commit_prepared(l, p, &jobs, r, NULL, 0, err->text, err);
		notice_tell(l, "pdlist: a post was not sent", p->failure);
		goto out;
	}
	rc = commit_prepared(l, p, &jobs, r, cipher, clen, NULL, err);
	if (rc == 0 && skipped > 0)
		tell_skipped(l, p, r, jobs.n);
out:
	wipe_free(payload, plen);
	free(cipher);
	free(r);
	job_set_free(&jobs);
	member_set_free(&ms);
	return rc;
}

int
fanout_prepare(const struct conf *conf, struct store *st,
    struct payload_cache *payloads, unsigned *done, struct pd_err *err)
{
	struct list_cache lists;
	struct post_set posts;
	struct store_txn *t;
	struct list *l;
	size_t i;
	int rc;

	*done = 0;
	if (store_begin(st, false, &t, err) == -1)
		return -1;
	rc = post_collect(t, false, "", &posts, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	list_cache_init(&lists, st, conf->datadir, LIST_KEYS);
	for (i = 0; rc == 0 && i < posts.n; i++) {
		struct post *p = &posts.v[i];

		if (p->state != POST_DECIDED && p->state != POST_NOTIFY)
			continue;
		if ((rc = list_cache_get(&lists, p->list, &l, err)) == -1)
			break;
		list_fresh(l);
		rc = p->state == POST_NOTIFY ? notice_prepare(l, p, err) :
		    prepare_post(l, payloads, p, err);
		if (rc == 0)
			++*done;
	}
	list_cache_free(&lists);
	post_set_free(&posts);
	return rc;
}
