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
	struct payload_cache payloads = { NULL, 0 };
	int rc;

	/* Releases first: a revision judged next sees the advisory public. */
	rc = adv_release_due_all(st, conf->datadir, &released, err);
	if (rc == 0)
		rc = held_expire_due(conf, st, &expired, err);
	if (rc == 0)
		rc = process_inbox(conf, st, &payloads, &decided, err);
	/* What was decided is encrypted from memory, not decrypted again. */
	if (rc == 0)
		rc = fanout_prepare(conf, st, &payloads, &encrypted, err);
	payload_cache_free(&payloads);
	if (rc == 0)
		rc = fanout_deliver(conf, st, &sent, err);
	*done = released + expired + decided + encrypted + sent;
	return rc;
}
