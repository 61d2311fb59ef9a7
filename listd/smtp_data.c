/*
 * listd/smtp_data.c: commands, replies and the message on a connection
 * that libcurl opened (smtp.c): libcurl connects, greets, says EHLO and,
 * when asked, STARTTLS and AUTH (CURLOPT_CONNECT_ONLY); from MAIL FROM on,
 * this file speaks through curl_easy_send() and curl_easy_recv(), which
 * carry the bytes over TLS where the connection has it.
 *
 * Why not libcurl's own upload: it dot-stuffs the message a byte at a time
 * into a scratch buffer, which was a third of listd's instructions when a
 * post went to hundreds of members; here a line is found with memchr() and
 * copied whole.
 *
 * Every wait is a poll() of at most a second, so that cancel() is asked
 * once a second, bounded by the stall timeout (no reply, or no byte taken,
 * for that long) and by the message's deadline.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/smtp_int.h"

double
smtp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
smtp_copy_line(char *dst, size_t len, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < len - 1 && src[i] != '\r' && src[i] != '\n'; i++)
		dst[i] = (unsigned char)src[i] >= ' ' &&
		    (unsigned char)src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* -1, the reason in errbuf (the first reason stands). */
static int
io_fail(struct smtp_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->errbuf[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->errbuf, sizeof c->errbuf, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Waits until the connection can take (POLLOUT) or give (POLLIN) bytes:
 * 0, or -1 at stall_end, at the message's deadline or on cancel().
 */
static int
io_wait(struct smtp_conn *c, short events, double stall_end)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	struct pollfd p;
	double t, end;
	int ms, r;

	if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &fd) !=
	    CURLE_OK || fd == CURL_SOCKET_BAD)
		return io_fail(c, "the connection is gone");
	for (;;) {
		if (c->cancel != NULL && c->cancel()) {
			c->cancelled = true;
			return io_fail(c, "given up: listd is stopping");
		}
		t = smtp_now();
		end = stall_end < c->deadline ? stall_end : c->deadline;
		if (t >= end) {
			c->timed_out = true;
			return t >= c->deadline ? io_fail(c, "timed out: the "
			    "message took longer than %ld s", c->message) :
			    io_fail(c, "timed out: no reply and no progress "
			    "for %ld s", c->stall);
		}
		ms = (int)((end - t) * 1000) + 1;
		p = (struct pollfd){ .fd = fd, .events = events };
		if ((r = poll(&p, 1, ms > 1000 ? 1000 : ms)) > 0)
			return 0;
		if (r == -1 && errno != EINTR && errno != EAGAIN)
			return io_fail(c, "waiting for the server: %s",
			    strerror(errno));
	}
}

static int
write_all(struct smtp_conn *c, const char *p, size_t len)
{
	double stall_end = smtp_now() + (double)c->stall;
	CURLcode cc;
	size_t n;

	while (len > 0) {
		n = 0;
		cc = curl_easy_send(c->curl, p, len, &n);
		if (cc == CURLE_OK && n > 0) {
			p += n;
			len -= n;
			stall_end = smtp_now() + (double)c->stall;
		} else if (cc != CURLE_OK && cc != CURLE_AGAIN)
			return io_fail(c, "sending to the server: %s",
			    curl_easy_strerror(cc));
		else if (io_wait(c, POLLOUT, stall_end) == -1)
			return -1;
	}
	return 0;
}

/* The out buffer's write (common/outbuf.h). */
static int
out_write(void *arg, const char *p, size_t n)
{
	return write_all(arg, p, n);
}

/* One reply line in c->in (len bytes with its LF): its code, or -1. */
static int
take_line(struct smtp_conn *c, size_t len, bool *more)
{
	const char *l = c->in;
	bool ok = len >= 4 && l[0] >= '2' && l[0] <= '5' && l[1] >= '0' &&
	    l[1] <= '9' && l[2] >= '0' && l[2] <= '9' && (l[3] == ' ' ||
	    l[3] == '-' || l[3] == '\r' || l[3] == '\n');
	int code = ok ? (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') :
	    -1;

	*more = ok && l[3] == '-';
	smtp_copy_line(c->last, sizeof c->last, l, len);
	c->replied = true;
	memmove(c->in, c->in + len, c->inlen - len);
	c->inlen -= len;
	return ok ? code : io_fail(c, "the server's reply is not SMTP: %s",
	    c->last);
}

int
smtp_reply(struct smtp_conn *c)
{
	double stall_end = smtp_now() + (double)c->stall;
	const char *nl;
	CURLcode cc;
	bool more;
	size_t n;
	int code;

	for (;;) {
		while ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
			code = take_line(c, (size_t)(nl - c->in) + 1, &more);
			if (code == -1 || !more)
				return code;
		}
		if (c->inlen == sizeof c->in)
			return io_fail(c, "the server's reply has a line of "
			    "more than %zu bytes", sizeof c->in);
		n = 0;
		cc = curl_easy_recv(c->curl, c->in + c->inlen,
		    sizeof c->in - c->inlen, &n);
		if (cc == CURLE_OK && n == 0)
			return io_fail(c, "the server closed the connection");
		if (cc == CURLE_OK) {
			c->inlen += n;
			stall_end = smtp_now() + (double)c->stall;
		} else if (cc != CURLE_AGAIN)
			return io_fail(c, "reading the server's reply: %s",
			    curl_easy_strerror(cc));
		else if (io_wait(c, POLLIN, stall_end) == -1)
			return -1;
	}
}

