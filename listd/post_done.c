/*
 * listd/post_done.c: fanout_finish_post() (fanout.h), a post's end: its
 * jobs counted, the sent ones pruned a chunk at a time, and the admins told
 * of the failed ones (kept for listctl queue).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "listd/failures.h"
#include "listd/fanout.h"
#include "listd/list.h"
#include "listd/record.h"

#define PRUNE_CHUNK	64	/* sent jobs read at once to be deleted */

struct tally {
	size_t	 sent, failed, skipped, pending;
};

static bool
count_job(const struct job *j, void *arg)
{
	struct tally *c = arg;

	switch (j->state) {
	case JOB_SENT:
		c->sent++;
		break;
	case JOB_SKIPPED:
		c->skipped++;
		break;
	case JOB_FAILED:
	case JOB_BOUNCED:
		c->failed++;
		break;
	default:
		c->pending++;
	}
	return false;		/* counted, not kept */
}

static bool
job_sent(const struct job *j, void *arg)
{
	(void)arg;
	return j->state == JOB_SENT;
}

static bool
job_failed(const struct job *j, void *arg)
{
	(void)arg;
	return j->state == JOB_FAILED || j->state == JOB_BOUNCED;
}

/*
 * What a post no longer needs once it is done: the sent jobs (the ledger
 * has them) and the encrypted result; and a reporter's plaintext copy,
 * kept in clear only to be sent.  (Public copies of published advisories
 * stay.)  Failed and skipped jobs stay for listctl queue.
 */
static int
prune(struct store_txn *t, const struct post *p, struct pd_err *err)
{
	static const char *const ext[] = { "pgp", "pub", "sig" };
	char key[POST_ID_MAX + 8];
	size_t i, n = p->kind == POST_REPORTER_COPY ? 3 : 1;
	struct job_set sent = { 0 };
	struct job_walk w;
	int rc;

	job_walk_init(&w, p->list, p->id, job_sent, NULL);
	while ((rc = job_walk_next(t, &w, PRUNE_CHUNK, &sent, err)) == 0 &&
	    sent.n > 0)
		for (i = 0; rc == 0 && i < sent.n; i++)
			rc = job_del(t, &sent.v[i], err);
	job_set_free(&sent);
	for (i = 0; rc == 0 && i < n; i++) {
		snprintf(key, sizeof key, "%s.%s", p->id, ext[i]);
		if (store_del(t, STORE_MESSAGES, key, err) == -1 &&
		    err->status != PD_REFUSED)
			return -1;	/* PD_REFUSED: it had none */
	}
	return rc;
}

/*
 * The jobs of list's post id that failed or bounced, counted into *c (as
 * every other of its jobs), read in t.
 */
static int
tally_post(struct store_txn *t, const char *list, const char *id,
    struct tally *c, struct job_set *failed, struct pd_err *err)
{
	struct job_walk w;

	memset(failed, 0, sizeof *failed);
	job_walk_init(&w, list, id, count_job, c);
	if (job_walk_next(t, &w, SIZE_MAX, failed, err) == -1)
		return -1;
	if (c->failed == 0)
		return 0;
	job_walk_init(&w, list, id, job_failed, NULL);
	return job_walk_next(t, &w, SIZE_MAX, failed, err);
}

int
fanout_finish_post(struct list_cache *lists, const char *list, const char *id,
    struct pd_err *err)
{
	struct tally c = { 0 };
	struct store_txn *t;
	struct job_set failed;
	struct post p;
	struct list *l;
	json_t *detail = NULL;
	bool found;
	int rc;

	post_init(&p, POST_MESSAGE, POST_DONE);
	if (store_begin(lists->st, true, &t, err) == -1)
		return -1;
	if ((rc = tally_post(t, list, id, &c, &failed, err)) == -1) {
		store_abort(t);
		goto out;
	}
	rc = post_get(t, false, list, id, &p, &found, err);
	if (rc == -1 || c.pending > 0 || !found || p.state == POST_DONE) {
		store_abort(t);
		goto out;
	}
	p.state = POST_DONE;
	p.sent = (long)c.sent;
	p.failed = (long)c.failed;
	detail = json_pack("{s:I, s:I, s:I}", "sent", (json_int_t)c.sent,
	    "failed", (json_int_t)c.failed, "skipped", (json_int_t)c.skipped);
	if (detail == NULL)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (rc == 0)
		rc = post_put(t, &p, false, err);
	if (rc == 0)
		rc = prune(t, &p, err);
	if (rc == 0)
		rc = audit_append(t, &(struct audit){ .list = list, .actor =
		    "listd", .action = "post delivered", .subject = id, .outcome =
		    c.failed ? "with failures" : "all sent", .detail = detail },
		    err);
	/* store_commit() frees t even when it fails: never abort it then */
	if ((rc = store_end(t, rc, err)) == -1)
		goto out;
	log_event("post-done", "list=%s post=%s sent=%zu failed=%zu "
	    "skipped=%zu", list, id, c.sent, c.failed, c.skipped);
	if (c.failed > 0 && p.kind != POST_NOTICE &&
	    list_cache_get(lists, list, &l, err) == 0) {
		list_fresh(l);
		fail_tell(l, "pdlist: copies not delivered", &failed);
	}
out:
	json_decref(detail);
	post_clear(&p);
	job_set_free(&failed);
	return rc;
}

