/* listd/work.c: see work.h. */
#include <stdatomic.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/log.h"

#include "listd/advisory.h"
#include "listd/archive.h"
#include "listd/expire.h"
#include "listd/fanout.h"
#include "listd/keywarn.h"
#include "listd/process.h"
#include "listd/work.h"

static atomic_bool stop_asked;

/* Milliseconds on the monotonic clock, for listd -v's timings. */
static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After a pass that did work: the memory it freed goes back to the system.
 * glibc keeps freed memory in each thread's arena (a delivery pass runs
 * `workers` threads), and a pass over 10,000 members leaves it scattered
 * between what is still in use; without this, the next post's pass finds
 * its heap fragmented and listd's resident set grows with every post
 * (20, 27, 31 MiB of heap after three posts to 10,000).  The store's
 * pages that the pass read go too (store_shed()).
 */
static void
give_back(struct store *st, unsigned done)
{
	if (done == 0)
		return;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	store_shed(st);
}

void
work_stop(void)
{
	atomic_store(&stop_asked, true);
}

bool
work_stopping(void)
{
	return atomic_load(&stop_asked);
}

int
work_process(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	unsigned released = 0, expired = 0, decided = 0, encrypted = 0;
	unsigned reminded = 0, archived = 0, warned = 0, refreshed = 0;
	struct payload_cache payloads = { NULL, 0 };
	struct pd_err e2 = { 0 };	/* failures after the first */
	long long t0, t1;
	int rc;

	*done = 0;
	if (work_stopping())
		return 0;
	/*
	 * Releases first: a revision judged next sees the advisory public.
	 * A stage that fails does not keep the others from their work: the
	 * first failure is reported.  After work_stop() no stage begins.
	 */
	rc = adv_release_due_all(st, conf->datadir, &released, err);
	if (!work_stopping())
		rc |= adv_remind_due_all(st, &reminded, rc ? &e2 : err);
	if (!work_stopping())
		rc |= held_expire_due(conf, st, &expired, rc ? &e2 : err);
	t0 = ms_now();
	if (!work_stopping())
		rc |= keyrefresh_due_all(conf, st, &refreshed, rc ? &e2 : err);
	if (!work_stopping())
		rc |= keywarn_due_all(conf, st, &warned, rc ? &e2 : err);
	if (!work_stopping())
		rc |= process_inbox(conf, st, &payloads, &decided,
		    rc ? &e2 : err);
	t1 = ms_now();
	/* What was decided is encrypted from memory, not decrypted again. */
	if (!work_stopping())
		rc |= fanout_prepare(conf, st, &payloads, &encrypted,
		    rc ? &e2 : err);
	payload_cache_free(&payloads);
	/* Once fan-out has signed a release's public copy: the archive. */
	if (!work_stopping())
		rc |= archive_publish_due(conf, st, &archived, rc ? &e2 : err);
	if (decided + encrypted > 0)
		log_debug("processing: %u decided in %lld ms, %u encrypted in "
		    "%lld ms", decided, t1 - t0, encrypted, ms_now() - t1);
	*done = released + reminded + expired + refreshed + warned + decided +
	    encrypted + archived;
	give_back(st, *done);
	return rc != 0 ? -1 : 0;
}

int
work_deliver(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	long long t0 = ms_now();
	int rc;

	*done = 0;
	if (work_stopping())
		return 0;
	rc = fanout_deliver(conf, st, done, err);
	if (*done > 0)
		log_debug("delivery: %u copies in %lld ms", *done,
		    ms_now() - t0);
	give_back(st, *done);
	return rc;
}

int
work_due(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	unsigned processed = 0, sent = 0;
	struct pd_err e2 = { 0 };
	int rc;

	rc = work_process(conf, st, &processed, err);
	rc |= work_deliver(conf, st, &sent, rc ? &e2 : err);
	*done = processed + sent;
	return rc != 0 ? -1 : 0;
}