int
smtp_command(struct smtp_conn *c, enum smtp_stage st, const char *line)
{
	char buf[600];
	int n;

	c->stage = st;
	n = snprintf(buf, sizeof buf, "%s\r\n", line);
	if (n < 0 || (size_t)n >= sizeof buf)
		return io_fail(c, "a command of more than %zu bytes",
		    sizeof buf - 3);
	if (write_all(c, buf, (size_t)n) == -1)
		return -1;
	return smtp_reply(c);
}

/* Whether code is the answer stage st wants to go on. */
static bool
went(enum smtp_stage st, int code)
{
	return st == SMTP_DATA ? code == 354 : code == 250 ||
	    (st == SMTP_RCPT && code == 251);
}

int
smtp_envelope(struct smtp_conn *c, const char *mail, const char *rcpt)
{
	static const enum smtp_stage stage[3] = { SMTP_MAIL, SMTP_RCPT,
	    SMTP_DATA };
	const char *cmd[3] = { mail, rcpt, "DATA" };
	char buf[1400], first[sizeof c->last];
	enum smtp_stage first_stage = SMTP_MAIL;
	int i, n, code, refused = 0;

	if (!c->pipelining_ok) {
		for (i = 0; i < 3; i++)
			if (!went(stage[i], code = smtp_command(c, stage[i],
			    cmd[i])))
				return code;
		return code;
	}
	n = snprintf(buf, sizeof buf, "%s\r\n%s\r\nDATA\r\n", mail, rcpt);
	if (n < 0 || (size_t)n >= sizeof buf)
		return io_fail(c, "commands of more than %zu bytes",
		    sizeof buf - 1);
	c->stage = SMTP_MAIL;
	if (write_all(c, buf, (size_t)n) == -1)
		return -1;
	/* Every reply is read, whatever came before: the next one is ours. */
	for (i = 0; i < 3; i++) {
		c->stage = stage[i];
		if ((code = smtp_reply(c)) == -1)
			break;
		if (!went(stage[i], code) && refused == 0) {
			refused = code;
			first_stage = stage[i];
			memcpy(first, c->last, sizeof first);
		}
	}
	if (refused == 0)
		return code;
	/* A DATA taken after a refusal gets an empty message's end. */
	if (code == 354) {
		c->stage = SMTP_BODY;
		(void)(write_all(c, ".\r\n", 3) == -1 || smtp_reply(c) == -1);
	}
	c->stage = first_stage;
	memcpy(c->last, first, sizeof c->last);
	return refused;
}

/*
 * One part that is not in DATA's form yet: CRLF line ends, a leading dot
 * doubled, copied into the out buffer a line at a time.  *bol says
 * whether the part starts a line, *cr whether the byte before it was a
 * CR; both are left as they are at the part's end.
 */
static int
put_lines(struct smtp_conn *c, const char *p, size_t len, bool *bol,
    bool *cr)
{
	const char *end = p + len, *nl;
	size_t run;

	while (p < end) {
		if (*bol && *p == '.' && outbuf_put(&c->out, ".", 1) == -1) /* RFC 5321 4.5.2 */
			return -1;
		nl = memchr(p, '\n', (size_t)(end - p));
		run = (size_t)((nl != NULL ? nl : end) - p);
		if (run > 0)
			*cr = p[run - 1] == '\r';
		if (outbuf_put(&c->out, p, run) == -1)
			return -1;
		*bol = nl != NULL;
		if (nl != NULL && (*cr ? outbuf_put(&c->out, "\n", 1) : outbuf_put(&c->out, "\r\n",
		    2)) == -1)
			return -1;
		if (nl != NULL)
			*cr = false;
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

int
smtp_body(struct smtp_conn *c, const struct smtp_part *parts, size_t n)
{
	bool bol = true, cr = false;
	size_t i;

	c->stage = SMTP_BODY;
	c->out.len = 0;
	c->out.write = out_write;
	c->out.arg = c;
	for (i = 0; i < n; i++) {
		if (parts[i].len == 0)
			continue;
		if (parts[i].wire && bol) {	/* as it is, from where it is */
			if (outbuf_flush(&c->out) == -1 || write_all(c, parts[i].p,
			    parts[i].len) == -1)
				return -1;
			cr = false;
		} else if (put_lines(c, parts[i].p, parts[i].len, &bol,
		    &cr) == -1)
			return -1;
	}
	if (!bol && outbuf_put(&c->out, "\r\n", 2) == -1)
		return -1;
	return outbuf_put(&c->out, ".\r\n", 3) == -1 ? -1 : outbuf_flush(&c->out);
}
