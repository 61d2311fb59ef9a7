/* listd/ledger_batch.c: see ledger_batch.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "listd/ledger_batch.h"

/* One worker's record, on its stack while it waits. */
struct batch_rec {
	const struct job *j;
	const char	*reply;
	bool		 sent;
	bool		 done;		/* its commit ended */
	int		 rc;
	struct pd_err	 err;
	struct batch_rec *next;
};

struct ledger_batch {
	struct store	*st;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;		/* a commit ended */
	struct batch_rec *pending;	/* handed in, not yet taken */
	bool		 committing;
	unsigned long	 commits;
};

int
ledger_batch_new(struct store *st, struct ledger_batch **out,
    struct pd_err *err)
{
	struct ledger_batch *b;

	if ((b = calloc(1, sizeof *b)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	b->st = st;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	*out = b;
	return 0;
}

void
ledger_batch_free(struct ledger_batch *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b);
}

unsigned long
ledger_batch_commits(const struct ledger_batch *b)
{
	return b->commits;
}

/* One transaction for every record in the list; its outcome in each. */
static void
commit_all(struct store *st, struct batch_rec *list)
{
	struct store_txn *t = NULL;
	struct batch_rec *r;
	struct pd_err err = { 0 };
	int rc;

	rc = store_begin(st, true, &t, &err);
	for (r = list; rc == 0 && r != NULL; r = r->next) {
		rc = job_put(t, r->j, false, &err);
		if (rc == 0 && r->sent)
			rc = ledger_put(t, r->j, r->reply, &err);
	}
	if (t != NULL)
		rc = store_end(t, rc, &err);
	for (r = list; r != NULL; r = r->next) {
		r->rc = rc;
		r->err = err;
	}
}

int
ledger_batch_record(struct ledger_batch *b, const struct job *j,
    const char *reply, bool sent, struct pd_err *err)
{
	struct batch_rec me = { j, reply, sent, false, 0, { 0 }, NULL }, *take,
	    *r;

	pthread_mutex_lock(&b->lock);
	me.next = b->pending;
	b->pending = &me;
	while (!me.done && b->committing)
		pthread_cond_wait(&b->cond, &b->lock);
	if (!me.done) {		/* nobody commits: this thread does */
		take = b->pending;
		b->pending = NULL;
		b->committing = true;
		pthread_mutex_unlock(&b->lock);
		commit_all(b->st, take);
		pthread_mutex_lock(&b->lock);
		for (r = take; r != NULL; r = r->next)
			r->done = true;
		b->committing = false;
		b->commits++;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
	if (me.rc == -1)
		*err = me.err;
	return me.rc;
}
