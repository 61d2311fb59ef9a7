/*
 * listd/ledger_batch.h: group commit for the delivery ledger.
 *
 * Every delivery worker records each attempt (the job's new state and, for
 * an accepted copy, its ledger entry) through one batcher and waits until
 * it is committed before it sends its next copy.  The first worker to
 * record while no commit runs commits, in one write transaction and one
 * sync, every record handed in while the previous commit ran; the others
 * wait for it.  So commits no longer serialise the workers one copy at a
 * time, and a crash still leaves at most one accepted, unrecorded copy per
 * worker (doc/lifecycle.md): a worker has at most one record outstanding.
 */
#ifndef PDLIST_LEDGER_BATCH_H
#define PDLIST_LEDGER_BATCH_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/record.h"
#include "listd/store.h"

struct ledger_batch;

int	ledger_batch_new(struct store *, struct ledger_batch **out,
	    struct pd_err *err);
void	ledger_batch_free(struct ledger_batch *);

/*
 * Writes j (its state as the caller set it) and, with sent, its ledger
 * entry with the server's reply, in a commit shared with the records of
 * other threads; returns once that commit ended: 0, or -1 with the
 * commit's error (then nothing of it was written).  Thread-safe.
 */
int	ledger_batch_record(struct ledger_batch *, const struct job *j,
	    const char *reply, bool sent, struct pd_err *err);

/* Commits and syncs so far (for listd -v and the benchmark's notes). */
unsigned long ledger_batch_commits(const struct ledger_batch *);

#endif
