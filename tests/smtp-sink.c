/*
 * tests/smtp-sink.c: a loopback SMTP sink for the tests.
 *
 *   smtp-sink [--port N] [--port-file FILE] [--dir DIR] [--tempfail-first N]
 *       [--tempfail-rcpt ADDR:N]... [--reject-rcpt ADDR]... [--max-seconds S]
 *       [--max-messages M] [--slow-ms MS] [--hangup-after N] [--freeze-after N]
 *       [--reject-sender] [--deny-relay] [--stall-data N] [--done-file FILE]
 *       [--no-pipelining]
 *
 * Listens on 127.0.0.1 only (port 0, the default, takes any free port; with
 * --port-file the port is written there, atomically, once it listens) and
 * serves up to MAX_CONN clients at once, a thread each, with many messages
 * per connection.  It speaks enough ESMTP for libcurl: EHLO (PIPELINING,
 * 8BITMIME, SIZE, SMTPUTF8), HELO, MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT.
 *
 * With --dir, each accepted message is written as DIR/<seq>.eml (the bytes
 * as received, CRLF line ends, dots unstuffed) and each of its recipients
 * gets a line in DIR/log: "<seq> <connection> <mail from or <>> <rcpt>".
 * The file and the line are in place before the 250 goes out.  The name
 * each client gives in EHLO or HELO goes to DIR/helo: "<connection> <name>".
 * A MAIL FROM that came with the commands after it (pipelined, RFC 2920)
 * gets a line "<connection>" in DIR/pipelined, and every MAIL FROM one
 * "<connection> <its parameters>" in DIR/mail.  --no-pipelining leaves
 * PIPELINING out of the EHLO reply.
 *
 * Faults: --tempfail-first N answers the first N ends of DATA with 451 (and
 * keeps nothing); --tempfail-rcpt ADDR:N answers 451 to RCPT for ADDR N
 * times; --reject-rcpt ADDR answers 550 5.1.1 to RCPT for ADDR every time
 * (ADDR * for every address); --deny-relay answers 554 5.7.1 to every RCPT
 * (a relay that does not take the list's mail for anyone);
 * --slow-ms sleeps before every reply; --hangup-after N closes each
 * connection, without a reply, at the first command after its Nth message
 * (a server that drops an idle connection just as the client reuses it);
 * --reject-sender answers 550 to every MAIL FROM (a relay that refuses the
 * list itself, not a recipient);
 * --freeze-after N answers nothing more once N messages were accepted, and
 * keeps nothing more (a server that hangs: for crash tests, since a client
 * killed then has no accepted copy it does not know of);
 * --stall-data N reads each of the first N messages to its final dot and
 * never answers it, holding the connection without a word until the client
 * closes it (a relay that takes DATA and hangs); each such message gets a
 * line "<connection> <mail from or <>> <rcpt>" in DIR/stalled, and is
 * neither kept nor counted.
 *
 * It stops after --max-seconds (default 120), after the --max-messages'th
 * message was answered, or at once on SIGTERM.  It never connects anywhere.
 * With --done-file, the --max-messages'th message's 250 is followed at
 * once by a line "done" written to FILE (a FIFO a benchmark reads: its
 * clock ends there, not when the sink's accept loop next looks up).
 * Exit status 0, or 1 when it cannot start (64 usage).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN	256
#define MAX_FAULTS	32
#define MAX_RCPT	100
#define ADDR_LEN	256
#define LINE_MAX_	2048		/* a command line, CRLF included */
#define DATA_MAX	(128UL * 1024 * 1024)
#define IDLE_SECONDS	300

struct fault {
	char	 addr[ADDR_LEN];
	long	 left;			/* -1: every time */
};

struct opts {
	int		 port;
	const char	*port_file;
	const char	*done_file;
	const char	*dir;
	long		 tempfail_first;
	struct fault	 tempfail[MAX_FAULTS];
	int		 ntempfail;
	struct fault	 reject[MAX_FAULTS];
	int		 nreject;
	long		 max_seconds;
	long		 max_messages;
	long		 slow_ms;
	long		 hangup_after;
	long		 freeze_after;
	long		 stall_data;
	bool		 reject_sender;	/* 550 to every MAIL FROM */
	bool		 no_pipelining;	/* EHLO does not offer PIPELINING */
	bool		 deny_relay;	/* 554 5.7.1 to every RCPT */
};

