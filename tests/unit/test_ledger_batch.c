/*
 * tests/unit/test_ledger_batch.c: group commit (listd/ledger_batch.h) on a
 * real LMDB store: threads recording at once all find their records in
 * the store, sent ones in the ledger too, in fewer commits than records;
 * a record on a store that takes no write fails, for everyone in its
 * commit, with the store's reason.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listd/ledger_batch.h"
#include "tap.h"

#define THREADS		8
#define PER_THREAD	50

static char dir[] = "/tmp/pdlist-ledger.XXXXXX";
static struct ledger_batch *batch;
static int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
recorder(void *arg)
{
	struct pd_err err = { 0 };
	struct job j;
	char who[64];
	int t = (int)(long)arg, i;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(who, sizeof who, "m%d-%d@v.example", t, i);
		job_init(&j, "l@lists.example", "post-1", who, false, NULL);
		j.state = i % 5 ? JOB_SENT : JOB_RETRY;
		if (ledger_batch_record(batch, &j, "250 ok", i % 5 != 0,
		    &err) == -1) {
			pthread_mutex_lock(&fail_lock);
			failures++;
			pthread_mutex_unlock(&fail_lock);
		}
	}
	return NULL;
}

static int
count(const char *key, json_t *value, void *arg)
{
	(void)key;
	(void)value;
	++*(int *)arg;
	return 0;
}

int
main(void)
{
	struct pd_err err = { 0 };
	struct store *st;
	struct store_txn *t;
	pthread_t th[THREADS];
	struct job j;
	int i, jobs = 0, ledger = 0;
	unsigned long commits;

	if (mkdtemp(dir) == NULL || store_open(dir, 64, &st, &err) == -1) {
		ok(0, "a store: %s", err.text);
		return done_testing();
	}
	store_ring_on_commit(st, false);
	ok(ledger_batch_new(st, &batch, &err) == 0, "a batcher");
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, recorder, (void *)(long)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	ok(failures == 0, "%d threads recorded %d attempts each", THREADS,
	    PER_THREAD);
	if (store_begin(st, false, &t, &err) == 0) {
		store_scan(t, STORE_JOBS, "", count, &jobs, &err);
		store_scan(t, STORE_LEDGER, "", count, &ledger, &err);
		store_abort(t);
	}
	ok(jobs == THREADS * PER_THREAD, "every job is in the store (%d)",
	    jobs);
	ok(ledger == THREADS * PER_THREAD * 4 / 5,
	    "every accepted copy, and no other, is in the ledger (%d)", ledger);
	commits = ledger_batch_commits(batch);
	diag("%d records in %lu commits", THREADS * PER_THREAD, commits);
	/* 8 threads waiting on each other's syncs: some must share one. */
	ok(commits >= 1 && commits < (unsigned long)THREADS * PER_THREAD,
	    "records share commits (%lu for %d)", commits,
	    THREADS * PER_THREAD);
	/* A second ledger entry for one copy is refused by the store: the
	   record fails with the store's reason, and nothing of it stays. */
	job_init(&j, "l@lists.example", "post-1", "m0-1@v.example", false,
	    NULL);
	j.state = JOB_FAILED;
	ok(ledger_batch_record(batch, &j, "250 again", true, &err) == -1 &&
	    strstr(err.text, "exists") != NULL,
	    "a record the store refuses fails with its reason (%s)", err.text);
	ledger_batch_free(batch);
	store_close(st);
	rm_tree(dir);
	return done_testing();
}
