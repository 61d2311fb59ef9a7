/*
 * listd/smtp.h: sending mail over SMTP; libcurl connects.
 *
 * A struct smtp_conn is one libcurl easy handle that keeps one connection
 * open for many messages where the server allows: libcurl connects, greets
 * and says EHLO (and STARTTLS, AUTH) once; MAIL, RCPT, DATA and the message
 * follow per message on that connection (smtp_data.c).  After a timeout or a cancel, when the server may still owe a
 * reply, smtp_send() cuts the connection; the next smtp_send() opens a new
 * one by itself.
 *
 * Threads: an smtp_conn is used by one thread at a time; several threads
 * each with their own smtp_conn (one per delivery worker) run in parallel.
 *
 * Logging: the envelope, reply codes and reply lines only, never bodies.
 * Memory: a 256 KB buffer per smtp_conn besides libcurl's own, whatever
 * the number or size of the messages.
 */
#ifndef PDLIST_SMTP_H
#define PDLIST_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

struct smtp_conn;

/* Where a message stopped: tells the relay's refusals from the recipient's. */
enum smtp_stage {
	SMTP_CONNECT,	/* no server reply yet: connect, TLS, the greeting */
	SMTP_HELLO,	/* EHLO/HELO, STARTTLS, AUTH */
	SMTP_MAIL,	/* MAIL FROM */
	SMTP_RCPT,	/* RCPT TO */
	SMTP_DATA,	/* the DATA command */
	SMTP_BODY	/* the message and the reply to its end */
};

struct smtp_result {
	int		 code;		/* the server's 4xx or 5xx reply to the
					   failing command, 250 on success, 0
					   when there was no reply (connection
					   refused or lost, timeout, TLS) */
	char		 reply[256];	/* that reply's last line, or libcurl's
					   reason when code is 0; one line,
					   printable ASCII */
	bool		 temporary;	/* worth a retry: 4xx and code 0 */
	enum smtp_stage	 stage;		/* the command that failed, or
					   SMTP_BODY on success */
	bool		 timed_out;	/* a timeout gave up on the server */
};

/*
 * Prepares a connection to url: smtp://host[:port] or smtps://host[:port]
 * (a path is replaced by helo; user:password@ is passed to libcurl for AUTH
 * and never shown).  starttls requires STARTTLS on smtp:// and fails every
 * message when the server does not offer it.  helo is the name sent in
 * EHLO; NULL takes this host's name.  Nothing is sent until smtp_send().
 * Timeouts: 10 s to connect, 300 s per message, and a server that sends no
 * reply and takes no data for 30 s is given up on (smtp_set_timeouts()).
 * Returns 0 and *out, which the caller frees with smtp_close(), or -1 and
 * err (PD_REFUSED for a bad url or helo, PD_FAIL when out of memory).
 */
int	smtp_open(const char *url, bool starttls, const char *helo,
	    struct smtp_conn **out, struct pd_err *err);

/*
 * The relay's certificate is verified against the CA certificates in the
 * PEM file path instead of the system's (NULL: the system's, as without
 * this call), from the next connection on.  The certificate and the host name are verified in any
 * case: there is no way to turn that off.  Returns 0, or -1 and err
 * (PD_REFUSED) when path cannot be read or holds no certificate, or when
 * the connection has no TLS to use it for (smtp:// without starttls).
 */
int	smtp_set_ca_file(struct smtp_conn *, const char *path,
	    struct pd_err *err);

/*
 * Changes the three timeouts (seconds; 0 keeps one as it is): connect
 * (TCP, TLS and the greeting), message (one smtp_send() from start to the
 * last reply) and stall (no reply to a command, or no byte of the message
 * taken, for that long).  A message that runs out of any of them is a
 * temporary failure with code 0.
 */
void	smtp_set_timeouts(struct smtp_conn *, long connect, long message,
	    long stall);

/*
 * cancel (NULL: none) is asked about once a second while a message is on
 * its way, and when smtp_close() says QUIT; when it says true the message
 * is given up at once, as a temporary failure with code 0.  It is called
 * on the sending thread and must be quick.
 */
void	smtp_set_cancel(struct smtp_conn *, bool (*cancel)(void));

/*
 * Sends msg (len bytes, LF or CRLF line ends: bare LFs are sent as CRLF,
 * a line's leading dot is doubled) from the envelope sender from ("" for
 * <>) to one recipient.  msg is read in place and is not kept.
 * Returns 0 when the server accepted it with 250 to the end of DATA, and
 * -1 otherwise, with err set: PD_TEMPFAIL when res->temporary, PD_REFUSED
 * for a 5xx or for a sender or recipient that is not a plain address
 * (nothing sent then, code 0).  err's text starts with the server as
 * "smtp://host:port" and never shows the url's user or password.  *res
 * is filled in both cases; on success it holds the server's 250 line
 * (for the ledger).
 * A connection that the server closed while idle is reopened once by
 * itself; nothing is retried once the server has answered anything.
 */
int	smtp_send(struct smtp_conn *, const char *from, const char *rcpt,
	    const char *msg, size_t len, struct smtp_result *res,
	    struct pd_err *err);

/*
 * A piece of a message.  wire: already as DATA carries it, sent as it
 * is: CRLF line ends only, no line that starts with a dot, starting at
 * the start of a line (after a part that ends with a line end) and ending
 * with CRLF.  A part that is not wire is read like smtp_send()'s msg.
 */
struct smtp_part {
	const char	*p;
	size_t		 len;
	bool		 wire;
};

/*
 * smtp_send() of the message that is the n parts one after the other,
 * each read in place: a copy's bytes that every copy of a post shares
 * need not be copied into each.
 */
int	smtp_send_parts(struct smtp_conn *, const char *from, const char *rcpt,
	    const struct smtp_part *parts, size_t n, struct smtp_result *res,
	    struct pd_err *err);

/*
 * Says QUIT when a connection is open (waiting for its answer at most the
 * stall timeout of the last message, and not at all once cancel() says
 * true), frees everything; NULL is a no-op.
 */
void	smtp_close(struct smtp_conn *);

const char *smtp_stage_str(enum smtp_stage);

#endif
