/* listd/work.c: see work.h. */
#include "listd/fanout.h"
#include "listd/process.h"
#include "listd/work.h"

int
work_due(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	unsigned decided = 0, encrypted = 0, sent = 0;
	int rc;

	rc = process_inbox(conf, st, &decided, err);
	if (rc == 0)
		rc = fanout_prepare(conf, st, &encrypted, err);
	if (rc == 0)
		rc = fanout_deliver(conf, st, &sent, err);
	*done = decided + encrypted + sent;
	return rc;
}
