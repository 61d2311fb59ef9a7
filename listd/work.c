/* listd/work.c: see work.h. */
#include "listd/advisory.h"
#include "listd/expire.h"
#include "listd/fanout.h"
#include "listd/process.h"
#include "listd/work.h"

int
work_due(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	unsigned released = 0, expired = 0, decided = 0, encrypted = 0, sent = 0;
	unsigned reminded = 0;
	struct payload_cache payloads = { NULL, 0 };
	struct pd_err e2 = { 0 };	/* failures after the first */
	int rc;

	/*
	 * Releases first: a revision judged next sees the advisory public.
	 * A stage that fails does not keep the others from their work: the
	 * first failure is reported.
	 */
	rc = adv_release_due_all(st, conf->datadir, &released, err);
	rc |= adv_remind_due_all(st, &reminded, rc ? &e2 : err);
	rc |= held_expire_due(conf, st, &expired, rc ? &e2 : err);
	rc |= process_inbox(conf, st, &payloads, &decided, rc ? &e2 : err);
	/* What was decided is encrypted from memory, not decrypted again. */
	rc |= fanout_prepare(conf, st, &payloads, &encrypted, rc ? &e2 : err);
	payload_cache_free(&payloads);
	rc |= fanout_deliver(conf, st, &sent, rc ? &e2 : err);
	*done = released + reminded + expired + decided + encrypted + sent;
	return rc != 0 ? -1 : 0;
}