struct sess {
	int		 fd;
	unsigned long	 id;
	char		 in[65536];
	size_t		 off, len;
	char		 out[4096];	/* replies not sent yet (pipelining) */
	size_t		 outlen;
	char		 from[ADDR_LEN];
	bool		 mail;
	char		 rcpt[MAX_RCPT][ADDR_LEN];
	int		 nrcpt;
	long		 nmsg;		/* accepted on this connection */
	char		*data;
	size_t		 dlen, dcap;
	bool		 toobig;
};

static struct opts o = { .max_seconds = 120 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nconn, seq, naccepted;
static int live;
static bool stopping;
static int logfd = -1, stallfd = -1, helofd = -1, pipefd = -1, mailfd = -1;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "smtp-sink: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* --freeze-after: once N messages were accepted, nothing is answered. */
static bool
frozen(void)
{
	bool f;

	pthread_mutex_lock(&lock);
	f = o.freeze_after > 0 && naccepted >= (unsigned long)o.freeze_after;
	pthread_mutex_unlock(&lock);
	return f;
}

/* Holds the connection without a word until the sink stops. */
static int
hang(void)
{
	bool stop = false;

	while (!stop) {
		sleep_ms(100);
		pthread_mutex_lock(&lock);
		stop = stopping;
		pthread_mutex_unlock(&lock);
	}
	return -1;
}

/* --stall-data: holds the connection, silent, until the client closes it. */
static int
stall(struct sess *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	char line[2 * ADDR_LEN + 64], buf[512];
	bool stop = false;
	int len;

	len = snprintf(line, sizeof line, "%lu %s %s\n", s->id,
	    s->from[0] != '\0' ? s->from : "<>", s->nrcpt > 0 ? s->rcpt[0] : "");
	if (stallfd != -1 && write(stallfd, line, (size_t)len) != len)
		fprintf(stderr, "smtp-sink: stalled: %s\n", strerror(errno));
	while (!stop) {
		if (poll(&pfd, 1, 100) > 0 && recv(s->fd, buf, sizeof buf, 0) <= 0)
			break;
		pthread_mutex_lock(&lock);
		stop = stopping;
		pthread_mutex_unlock(&lock);
	}
	return -1;
}

/* A reply; with may_freeze, none once the sink froze. */
static int
flush_replies(struct sess *s)
{
	size_t n = s->outlen;

	s->outlen = 0;
	return send_all(s->fd, s->out, n);
}

static int
vreply(struct sess *s, bool may_freeze, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof buf - 2)
		n = (int)strlen(buf);
	memcpy(buf + n, "\r\n", 2);
	if (may_freeze && frozen())
		return hang();
	if (o.slow_ms > 0)
		sleep_ms(o.slow_ms);
	/*
	 * While the next command is already here (pipelined, RFC 2920), the
	 * reply waits to go with the next ones, as Postfix's smtpd does:
	 * small replies one by one would meet Nagle and delayed ACKs.
	 */
	if (s->outlen + (size_t)n + 2 > sizeof s->out && flush_replies(s) == -1)
		return -1;
	memcpy(s->out + s->outlen, buf, (size_t)n + 2);
	s->outlen += (size_t)n + 2;
	if (memchr(s->in + s->off, '\n', s->len - s->off) != NULL)
		return 0;
	return flush_replies(s);
}

static int __attribute__((format(printf, 2, 3)))
reply(struct sess *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreply(s, true, fmt, ap);
	va_end(ap);
	return rc;
}

/* The 250 of a message already kept: sent even when the sink froze since. */
static int __attribute__((format(printf, 2, 3)))
accept_reply(struct sess *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreply(s, false, fmt, ap);
	va_end(ap);
	return rc;
}

