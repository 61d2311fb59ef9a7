/*
 * listd/inbox.h: intake.  A message is acknowledged (250 over LMTP, exit 0
 * from listctl inject) only after intake_commit() has returned 0: the raw
 * bytes and their intake record are then committed and synced to the store.
 * The processor takes them from there (process.h).
 */
#ifndef PDLIST_INBOX_H
#define PDLIST_INBOX_H

#include <stddef.h>

#include "common/util.h"
#include "listd/route.h"
#include "listd/store.h"

#define INBOX_ID_MAX	32	/* "20261122T101500Z-0a1b2c3d" and NUL */

/*
 * Which list address belongs to, as which of its addresses (route.h),
 * into *r, and that list's size limit in *max: its policy's
 * max-message-size, or, where the policy says oversize = hold,
 * held_ceiling (listd.conf's max-held-size) when that is larger:
 * process.c holds what is over.  An address that is no list's own is
 * PD_REFUSED ("no list ..."), a broken policy PD_TEMPFAIL
 * (the admin can mend it; the MTA keeps the mail meanwhile).
 * Thread-safe.
 */
int	intake_limit(struct store *, const char *datadir, const char *address,
	    unsigned long held_ceiling, struct route *r, unsigned long *max,
	    struct pd_err *err);

/*
 * Commits raw (len bytes, as received) for r's list (from intake_limit()),
 * with which of its addresses it came to, the envelope sender (may be ""
 * for a bounce) and how it came ("lmtp", "inject").  The bytes
 * are sealed to the list's own key (keys_seal) before they reach the
 * store; the processor unseals them.  Writes the new message id into id.
 * An unknown list is PD_REFUSED; anything else that fails is PD_TEMPFAIL.
 * Thread-safe.
 */
int	intake_commit(struct store *, const char *datadir, const struct route *r,
	    const char *sender, const char *via, const char *raw, size_t len,
	    char id[INBOX_ID_MAX], struct pd_err *err);

/*
 * Reads a message from fd until end of file, at most max bytes.  A larger
 * message is read to its end and thrown away, without buffering the excess,
 * and refused (PD_REFUSED, *too_big set).  The caller frees *buf.
 */
int	intake_read_fd(int fd, unsigned long max, char **buf, size_t *len,
	    int *too_big, struct pd_err *err);

#endif
