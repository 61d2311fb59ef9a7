/*
 * listd/wake.h: the daemon's doorbell.  The running listd listens on a
 * unix datagram socket, DATADIR/wake; every other process that commits a
 * write to the store (listctl inject, held approve, queue retry, ...)
 * rings it after the commit (store.c does, see store_ring_on_commit()),
 * so the daemon runs at once instead of at its next poll.  A ring carries
 * nothing and is never waited for: with no daemon, or a full socket
 * buffer (rings pending already), it is dropped, and the daemon's poll
 * remains the fallback.
 */
#ifndef PDLIST_WAKE_H
#define PDLIST_WAKE_H

#include "common/util.h"

/*
 * Binds DATADIR/wake (replacing a dead daemon's); a nonblocking fd.  A
 * socket that a living listd holds is refused.
 */
int	wake_listen(const char *datadir, struct pd_err *err);
/* Reads every ring that waits on fd; true when there was one. */
bool	wake_drain(int fd);
/* Rings the daemon of datadir, if one listens; never blocks. */
void	wake_ring(const char *datadir);

#endif
