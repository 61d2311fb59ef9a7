/*
 * listd/bounce.h: mail to a list's bounce address (route.h), as the
 * processor dispatches it.  A delivery report (dsn.h) to a copy's own
 * address (verp.h) is recorded against that copy in the ledger and the
 * audit log: a permanent failure marks the copy BOUNCED (its job, made
 * again when it was pruned, shows in listctl queue), tells the admins
 * (failures.h), and may suspend the member (the policy's bounce-suspend,
 * for which a copy the relay refused counts too: bounce_refused()); a
 * delay or other report is recorded only.  Anything else is held as
 * "bounce" for the admins: what is no report with a notice to them, a
 * report about no copy on record (to the plain bounce address: a
 * notice's), or whose token names more than one (verp.h), quietly, lest a dead admin address loop notices about
 * notices.  A report is never answered.
 */
#ifndef PDLIST_BOUNCE_H
#define PDLIST_BOUNCE_H

#include "common/util.h"
#include "listd/list.h"
#include "listd/record.h"

/* Processes in (RCPT_BOUNCES) for l: 0, or -1 for temporary trouble. */
int	bounce_process(struct list *l, const struct inbox_entry *in,
	    struct pd_err *err);

/*
 * A copy the relay refused for good (j FAILED with refused_us: a 5xx to
 * RCPT, fanout.h) counts like a bounce: a member whose copies were lost
 * bounce-suspend times in a row, bounced or refused, is suspended the
 * same way (one transaction with its audit entry, one notice to the
 * admins).  0, or -1 for store trouble (err).
 */
int	bounce_refused(struct list *l, const struct job *j, struct pd_err *err);

#endif
