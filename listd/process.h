/*
 * listd/process.h: the processor.  Takes each message from the inbox,
 * decides from its OpenPGP signature (never its headers) whether it goes on
 * to distribution or is held with a reason, and records the decision, the
 * removal from the inbox and the audit entry in one transaction.
 */
#ifndef PDLIST_PROCESS_H
#define PDLIST_PROCESS_H

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/*
 * Processes every message in the inbox; *done counts them.  A message whose
 * processing fails for a temporary reason (gpg, the store) stays in the
 * inbox for the next run.  Call from one thread at a time.
 */
int	process_inbox(const struct conf *, struct store *, unsigned *done,
	    struct pd_err *err);

#endif
