/*
 * listd/lmtp_session.h: one LMTP session (RFC 2033), from the greeting to
 * QUIT, as a parser that does no I/O of its own.
 *
 * The session reads command lines and messages and writes replies through
 * struct lmtp_io, asks it for each list's size limit and hands it each
 * message to commit.  The server (lmtp.c) plugs in the socket, the
 * deadlines and the store; the fuzz target (tests/fuzz/fuzz_lmtp.c) plugs
 * in a buffer and stubs.  Nothing here keeps state between sessions, so
 * any number run at once, one per thread.
 */
#ifndef PDLIST_LMTP_SESSION_H
#define PDLIST_LMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"
#include "listd/inbox.h"

#define LMTP_MAX_RCPT		100	/* per transaction; more get 452 */
#define LMTP_LINE_MAX		1000	/* a command line with its CRLF */
#define LMTP_MAX_JUNK		100	/* bad or idle commands before 421 */

/* What a read brought, or why the session must end. */
enum lmtp_rd {
	LMTP_RD_OK,		/* *got > 0 bytes */
	LMTP_RD_EOF,		/* the client closed */
	LMTP_RD_ERR,		/* a socket error */
	LMTP_RD_TIMEOUT,	/* the connection's or transaction's deadline */
	LMTP_RD_STOP,		/* listd is shutting down */
	LMTP_RD_EVICTED		/* the slot was given to a new client */
};

/* Where the session is, for the server's deadlines and slot table. */
enum lmtp_event {
	LMTP_EV_COMMAND,	/* a whole command line came: progress */
	LMTP_EV_MAIL,		/* MAIL was accepted: a transaction began */
	LMTP_EV_DATA_END,	/* the message ended (committed or not) */
	LMTP_EV_RESET		/* the transaction ended without a message */
};

/*
 * The session's world.  Every function gets arg.  read() is called only
 * when the session has used up what it read before and after every queued
 * reply went out through write().
 */
struct lmtp_io {
	/* Up to len bytes into buf; LMTP_RD_OK with *got > 0, or why not. */
	enum lmtp_rd (*read)(void *arg, char *buf, size_t len, size_t *got);
	/* Sends all len bytes; -1 when the client is gone. */
	int	(*write)(void *arg, const char *buf, size_t len);
	void	(*event)(void *arg, enum lmtp_event);
	/*
	 * Which list's address (normalized) is and as what, into *r, and
	 * that list's max-message-size: 0, or -1 with err (PD_REFUSED: no
	 * such list; anything else is temporary).  intake_limit().
	 */
	int	(*limit)(void *arg, const char *address, struct route *r,
		    unsigned long *max, struct pd_err *err);
	/*
	 * Commits len bytes of msg (read only during the call) for r (from
	 * limit): 0 and id, or -1 with err (PD_REFUSED: no such list; else
	 * temporary).
	 */
	int	(*commit)(void *arg, const struct route *r, const char *sender,
		    const char *msg, size_t len, char id[INBOX_ID_MAX],
		    struct pd_err *err);
	void	*arg;
	/* The datadir's identity (handover.h), offered in LHLO; or NULL. */
	const char *ident;
};

/*
 * Runs a session: greets as host, serves commands until QUIT, the end of
 * the connection, a deadline, a shutdown, an eviction or too many bad
 * commands (each of the last four told 421), then returns.  peer names the
 * client in the log.  Writes go out before every read and at the end.
 */
void	lmtp_session(const struct lmtp_io *io, const char *host,
	    const char *peer);

#endif
