/*
 * listd/smtp_int.h: what smtp.c (the connection, the envelope, the
 * result) and smtp_data.c (commands, replies and the message on the
 * wire) share.  Not for other files: they see smtp.h.
 */
#ifndef PDLIST_SMTP_INT_H
#define PDLIST_SMTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "common/outbuf.h"
#include "listd/smtp.h"

#define SMTP_OUT_BUFFER	(256 * 1024)	/* the message on its way */

struct smtp_conn {
	CURL		*proto;		/* set up, never used: copied to connect */
	CURL		*curl;		/* the open connection's, or NULL */
	char		 name[300];	/* scheme://host:port */
	char		 errbuf[CURL_ERROR_SIZE]; /* libcurl's reason, or ours */
	bool		 tls;		/* smtps://, or smtp:// with STARTTLS */
	bool		 open;		/* connected, greeted, EHLO done */
	bool		 size_ok;	/* EHLO offered SIZE */
	bool		 utf8_ok;	/* EHLO offered SMTPUTF8 */
	bool		 pipelining_ok;	/* EHLO offered PIPELINING */
	enum smtp_stage	 stage;		/* of the last command sent */
	bool		 replied;	/* any reply in this message */
	bool		 quitting;	/* QUIT sent: its 221 is no result */
	char		 last[256];	/* the last reply line */
	bool		 (*cancel)(void);
	bool		 cancelled;	/* cancel() said so in this message */
	bool		 timed_out;	/* a deadline passed in this message */
	long		 stall;		/* seconds without a reply or progress */
	long		 message;	/* seconds for one message */
	double		 deadline;	/* of this message (smtp_now()) */
	char		 in[1024];	/* reply bytes read, not yet taken */
	size_t		 inlen;
	struct outbuf	 out;		/* of SMTP_OUT_BUFFER bytes */
};

/* Monotonic seconds. */
double	smtp_now(void);
/* One line of at most len - 1 printable ASCII bytes, up to the first CR/LF. */
void	smtp_copy_line(char *dst, size_t len, const char *src, size_t n);
/*
 * Sends line (no CRLF) as the command of stage st and reads the reply:
 * its code, or -1 when none came (errbuf says why; cancelled or
 * timed_out tell a cancel or a deadline).
 */
int	smtp_command(struct smtp_conn *, enum smtp_stage st, const char *line);
/* Reads one reply, every line of it: its code, or -1 as smtp_command(). */
int	smtp_reply(struct smtp_conn *);
/*
 * The envelope: the commands mail ("MAIL FROM:<...> ...") and rcpt
 * ("RCPT TO:<...>"), then DATA.  354 when all three went; otherwise the
 * code of the first that was refused, with its stage and reply line in c,
 * or -1 as smtp_command().  Where EHLO offered PIPELINING (RFC 2920) the
 * three go in one write and their replies are read after: one round trip
 * instead of three.
 */
int	smtp_envelope(struct smtp_conn *, const char *mail, const char *rcpt);
/*
 * Sends the parts, one after the other, as DATA carries them (CRLF line
 * ends, a leading dot doubled; a wire part as it is) and the final dot:
 * 0, or -1 as smtp_command().
 */
int	smtp_body(struct smtp_conn *, const struct smtp_part *parts, size_t n);

#endif
