/*
 * listd/lmtp.h: the LMTP server (RFC 2033) through which the MTA hands mail
 * to listd.  Each message is committed to the store's inbox with
 * intake_commit() (inbox.h) before its recipient is told 250.  lmtp.c
 * keeps the connections (a thread each, their slots and deadlines),
 * lmtp_session.c speaks the protocol, lmtp_listen.c opens the socket.
 *
 * The caller owns the main loop: it polls lmtp_fd() and calls
 * lmtp_accept() when it is readable.  On shutdown it calls lmtp_stop(),
 * then lmtp_drain() to let transactions in flight finish, then
 * lmtp_close().
 */
#ifndef PDLIST_LMTP_H
#define PDLIST_LMTP_H

#include "common/util.h"
#include "listd/store.h"

#define LMTP_MAX_CONN		64	/* connections at once */
#define LMTP_PEER_MAX		(LMTP_MAX_CONN / 2)	/* from one TCP address */
#define LMTP_IDLE_TIMEOUT	300	/* default seconds outside a transaction */
#define LMTP_TXN_TIMEOUT	600	/* default seconds from MAIL to the dot */
#define LMTP_STOP_GRACE		4	/* seconds a transaction gets after
					   lmtp_stop() */

struct lmtp_server;

struct lmtp_opts {
	const char	*listen;	/* "unix:/PATH" or "HOST:PORT" */
	const char	*datadir;	/* where lists keep their policy.conf */
	struct store	*store;		/* borrowed; shared by all connections */
	/* Called (from a connection's thread) after each commit; may be NULL. */
	void		(*committed)(void *arg);
	void		*arg;
	unsigned	 idle_timeout;	/* seconds; 0 takes LMTP_IDLE_TIMEOUT */
	unsigned	 txn_timeout;	/* seconds; 0 takes LMTP_TXN_TIMEOUT */
	unsigned long	 held_ceiling;	/* bytes: intake_limit()'s */
};

/*
 * Checks that listen is "unix:/PATH" (a path that fits a socket address) or
 * "HOST:PORT" with a loopback HOST (127.0.0.1, ::1, [::1] or localhost):
 * LMTP has no authentication.  Nothing is opened.  PD_REFUSED with the
 * reason.
 */
int	lmtp_check_listen(const char *listen, struct pd_err *err);

/*
 * Opens the listening socket.  A unix socket gets mode 0660; a stale socket
 * file (nobody answers on it) is replaced, a socket somebody answers on is
 * refused, and so is any other kind of file.  Sets the process umask for a
 * moment: call before other threads create files.  opts and the strings it
 * points to are copied, except the store.  The caller frees *out with
 * lmtp_close().
 */
int	lmtp_open(const struct lmtp_opts *opts, struct lmtp_server **out,
	    struct pd_err *err);

/* The listening descriptor, to poll for reading; -1 after lmtp_stop(). */
int	lmtp_fd(const struct lmtp_server *);

/*
 * Accepts one connection and serves it in a thread of its own.  A
 * connection has idle_timeout seconds in all outside transactions (from
 * its start or its last message's end to MAIL) and txn_timeout seconds
 * for each transaction (MAIL to the final dot), however it trickles; then
 * it is told 421 4.4.2 and closed.  When LMTP_MAX_CONN connections are
 * open, or LMTP_PEER_MAX from the new one's TCP address, the one (of them)
 * that has waited longest since its last whole command is told 421 and
 * closed to make room; the new one is refused with 421 only when every
 * slot is busy with the store.  Unix socket clients have no share: the
 * socket is the MTA's (mode 0660).  Errors are logged.
 */
void	lmtp_accept(struct lmtp_server *);

/* New deadlines (seconds; 0 keeps one) for every connection, at once. */
void	lmtp_set_timeouts(struct lmtp_server *, unsigned idle,
	    unsigned txn);

/*
 * Stops accepting: closes the listening socket (and removes a unix socket
 * file).  Idle connections are told 421 and closed within a second; a
 * transaction in progress may run to its end for LMTP_STOP_GRACE seconds,
 * then it is told 421 too.
 */
void	lmtp_stop(struct lmtp_server *);

/* Waits up to seconds for every connection to end; returns how many remain. */
unsigned lmtp_drain(struct lmtp_server *, unsigned seconds);

/*
 * Frees the server.  When connections remain (lmtp_drain() timed out) it is
 * left to them and the process is expected to exit.
 */
void	lmtp_close(struct lmtp_server *);

#endif
