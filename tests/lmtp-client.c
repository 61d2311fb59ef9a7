/*
 * tests/lmtp-client.c: a small LMTP client for the tests.
 *
 *   lmtp-client (unix:/PATH | HOST:PORT) [--from ADDR] [--size-hint N]
 *       [--pause-before-dot SECONDS] [--pipelining] [--trickle MS]
 *       [--bind ADDR] RCPT... < MESSAGE
 *   lmtp-client (unix:/PATH | HOST:PORT) --raw [--trickle MS] [--bind ADDR]
 *       < SESSION
 *
 * Sends LHLO, MAIL, RCPT for each recipient, DATA with the message from
 * stdin (dot-stuffed, otherwise byte for byte; a CRLF is added when it does
 * not end in a line end) and QUIT, and prints every reply line of the
 * server.  --pipelining sends MAIL, the RCPTs and DATA in one go.  --raw
 * sends stdin as it is and prints the replies until the server closes.
 * --trickle sends the message (with --raw: all of stdin, after the
 * greeting) one byte every MS milliseconds, printing replies as they come,
 * and stops when the server says 421 or closes: a client that holds a
 * connection as long as it can.
 * --bind sends from ADDR (a loopback address such as 127.0.0.2) over TCP.
 *
 * Exit status: 0 every recipient got 2xx after DATA, 2 any 5xx, else 1 any
 * 4xx, 3 a connection error or timeout, 64 usage.  It connects only to the
 * address it is given and gives up after TIMEOUT seconds of silence.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT		30		/* seconds without a reply */
#define MSG_MAX		(64 * 1024 * 1024)
#define MAX_RCPT	200

enum { XS_OK = 0, XS_TEMP = 1, XS_PERM = 2, XS_CONN = 3, XS_USAGE = 64 };

struct conn {
	int	 fd;
	char	 buf[4096];
	size_t	 off, len;
	int	 worst;		/* XS_OK, XS_TEMP or XS_PERM so far */
	bool	 closing;	/* a 421 came: no QUIT */
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "lmtp-client: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(XS_CONN);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "lmtp-client: overall time limit\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(XS_CONN);
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sun.sun_path)
		die("socket path too long");
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		die("connect unix:%s: %s", path, strerror(errno));
	return fd;
}

/* Binds fd to the numeric address local (any port). */
static void
bind_local(int fd, const char *local, int family)
{
	struct addrinfo hints = { 0 }, *ai;
	int rc;

	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	if ((rc = getaddrinfo(local, "0", &hints, &ai)) != 0)
		die("--bind %s: %s", local, gai_strerror(rc));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		die("bind %s: %s", local, strerror(errno));
	freeaddrinfo(ai);
}