/* More input; 0 at the end of the connection, -1 on an error or timeout. */
static int
fill(struct sess *s)
{
	ssize_t n;

	do
		n = recv(s->fd, s->in, sizeof s->in, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	s->off = 0;
	s->len = (size_t)n;
	return 1;
}

/*
 * One command line without its CRLF into line; -1 at the end of the
 * connection, -2 for a line longer than LINE_MAX_ (read to its end).
 */
static int
read_line(struct sess *s, char *line)
{
	size_t n = 0;
	bool longline = false;
	char c;

	for (;;) {
		if (s->off == s->len && fill(s) <= 0)
			return -1;
		c = s->in[s->off++];
		if (c == '\n')
			break;
		if (n < LINE_MAX_ - 1)
			line[n++] = c;
		else
			longline = true;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return longline ? -2 : 0;
}

static void
put(struct sess *s, const char *p, size_t n)
{
	size_t cap;
	char *nd;

	if (s->toobig)
		return;
	if (s->dlen + n > DATA_MAX) {
		s->toobig = true;
		return;
	}
	if (s->dlen + n > s->dcap) {
		for (cap = s->dcap ? s->dcap : 65536; cap < s->dlen + n; cap *= 2)
			;
		if ((nd = realloc(s->data, cap)) == NULL)
			die("out of memory");
		s->data = nd;
		s->dcap = cap;
	}
	memcpy(s->data + s->dlen, p, n);
	s->dlen += n;
}

enum { D_BOL, D_DOT, D_DOTCR, D_MID };

/*
 * The message after 354, up to the line with a lone dot (CRLF or a bare LF
 * after it), into s->data with one leading dot taken off every line that
 * has one.  0 at the end of the data, -1 at the end of the connection.
 */
static int
read_data(struct sess *s)
{
	const char *p, *end, *nl;
	int st = D_BOL;

	s->dlen = 0;
	s->toobig = false;
	for (;;) {
		if (s->off == s->len && fill(s) <= 0)
			return -1;
		p = s->in + s->off;
		end = s->in + s->len;
		while (p < end) {
			switch (st) {
			case D_BOL:
				st = *p == '.' ? D_DOT : D_MID;
				p += *p == '.';
				break;
			case D_DOT:
				if (*p == '\n')
					goto done;
				st = *p == '\r' ? D_DOTCR : D_MID;
				p += *p == '\r';
				break;
			case D_DOTCR:
				if (*p == '\n')
					goto done;
				put(s, "\r", 1);
				st = D_MID;
				break;
			default:
				nl = memchr(p, '\n', (size_t)(end - p));
				put(s, p, (size_t)((nl ? nl + 1 : end) - p));
				p = nl ? nl + 1 : end;
				st = nl ? D_BOL : D_MID;
			}
		}
		s->off = s->len;
	}
done:
	s->off = (size_t)(p + 1 - s->in);
	return 0;
}

/* The address in "<addr> params" after the colon; -1 when malformed. */
static int
parse_path(const char *arg, char out[ADDR_LEN])
{
	const char *gt;

	while (*arg == ' ')
		arg++;
	if (*arg != '<' || (gt = strchr(arg, '>')) == NULL ||
	    (size_t)(gt - arg - 1) >= ADDR_LEN)
		return -1;
	memcpy(out, arg + 1, (size_t)(gt - arg - 1));
	out[gt - arg - 1] = '\0';
	return 0;
}

/* True when a fault for addr applies now; counts it down. */
static bool
fault_hit(struct fault *f, int n, const char *addr)
{
	bool hit = false;
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n && !hit; i++)
		if ((strcmp(f[i].addr, "*") == 0 ||
		    strcasecmp(f[i].addr, addr) == 0) && f[i].left != 0) {
			hit = true;
			if (f[i].left > 0)
				f[i].left--;
		}
	pthread_mutex_unlock(&lock);
	return hit;
}

static int
write_file(const char *path, const char *p, size_t n)
{
	ssize_t w;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1)
		return -1;
	while (n > 0) {
		if ((w = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd);
}

/* --done-file: "done", appended (FILE may be a FIFO: waits for its reader). */
static void
say_done(const char *path)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1 || write(fd, "done\n", 5) != 5)
		fprintf(stderr, "smtp-sink: %s: %s\n", path, strerror(errno));
	if (fd != -1)
		close(fd);
}

