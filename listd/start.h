/*
 * listd/start.h: what listd checks before it starts, and what -n checks
 * besides: the datadir's owner and modes (common/owner.h), the socket's
 * folder, the smtp-url, the store and every list's policy.
 */
#ifndef PDLIST_START_H
#define PDLIST_START_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/conf.h"

#define START_CHECK_ONLY	0x1	/* -n: make nothing */
#define START_LISTEN		0x2	/* the daemon, which listens */

/*
 * Works on the datadir as its owner: run as root on another user's
 * datadir, becomes that user; makes a missing datadir unless
 * START_CHECK_ONLY.  Then checks what a start needs: nothing in the
 * datadir of another user, the smtp-url (smtp:// or smtps://), the
 * smtp-ca-file (smtp_set_ca_file()) and with
 * START_LISTEN lmtp-listen (for a unix socket, a folder that exists and
 * that listd may write in).  0, or -1 with the first problem and its fix.
 */
int	start_prepare(const struct conf *, int flags, struct pd_err *err);

/*
 * For -n, after start_prepare(): the store opens and every list's policy
 * loads.  Each problem is one line on stderr; returns how many.
 */
unsigned start_check_lists(const struct conf *);

/*
 * Tells systemd (Type=notify) how listd is: "READY=1", "STOPPING=1",
 * "RELOADING=1"; the sd_notify(3) datagram, sent only when NOTIFY_SOCKET
 * is set.  Nothing is linked for it.
 */
void	start_notify(const char *state);

#endif
