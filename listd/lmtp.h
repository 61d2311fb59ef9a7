/*
 * listd/lmtp.h: the LMTP server (RFC 2033) through which the MTA hands mail
 * to listd.  Each message is committed to the store's inbox with
 * intake_commit() (inbox.h) before its recipient is told 250; see lmtp.c
 * for the replies, the limits and why each connection has its own thread.
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

#define LMTP_MAX_CONN		64	/* more connections get 421 */
#define LMTP_MAX_RCPT		100	/* per transaction; more get 452 */
#define LMTP_LINE_MAX		1000	/* a command line with its CRLF */
#define LMTP_TIMEOUT		300	/* seconds a client may stay silent */

struct lmtp_server;

struct lmtp_opts {
	const char	*listen;	/* "unix:/PATH" or "HOST:PORT" */
	const char	*datadir;	/* where lists keep their policy.conf */
	struct store	*store;		/* borrowed; shared by all connections */
	/* Called (from a connection's thread) after each commit; may be NULL. */
	void		(*committed)(void *arg);
	void		*arg;
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
 * Accepts one connection and serves it in a thread of its own; over
 * LMTP_MAX_CONN connections it answers 421 and closes.  Errors are logged.
 */
void	lmtp_accept(struct lmtp_server *);

/*
 * Stops accepting: closes the listening socket (and removes a unix socket
 * file).  Idle connections are told 421 and closed; a transaction in
 * progress runs to its end.
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
