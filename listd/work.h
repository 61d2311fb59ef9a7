/*
 * listd/work.h: everything that is due, in order: advisories whose embargo
 * date has come are released, teams are reminded of advisories without a
 * CVE, the inbox is processed, posts decided for distribution are
 * encrypted, due copies are delivered.
 * What listd's processing and delivery threads and `listd --once` run.
 */
#ifndef PDLIST_WORK_H
#define PDLIST_WORK_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/*
 * One pass; *done counts what it did (messages decided, posts encrypted,
 * copies sent).  Temporary delivery trouble is left for a later pass and
 * is not an error.  One thread at a time.  It is work_process(), then
 * work_deliver(); the daemon runs the two in threads of their own, one
 * thread each.
 */
int	work_due(const struct conf *, struct store *, unsigned *done,
	    struct pd_err *err);

/* Releases, reminders, expiry, the inbox, encryption: all but delivery. */
int	work_process(const struct conf *, struct store *, unsigned *done,
	    struct pd_err *err);

/* Delivery of the copies that are due (fanout_deliver()). */
int	work_deliver(const struct conf *, struct store *, unsigned *done,
	    struct pd_err *err);

/*
 * Asks, from any thread, that work end soon: a work_due() in progress
 * starts no further step and no further copy, and a copy being sent is cut
 * off within about a second (a temporary failure: it is retried after the
 * next start).  A step already running to gpg or the store ends by
 * itself.  For SIGTERM; there is no way back.
 */
void	work_stop(void);
bool	work_stopping(void);

#endif
