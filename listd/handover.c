/* listd/handover.c: see handover.h. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/outbuf.h"
#include "listd/handover.h"

#define STAGE_BYTES	65536	/* the dot-stuffed message goes in these */

struct peer {
	int		 fd;
	char		 in[1024];
	size_t		 off, len;
	char		 buf[STAGE_BYTES];
	struct outbuf	 stage;		/* in buf */
};

/* Waits for fd to be ready for events, up to HANDOVER_REPLY_SECONDS. */
static bool
ready(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	while ((n = poll(&pfd, 1, HANDOVER_REPLY_SECONDS * 1000)) == -1 &&
	    errno == EINTR)
		;
	return n == 1;
}

static bool
send_all(struct peer *p, const char *b, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if (!ready(p->fd, POLLOUT))
			return false;
		if ((w = send(p->fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return false;
		}
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* The stage's write (common/outbuf.h). */
static int
stage_write(void *arg, const char *b, size_t n)
{
	return send_all(arg, b, n) ? 0 : -1;
}

/* One reply line into line (CR LF taken off); false at an error or EOF. */
static bool
read_line(struct peer *p, char *line, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		if (p->off == p->len) {
			if (!ready(p->fd, POLLIN))
				return false;
			if ((r = recv(p->fd, p->in, sizeof p->in, 0)) <= 0) {
				if (r == -1 && errno == EINTR)
					continue;
				return false;
			}
			p->off = 0;
			p->len = (size_t)r;
		}
		c = p->in[p->off++];
		if (c == '\n')
			break;
		if (c != '\r' && n + 1 < cap)
			line[n++] = c;
	}
	line[n] = '\0';
	return true;
}

/*
 * listd's reply (its last line in line); its code, or 0 with none.  With
 * ident, whether a line offered HANDOVER_EXT with that identity.
 */
static int
reply(struct peer *p, char *line, size_t cap, const char *ident, bool *same)
{
	size_t n = strlen(HANDOVER_EXT), len;

	do {
		if (!read_line(p, line, cap) || (len = strlen(line)) < 3 ||
		    line[0] < '2' || line[0] > '5')
			return 0;
		if (ident != NULL && len > 5 + n &&
		    strncmp(line + 4, HANDOVER_EXT, n) == 0 &&
		    line[4 + n] == ' ' && strcmp(line + 5 + n, ident) == 0)
			*same = true;
	} while (line[3] == '-');
	return atoi(line);
}

/* Sends a command and reads its reply: its code, 0 with none. */
static int __attribute__((format(printf, 4, 5)))
command(struct peer *p, char *line, size_t cap, const char *fmt, ...)
{
	char cmd[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd ||
	    !send_all(p, cmd, (size_t)n))
		return 0;
	return reply(p, line, cap, NULL, NULL);
}

/* The message, dot-stuffed, and the line "." that ends it. */
static bool
send_message(struct peer *p, const char *msg, size_t len)
{
	const char *end = msg + len, *nl;

	while (msg < end) {
		if (*msg == '.' && outbuf_put(&p->stage, ".", 1) == -1)
			return false;
		nl = memchr(msg, '\n', (size_t)(end - msg));
		nl = nl != NULL ? nl + 1 : end;
		if (outbuf_put(&p->stage, msg, (size_t)(nl - msg)) == -1)
			return false;
		msg = nl;
	}
	return outbuf_put(&p->stage, ".\r\n", 3) == 0 &&
	    outbuf_flush(&p->stage) == 0;
}

static int
connect_unix(const char *lmtp_listen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strncmp(lmtp_listen, "unix:", 5) != 0 ||
	    (size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s",
	    lmtp_listen + 5) >= sizeof sun.sun_path ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* listd's answer to the message's final dot (code, its line). */
static int
answer(int code, const char *line, char id[INBOX_ID_MAX], int *too_big,
    struct pd_err *err)
{
	if (code == 250 && sscanf(line, "250 %*s %31s", id) == 1)
		return 1;
	if (code == 0)
		return pd_fail(err, PD_TEMPFAIL, "listd took the message but gave "
		    "no answer: it may or may not have it; the MTA tries again");
	*too_big = code == 552;
	return pd_fail(err, code >= 500 ? PD_REFUSED : PD_TEMPFAIL,
	    "listd answered: %.300s", line);
}

void
handover_ident(const char *datadir, char ident[HANDOVER_IDENT_MAX])
{
	struct stat sb;

	ident[0] = '\0';
	if (stat(datadir, &sb) == 0)
		snprintf(ident, HANDOVER_IDENT_MAX, "%llx:%llx",
		    (unsigned long long)sb.st_dev,
		    (unsigned long long)sb.st_ino);
}

int
handover_inject(const char *datadir, const char *lmtp_listen,
    const char *sender, const char *rcpt, const char *msg, size_t len,
    char id[INBOX_ID_MAX], int *too_big, struct pd_err *err)
{
	char line[512], ident[HANDOVER_IDENT_MAX];
	struct peer *p;
	bool same = false;
	int code, rc = 0;

	*too_big = 0;
	handover_ident(datadir, ident);
	/* a sender LMTP would take otherwise (or refuse) is committed here */
	if (len == 0 || msg[len - 1] != '\n' || ident[0] == '\0' ||
	    sender[strcspn(sender, "<> ")] != '\0' ||
	    (p = calloc(1, sizeof *p)) == NULL)
		return 0;
	if ((p->fd = connect_unix(lmtp_listen)) == -1) {
		free(p);
		return 0;
	}
	p->stage = (struct outbuf){ .buf = p->buf, .cap = sizeof p->buf,
	    .write = stage_write, .arg = p };
	/*
	 * Until the final dot, any other answer leaves nothing committed: the
	 * caller commits.  A message cut off in DATA gets no QUIT (it would be
	 * taken for its text): closing the socket ends it, uncommitted.
	 */
	if (reply(p, line, sizeof line, NULL, NULL) == 220 &&
	    send_all(p, "LHLO listctl\r\n", 14) &&
	    reply(p, line, sizeof line, ident, &same) == 250 && same &&
	    command(p, line, sizeof line, "MAIL FROM:<%s>\r\n", sender) == 250 &&
	    command(p, line, sizeof line, "RCPT TO:<%s>\r\n", rcpt) == 250) {
		if (command(p, line, sizeof line, "DATA\r\n") == 354) {
			if (send_message(p, msg, len) && (code = reply(p, line,
			    sizeof line, NULL, NULL)) != 421)
				rc = answer(code, line, id, too_big, err);
		} else
			(void)command(p, line, sizeof line, "QUIT\r\n");
	} else
		(void)command(p, line, sizeof line, "QUIT\r\n");
	if (rc != 0)
		(void)command(p, line, sizeof line, "QUIT\r\n");
	close(p->fd);
	free(p);
	return rc;
}
