/*
 * listd/handover.h: listctl inject hands its message to the running listd
 * over listd's own LMTP socket, so that a message piped in by the MTA is
 * taken in as one that came over LMTP: sealed and committed by the
 * daemon, and handed to its processing in memory (handoff.h), not
 * unsealed again.  Without it, inject seals and commits the message
 * itself and listd unseals it from the store (one gpgme start-up and two
 * gpg runs more for every post).
 *
 * Only when it is the same daemon: listctl's listd.conf names a unix
 * socket in lmtp-listen (TCP is never used), and the listd on it names
 * the same datadir in its LHLO reply (handover_ident()).  No listd there,
 * and the connect fails at once.  Otherwise, and whenever the exchange fails before the message's
 * final dot (listd cannot have committed it then: a 421, a refusal, a
 * closed or silent socket), the caller commits the message itself, exactly
 * as without a daemon.  After the final dot listd's reply is the answer.
 */
#ifndef PDLIST_HANDOVER_H
#define PDLIST_HANDOVER_H

#include <stddef.h>

#include "common/util.h"
#include "listd/inbox.h"

/* How long listctl waits for each of listd's replies. */
#define HANDOVER_REPLY_SECONDS	120
/* The LHLO extension by which listd says which datadir it serves. */
#define HANDOVER_EXT		"XPDLIST-DATADIR"
#define HANDOVER_IDENT_MAX	64

/*
 * datadir's identity ("DEV:INODE" of the folder, in hex) into ident; ""
 * when it cannot be read.  listd offers it in LHLO, and listctl hands
 * nothing to a listd whose datadir is not its own (two listd instances,
 * a listd.conf naming another's socket).
 */
void	handover_ident(const char *datadir, char ident[HANDOVER_IDENT_MAX]);

/*
 * Hands msg (len bytes, ending in a line end) from sender ("" for <>) to
 * rcpt through the LMTP socket lmtp_listen of the listd that serves
 * datadir.  1: listd committed it, as message id.  0: not handed over
 * (no such listd, or the exchange failed before the final dot): the
 * caller commits it.  -1: listd answered the message with a refusal
 * (PD_REFUSED; *too_big when over the list's limit) or a temporary failure
 * (PD_TEMPFAIL, also when it gave no answer), said in err.
 */
int	handover_inject(const char *datadir, const char *lmtp_listen,
	    const char *sender, const char *rcpt, const char *msg, size_t len,
	    char id[INBOX_ID_MAX], int *too_big, struct pd_err *err);

#endif