static int
connect_tcp(const char *target, const char *local)
{
	struct addrinfo hints = { 0 }, *ai;
	char host[256];
	const char *c = strrchr(target, ':');
	size_t hl;
	int fd, rc;

	if (c == NULL || (hl = (size_t)(c - target)) == 0 || hl >= sizeof host)
		die("target '%s': use unix:/PATH or HOST:PORT", target);
	memcpy(host, target, hl);
	host[hl] = '\0';
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, c + 1, &hints, &ai)) != 0)
		die("%s: %s", target, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (local != NULL)
		bind_local(fd, local, ai->ai_family);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		die("connect %s: %s", target, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

static bool	replies_meanwhile(struct conn *);

/* Sends it all; when the server hung up, prints its last words and exits. */
static void
send_all(struct conn *c, const char *p, size_t n)
{
	ssize_t w;
	int e;

	while (n > 0) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = errno;
			replies_meanwhile(c);
			die("send: %s", w < 0 ? strerror(e) : "closed");
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
sendf(struct conn *c, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		die("command too long");
	send_all(c, line, (size_t)n);
}

/* One byte, waiting at most TIMEOUT; -1 at the end of the connection. */
static int
get_byte(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (c->off == c->len) {
		do
			r = poll(&pfd, 1, TIMEOUT * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			die("no reply within %d seconds", TIMEOUT);
		if (r < 0 || (n = recv(c->fd, c->buf, sizeof c->buf, 0)) <= 0)
			return -1;	/* closed or reset */
		c->off = 0;
		c->len = (size_t)n;
	}
	return (unsigned char)c->buf[c->off++];
}

/* Reads one reply line, prints it; -1 at the end of the connection. */
static int
read_line(struct conn *c, char *line, size_t len)
{
	size_t n = 0;
	int ch;

	while ((ch = get_byte(c)) != -1 && ch != '\n')
		if (ch != '\r' && n < len - 1)
			line[n++] = (char)ch;
	line[n] = '\0';
	if (ch == -1 && n == 0)
		return -1;
	printf("%s\n", line);
	fflush(stdout);
	return 0;
}

/* Reads a whole (multi-line) reply; returns its code. */
static int
reply(struct conn *c)
{
	char line[2048];

	do
		if (read_line(c, line, sizeof line) == -1)
			die("the server closed the connection");
	while (strlen(line) > 3 && line[3] == '-');
	if (strlen(line) < 3 || line[0] < '2' || line[0] > '5')
		die("a malformed reply");
	if (strncmp(line, "421", 3) == 0)
		c->closing = true;	/* the server hangs up after 421 */
	if (line[0] == '5')
		c->worst = XS_PERM;
	else if (line[0] == '4' && c->worst == XS_OK)
		c->worst = XS_TEMP;
	return atoi(line);
}

static char *
read_stdin(size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	if (buf == NULL)
		die("out of memory");
	while ((r = read(STDIN_FILENO, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read stdin: %s", strerror(errno));
		if ((n += (size_t)r) == cap) {
			if (cap >= MSG_MAX || (nb = realloc(buf, cap * 2)) == NULL)
				die("message too large");
			buf = nb;
			cap *= 2;
		}
	}
	*len = n;
	return buf;
}

/*
 * Prints the reply lines that came meanwhile; false once the server said
 * 421 or closed.
 */
static bool
replies_meanwhile(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char line[2048];

	while (c->off < c->len || poll(&pfd, 1, 0) > 0) {
		if (read_line(c, line, sizeof line) == -1)
			return false;
		if (strncmp(line, "421", 3) == 0) {
			c->closing = true;
			c->worst = c->worst == XS_PERM ? XS_PERM : XS_TEMP;
			return false;
		}
	}
	return true;
}

/* n bytes, one every ms milliseconds; false when the server ended it. */
static bool
trickle(struct conn *c, const char *p, size_t n, unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	size_t i;

	for (i = 0; i < n; i++) {
		if (!replies_meanwhile(c))
			return false;
		if (send(c->fd, p + i, 1, MSG_NOSIGNAL) != 1) {
			replies_meanwhile(c);
			return false;
		}
		nanosleep(&ts, NULL);
	}
	return true;
}

/* The message, dot-stuffed, then the end of data; false: the server hung up. */
static bool
send_message(struct conn *c, const char *m, size_t len, unsigned pause,
    unsigned trickle_ms)
{
	char *w = malloc(2 * len + 5);
	size_t i, n = 0;
	bool bol = true, ok = true;

	if (w == NULL)
		die("out of memory");
	for (i = 0; i < len; i++) {
		if (bol && m[i] == '.')
			w[n++] = '.';	/* the stuffed dot */
		bol = m[i] == '\n';
		w[n++] = m[i];
	}
	if (len > 0 && m[len - 1] != '\n') {
		memcpy(w + n, "\r\n", 2);
		n += 2;
	}
	if (trickle_ms > 0)
		ok = trickle(c, w, n, trickle_ms);
	else
		send_all(c, w, n);
	free(w);
	if (!ok)
		return false;
	if (pause > 0)
		sleep(pause);
	send_all(c, ".\r\n", 3);
	return true;
}

/*
 * Says QUIT unless the server said 421.  The transaction is over: a server
 * that hangs up now (a shutdown) changes nothing in the exit status.
 */
static void
quit(struct conn *c)
{
	char line[2048];

	if (c->closing ||
	    send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL) != 6)
		return;
	while (read_line(c, line, sizeof line) == 0 &&
	    strlen(line) > 3 && line[3] == '-')
		;
}

struct opts {
	const char	*from, *bind;
	unsigned long	 size_hint;
	unsigned	 pause, trickle;
	bool		 pipelining, raw;
};

static int
raw_session(struct conn *c, const struct opts *o)
{
	char line[2048];
	size_t len;
	char *in = read_stdin(&len);

	if (o->trickle == 0)
		send_all(c, in, len);
	else if (reply(c) != 220 || !trickle(c, in, len, o->trickle)) {
		free(in);
		return c->closing ? c->worst : XS_CONN;
	}
	free(in);
	while (read_line(c, line, sizeof line) == 0)
		;
	return XS_OK;
}

static int
session(struct conn *c, const struct opts *o, char **rcpts, int nrcpt)
{
	bool ok[MAX_RCPT];
	size_t len;
	char *msg = read_stdin(&len), size[40] = "";
	int i, nok = 0, code;

	if (o->size_hint > 0)
		snprintf(size, sizeof size, " SIZE=%lu", o->size_hint);
	if (reply(c) / 100 != 2)
		goto quit;
	sendf(c, "LHLO lmtp-client.test\r\n");
	if (reply(c) / 100 != 2)
		goto quit;
	sendf(c, "MAIL FROM:<%s>%s\r\n", o->from, size);
	if (o->pipelining) {
		for (i = 0; i < nrcpt; i++)
			sendf(c, "RCPT TO:<%s>\r\n", rcpts[i]);
		sendf(c, "DATA\r\n");
	}
	if (reply(c) / 100 != 2 && !o->pipelining)
		goto quit;
	for (i = 0; i < nrcpt; i++) {
		if (!o->pipelining)
			sendf(c, "RCPT TO:<%s>\r\n", rcpts[i]);
		ok[i] = reply(c) / 100 == 2;
		nok += ok[i];
	}
	if (!o->pipelining) {
		if (nok == 0)
			goto quit;
		sendf(c, "DATA\r\n");
	}
	if ((code = reply(c)) != 354)
		goto quit;
	if (!send_message(c, msg, len, o->pause, o->trickle)) {
		if (!c->closing)
			die("the server closed the connection");
		goto quit;
	}
	for (i = 0; i < nrcpt; i++)
		if (ok[i])
			reply(c);
quit:
	free(msg);
	quit(c);
	return c->worst;
}

static void
usage(void)
{
	fprintf(stderr, "usage: lmtp-client (unix:/PATH | HOST:PORT) [--from ADDR] "
	    "[--size-hint N] [--pause-before-dot SECONDS] [--pipelining] "
	    "[--trickle MS] [--bind ADDR] RCPT... < MESSAGE\n"
	    "       lmtp-client (unix:/PATH | HOST:PORT) --raw [--trickle MS] "
	    "[--bind ADDR] < SESSION\n");
	exit(XS_USAGE);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "size-hint", required_argument, NULL, 's' },
		{ "pause-before-dot", required_argument, NULL, 'p' },
		{ "pipelining", no_argument, NULL, 'P' },
		{ "raw", no_argument, NULL, 'r' },
		{ "trickle", required_argument, NULL, 't' },
		{ "bind", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1)
		switch (ch) {
		case 'f': o->from = optarg; break;
		case 's': o->size_hint = strtoul(optarg, NULL, 10); break;
		case 'p': o->pause = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'P': o->pipelining = true; break;
		case 'r': o->raw = true; break;
		case 't': o->trickle = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': o->bind = optarg; break;
		default: usage();
		}
}

int
main(int argc, char **argv)
{
	struct opts o = { .from = "sender@example.org" };
	struct conn c = { .fd = -1 };
	const char *target;

	parse_opts(argc, argv, &o);
	/* Options may also follow the target. */
	if (optind >= argc)
		usage();
	target = argv[optind++];
	parse_opts(argc, argv, &o);
	if (o.raw ? optind != argc : (optind >= argc ||
	    argc - optind > MAX_RCPT || o.pause > 60) || o.trickle > 60000)
		usage();
	signal(SIGALRM, on_alarm);
	alarm(4 * TIMEOUT + o.pause);
	c.fd = strncmp(target, "unix:", 5) == 0 ? connect_unix(target + 5) :
	    connect_tcp(target, o.bind);
	if (o.raw)
		return raw_session(&c, &o);
	return session(&c, &o, argv + optind, argc - optind);
}