/* Keeps the message: DIR/<seq>.eml, then its log lines. */
static int
store(struct sess *s, unsigned long n)
{
	char tmp[PATH_MAX], path[PATH_MAX], line[3 * ADDR_LEN];
	int i, len;

	if (o.dir == NULL)
		return 0;
	snprintf(tmp, sizeof tmp, "%s/.%lu.tmp", o.dir, n);
	snprintf(path, sizeof path, "%s/%lu.eml", o.dir, n);
	if (write_file(tmp, s->data, s->dlen) == -1 || rename(tmp, path) == -1) {
		fprintf(stderr, "smtp-sink: %s: %s\n", path, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < s->nrcpt; i++) {
		len = snprintf(line, sizeof line, "%lu %lu %s %s\n", n, s->id,
		    s->from[0] != '\0' ? s->from : "<>", s->rcpt[i]);
		if (write(logfd, line, (size_t)len) != len)
			fprintf(stderr, "smtp-sink: log: %s\n", strerror(errno));
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static void
reset(struct sess *s)
{
	s->mail = false;
	s->nrcpt = 0;
	s->from[0] = '\0';
}

/* The end of DATA: a fault, or the message kept and counted. */
static int
end_of_data(struct sess *s)
{
	unsigned long n;
	bool fault, last, stalled;
	int rc;

	if (s->toobig)
		return reply(s, "552 5.3.4 message too big");
	pthread_mutex_lock(&lock);
	if ((stalled = o.stall_data > 0))
		o.stall_data--;
	pthread_mutex_unlock(&lock);
	if (stalled)
		return stall(s);
	pthread_mutex_lock(&lock);
	/* Frozen: neither kept nor answered, the client sees nothing. */
	if (o.freeze_after > 0 && naccepted >= (unsigned long)o.freeze_after) {
		pthread_mutex_unlock(&lock);
		return hang();
	}
	if ((fault = o.tempfail_first > 0))
		o.tempfail_first--;
	n = fault ? 0 : ++seq;
	if (!fault)
		naccepted++;	/* counted now: its 250 goes out whatever comes */
	last = !fault && o.max_messages > 0 &&
	    naccepted >= (unsigned long)o.max_messages;
	pthread_mutex_unlock(&lock);
	if (fault)
		return reply(s, "451 4.3.0 try later");
	if (store(s, n) == -1)
		return accept_reply(s, "451 4.3.0 cannot store the message");
	s->nmsg++;
	rc = accept_reply(s, "250 2.0.0 Ok: queued as %lu", n);
	if (last && o.done_file != NULL)
		say_done(o.done_file);
	if (last) {
		pthread_mutex_lock(&lock);
		stopping = true;
		pthread_mutex_unlock(&lock);
	}
	return rc;
}

static int
cmd_rcpt(struct sess *s, const char *arg)
{
	char addr[ADDR_LEN];

	if (!s->mail)
		return reply(s, "503 5.5.1 MAIL first");
	if (parse_path(arg, addr) == -1 || addr[0] == '\0')
		return reply(s, "501 5.1.3 bad recipient address syntax");
	if (s->nrcpt == MAX_RCPT)
		return reply(s, "452 4.5.3 too many recipients");
	if (o.deny_relay)
		return reply(s, "554 5.7.1 Relay access denied");
	if (fault_hit(o.reject, o.nreject, addr))
		return reply(s, "550 5.1.1 no such user");
	if (fault_hit(o.tempfail, o.ntempfail, addr))
		return reply(s, "451 4.3.0 try later");
	snprintf(s->rcpt[s->nrcpt++], ADDR_LEN, "%s", addr);
	return reply(s, "250 2.1.5 Ok");
}

static int
cmd_data(struct sess *s)
{
	int rc;

	if (!s->mail || s->nrcpt == 0)
		return reply(s, "503 5.5.1 need MAIL and RCPT first");
	if (reply(s, "354 End data with <CR><LF>.<CR><LF>") == -1 ||
	    read_data(s) == -1)
		return -1;
	rc = end_of_data(s);
	reset(s);
	return rc;
}

static bool
is_cmd(const char *line, const char *cmd)
{
	size_t n = strlen(cmd);

	return strncasecmp(line, cmd, n) == 0 &&
	    (line[n] == '\0' || line[n] == ' ' || cmd[n - 1] == ':');
}

/*
 * A line "<connection>[ text]" in one of DIR's notes (fd; -1: none kept):
 * helo (EHLO's or HELO's name), mail (MAIL FROM's parameters), pipelined
 * (a MAIL FROM that came with the commands after it, RFC 2920).
 */
static void
note(const struct sess *s, int fd, const char *text)
{
	char buf[600];
	int len;

	if (fd == -1)
		return;
	while (text != NULL && *text == ' ')
		text++;
	len = snprintf(buf, sizeof buf, "%lu%s%.500s\n", s->id, text ? " " :
	    "", text ? text : "");
	if (write(fd, buf, (size_t)len) != len)
		fprintf(stderr, "smtp-sink: note: %s\n", strerror(errno));
}

/* One command; -1 ends the session. */
static int
command(struct sess *s, const char *line)
{
	if (o.hangup_after > 0 && s->nmsg == o.hangup_after)
		return -1;
	if (is_cmd(line, "EHLO") || is_cmd(line, "HELO"))
		note(s, helofd, line + 4);
	if (is_cmd(line, "EHLO")) {
		reset(s);
		return reply(s, "250-smtp-sink.test\r\n%s"
		    "250-8BITMIME\r\n250-SIZE %lu\r\n250-SMTPUTF8\r\n"
		    "250 ENHANCEDSTATUSCODES",
		    o.no_pipelining ? "" : "250-PIPELINING\r\n", DATA_MAX);
	}
	if (is_cmd(line, "HELO")) {
		reset(s);
		return reply(s, "250 smtp-sink.test");
	}
	if (is_cmd(line, "MAIL FROM:")) {
		if (s->off < s->len)	/* the next command came with it */
			note(s, pipefd, NULL);
		if (s->mail)
			return reply(s, "503 5.5.1 nested MAIL");
		if (parse_path(line + 10, s->from) == -1)
			return reply(s, "501 5.1.7 bad sender address syntax");
		note(s, mailfd, strchr(line, '>') + 1);
		if (o.reject_sender)
			return reply(s, "550 5.7.1 sender refused by this relay");
		s->mail = true;
		return reply(s, "250 2.1.0 Ok");
	}
	if (is_cmd(line, "RCPT TO:"))
		return cmd_rcpt(s, line + 8);
	if (is_cmd(line, "DATA"))
		return cmd_data(s);
	if (is_cmd(line, "RSET")) {
		reset(s);
		return reply(s, "250 2.0.0 Ok");
	}
	if (is_cmd(line, "NOOP"))
		return reply(s, "250 2.0.0 Ok");
	if (is_cmd(line, "QUIT")) {
		reply(s, "221 2.0.0 Bye");
		return -1;
	}
	return reply(s, "500 5.5.2 command not recognized");
}

static void *
serve(void *arg)
{
	struct sess *s = arg;
	char line[LINE_MAX_];
	int rc;

	if (reply(s, "220 smtp-sink.test ESMTP pdlist test sink") == 0)
		while ((rc = read_line(s, line)) != -1)
			if ((rc == -2 ? reply(s, "500 5.5.2 line too long") :
			    command(s, line)) == -1)
				break;
	close(s->fd);
	free(s->data);
	free(s);
	pthread_mutex_lock(&lock);
	live--;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void
start_session(int fd)
{
	struct timeval tv = { IDLE_SECONDS, 0 };
	pthread_attr_t attr;
	struct sess *s;
	pthread_t t;
	bool full;

	pthread_mutex_lock(&lock);
	if (!(full = live >= MAX_CONN))
		live++;
	pthread_mutex_unlock(&lock);
	if (full || (s = calloc(1, sizeof *s)) == NULL) {
		(void)!send(fd, "421 4.3.2 too busy\r\n", 20, MSG_NOSIGNAL);
		close(fd);
		if (!full) {
			pthread_mutex_lock(&lock);
			live--;
			pthread_mutex_unlock(&lock);
		}
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	s->fd = fd;
	pthread_mutex_lock(&lock);
	s->id = ++nconn;
	pthread_mutex_unlock(&lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, serve, s) != 0)
		die("pthread_create failed");
	pthread_attr_destroy(&attr);
}

static int
listen_loopback(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd, one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("listen on 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}

static void
write_port(const char *file, int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	char tmp[PATH_MAX], buf[16];
	int n;

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("getsockname: %s", strerror(errno));
	n = snprintf(buf, sizeof buf, "%u\n", ntohs(sin.sin_port));
	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	if (write_file(tmp, buf, (size_t)n) == -1 || rename(tmp, file) == -1)
		die("%s: %s", file, strerror(errno));
}

static bool
should_stop(time_t deadline)
{
	bool stop;

	pthread_mutex_lock(&lock);
	stop = stopping;
	pthread_mutex_unlock(&lock);
	return stop || time(NULL) >= deadline;
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtp-sink [--port N] [--port-file FILE] "
	    "[--dir DIR] [--tempfail-first N]\n"
	    "         [--tempfail-rcpt ADDR:N]... [--reject-rcpt ADDR]... "
	    "[--max-seconds S]\n"
	    "         [--max-messages M] [--slow-ms MS] [--hangup-after N]\n"
	    "         [--freeze-after N] [--reject-sender] [--deny-relay] "
	    "[--stall-data N]\n"
	    "         [--done-file FILE] [--no-pipelining]\n");
	exit(64);
}

static long
number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		usage();
	return v;
}

static void
add_fault(struct fault *f, int *n, const char *arg, bool counted)
{
	const char *c = counted ? strrchr(arg, ':') : arg + strlen(arg);

	if (*n == MAX_FAULTS || c == NULL || c == arg ||
	    (size_t)(c - arg) >= ADDR_LEN)
		usage();
	memcpy(f[*n].addr, arg, (size_t)(c - arg));
	f[*n].addr[c - arg] = '\0';
	f[*n].left = counted ? number(c + 1, LONG_MAX) : -1;
	++*n;
}

static void
parse_opts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "done-file", required_argument, NULL, 'O' },
		{ "dir", required_argument, NULL, 'd' },
		{ "tempfail-first", required_argument, NULL, 't' },
		{ "tempfail-rcpt", required_argument, NULL, 'T' },
		{ "reject-rcpt", required_argument, NULL, 'r' },
		{ "max-seconds", required_argument, NULL, 's' },
		{ "max-messages", required_argument, NULL, 'm' },
		{ "slow-ms", required_argument, NULL, 'w' },
		{ "hangup-after", required_argument, NULL, 'h' },
		{ "freeze-after", required_argument, NULL, 'F' },
		{ "reject-sender", no_argument, NULL, 'X' },
		{ "deny-relay", no_argument, NULL, 'D' },
		{ "no-pipelining", no_argument, NULL, 'N' },
		{ "stall-data", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		switch (ch) {
		case 'p': o.port = (int)number(optarg, 65535); break;
		case 'P': o.port_file = optarg; break;
		case 'O': o.done_file = optarg; break;
		case 'd': o.dir = optarg; break;
		case 't': o.tempfail_first = number(optarg, LONG_MAX); break;
		case 'T': add_fault(o.tempfail, &o.ntempfail, optarg, true); break;
		case 'r': add_fault(o.reject, &o.nreject, optarg, false); break;
		case 's': o.max_seconds = number(optarg, 86400); break;
		case 'm': o.max_messages = number(optarg, LONG_MAX); break;
		case 'w': o.slow_ms = number(optarg, 600000); break;
		case 'h': o.hangup_after = number(optarg, LONG_MAX); break;
		case 'F': o.freeze_after = number(optarg, LONG_MAX); break;
		case 'X': o.reject_sender = true; break;
		case 'D': o.deny_relay = true; break;
		case 'N': o.no_pipelining = true; break;
		case 'S': o.stall_data = number(optarg, LONG_MAX); break;
		default: usage();
		}
	if (optind != argc)
		usage();
}

int
main(int argc, char **argv)
{
	struct pollfd pfd = { .events = POLLIN };
	char path[PATH_MAX];
	time_t deadline;
	int fd;

	parse_opts(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	deadline = time(NULL) + o.max_seconds;
	if (o.dir != NULL) {
		snprintf(path, sizeof path, "%s/log", o.dir);
		if ((logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0644)) == -1)
			die("%s: %s", path, strerror(errno));
		snprintf(path, sizeof path, "%s/helo", o.dir);
		if ((helofd = open(path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0644)) == -1)
			die("%s: %s", path, strerror(errno));
		snprintf(path, sizeof path, "%s/mail", o.dir);
		if ((mailfd = open(path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0644)) == -1)
			die("%s: %s", path, strerror(errno));
		snprintf(path, sizeof path, "%s/pipelined", o.dir);
		if ((pipefd = open(path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0644)) == -1)
			die("%s: %s", path, strerror(errno));
		snprintf(path, sizeof path, "%s/stalled", o.dir);
		if (o.stall_data > 0 && (stallfd = open(path, O_WRONLY |
		    O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
			die("%s: %s", path, strerror(errno));
	}
	pfd.fd = listen_loopback(o.port);
	if (o.port_file != NULL)
		write_port(o.port_file, pfd.fd);
	while (!should_stop(deadline)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((fd = accept4(pfd.fd, NULL, NULL, SOCK_CLOEXEC)) != -1)
			start_session(fd);
	}
	return 0;
}
