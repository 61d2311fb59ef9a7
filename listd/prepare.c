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

#define PREPARE_CHUNK	64	/* jobs read from the store at once */

/*
 * Records the encryption (or the failure to encrypt) of post p: the job of
 * each of r[0..n) ready, with the key to cut its copy for, or skipped with
 * why.  A job gone meanwhile is not made again.
 */
static int
commit_prepared(struct list *l, struct post *p, const struct rcpt *r,
    size_t n, const char *cipher, size_t clen, const char *failure,
    struct pd_err *err)
{
	struct job_set skips = { 0 };
	struct store_txn *t;
	char mkey[POST_ID_MAX + 8];
	size_t i, skipped = 0;
	struct job j;
	bool found;
	json_t *d;
	int rc = 0;

	for (i = 0; i < n; i++)
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
	for (i = 0; !failure && rc == 0 && i < n; i++) {
		if ((rc = job_get(t, l->address, p->id, r[i].address, &j,
		    &found, err)) == -1 || !found)
			continue;
		enc_job(&j, &r[i]);
		if ((rc = job_put(t, &j, false, err)) == 0 &&
		    j.state == JOB_SKIPPED && job_set_add(&skips, &j) == -1)
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	if (rc == 0)
		rc = post_put(t, p, false, err);
	/* recipients counts the members' and the public copies */
	d = json_pack("{s:I, s:I, s:s*}", "recipients", (json_int_t)(n -
	    skipped), "skipped", (json_int_t)skipped, "why", failure);
	if (rc == 0)
		rc = d ? audit_append(t, &(struct audit){ .list = l->address,
		    .actor = "listd", .action = "post encrypt", .subject = p->id,
		    .outcome = failure ? "failed" : "encrypted", .detail = d },
		    err) : pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_decref(d);
	if ((rc = store_end(t, rc, err)) == 0) {
		log_event("encrypt", "list=%s post=%s copies=%zu skipped=%zu "
		    "state=%s", l->address, p->id, n - skipped, skipped,
		    post_state_name(p->state));
		for (i = 0; i < skips.n; i++)
			log_copy(&skips.v[i]);
	}
	job_set_free(&skips);
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

static bool
job_new(const struct job *j, void *arg)
{
	(void)arg;
	return j->state == JOB_NEW;
}

/*
 * The recipients of p's copies still to be made (queue retry: only those
 * again), in *r[0..*n) (malloc'd), each member's key checked: the jobs
 * read a chunk at a time, and each job's member alone.
 */
static int
post_rcpts(struct list *l, const struct post *p, struct rcpt **r, size_t *n,
    struct pd_err *err)
{
	struct job_set chunk = { 0 };
	struct member *ms = NULL;
	struct job_walk w;
	struct store_txn *t;
	struct rcpt *nr;
	time_t now = time(NULL);
	size_t i, cap = 0;
	bool *found = NULL;
	int rc = 0;

	*r = NULL;
	*n = 0;
	job_walk_init(&w, l->address, p->id, job_new, NULL);
	if ((ms = calloc(PREPARE_CHUNK, sizeof *ms)) == NULL ||
	    (found = calloc(PREPARE_CHUNK, sizeof *found)) == NULL)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	while (rc == 0 && !w.end) {
		if ((rc = store_begin(l->st, false, &t, err)) == -1)
			break;
		rc = job_walk_next(t, &w, PREPARE_CHUNK, &chunk, err);
		for (i = 0; rc == 0 && i < chunk.n; i++)
			if (!chunk.v[i].public)
				rc = member_get(t, l->address, chunk.v[i].member,
				    &ms[i], &found[i], err);
		store_abort(t);
		if (rc == 0 && *n + chunk.n > cap) {
			cap = (*n + chunk.n) * 2;
			if ((nr = realloc(*r, (cap + 1) * sizeof *nr)) == NULL)
				rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
			else
				*r = nr;
		}
		for (i = 0; rc == 0 && i < chunk.n; i++, ++*n) {
			if (!chunk.v[i].public) {
				rc = enc_check(l, found[i] ? &ms[i] : NULL,
				    chunk.v[i].member, now, &(*r)[*n], err);
				continue;
			}
			memset(&(*r)[*n], 0, sizeof **r);
			snprintf((*r)[*n].address, sizeof (*r)[*n].address, "%s",
			    chunk.v[i].member);
			(*r)[*n].public = true;
		}
	}
	job_set_free(&chunk);
	free(ms);
	free(found);
	if (rc == -1) {
		free(*r);
		*r = NULL;
		*n = 0;
	}
	return rc;
}

static int
prepare_post(struct list *l, struct payload_cache *payloads, struct post *p,
    struct pd_err *err)
{
	char *payload = NULL, *cipher = NULL;
	size_t i, n, plen = 0, clen = 0, skipped = 0, publics = 0, members;
	struct rcpt *r = NULL;
	int rc;

	if (post_rcpts(l, p, &r, &n, err) == -1)
		return -1;
	/* The map's pages the walk read go before gpg's long run: the
	   commit below reads its own (store_shed()). */
	store_shed(l->st);
	for (i = 0; i < n; i++) {
		publics += r[i].public;
		skipped += r[i].skip[0] != '\0';
	}
	members = n - publics - skipped;
	rc = -1;
	if ((members > 0 || publics > 0) && (post_payload(l, payloads, p,
	    &payload, &plen, err) == -1 || (members > 0 && enc_once(l, payload,
	    plen, r, n, &cipher, &clen, err) == -1) || (publics > 0 &&
	    sign_public(l, p, payload, plen, err) == -1))) {
		if (err->status != PD_REFUSED)
			goto out;
		/* Deliver nothing for this post; say why. */
		rc = commit_prepared(l, p, r, n, NULL, 0, err->text, err);
		notice_tell(l, "pdlist: a post was not sent", p->failure);
		goto out;
	}
	rc = commit_prepared(l, p, r, n, cipher, clen, NULL, err);
	if (rc == 0 && skipped > 0)
		tell_skipped(l, p, r, n);
out:
	wipe_free(payload, plen);
	free(cipher);
	free(r);
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
