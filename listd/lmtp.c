/*
 * listd/lmtp.c: see lmtp.h.  LMTP (RFC 2033) from the MTA into the inbox.
 *
 * Threads, not a poll loop.  Every connection is served by a thread of its
 * own, at most LMTP_MAX_CONN of them; the main thread only accepts.  The
 * expensive steps of a transaction block: intake_commit() waits for the
 * store's fsync (milliseconds to seconds under load) and intake_limit()
 * parses the list's policy file.  A poll loop would have to hand those to
 * threads anyway to keep one client's commit from stalling the others, and
 * would split each session into resumable states.  With a thread each, a
 * session is a plain read-a-command, answer-it loop, one client stalled in
 * DATA stalls nobody else, and the store (LMDB opened with MDB_NOTLS,
 * write transactions serialised by LMDB itself) is shared by all threads.
 * The cost, a stack per connection, is bounded by LMTP_MAX_CONN.
 *
 * Limits: LMTP_MAX_CONN connections (more are told 421 at once),
 * LMTP_MAX_RCPT recipients per transaction (452), LMTP_LINE_MAX bytes per
 * command line (500), LMTP_TIMEOUT seconds of silence (421), MAX_JUNK bad or
 * idle commands in a row (421), and per recipient the list's
 * max-message-size (552).  A DATA line may be as long as the message may;
 * the part of a message beyond every recipient's limit is read and dropped,
 * never kept.
 *
 * The message is stored as received: the bytes between DATA's 354 and the
 * final ".\r\n", minus the leading dot of each dot-stuffed line; line ends
 * are left as they came.
 *
 * Replies to the MTA (the man page, listd(8), has the same table):
 *   220 greeting; 221 QUIT; 250 LHLO, MAIL, RCPT, RSET, NOOP;
 *   250 2.0.0 ID per recipient after DATA, only once intake_commit() said 0;
 *   252 VRFY; 354 DATA;
 *   421 too many connections, timeout, shutdown, too many junk commands;
 *   451 4.3.0 temporary trouble (the store, a broken policy): try later;
 *   452 4.5.3 too many recipients;
 *   500 unknown command, line too long; 501 bad syntax; 503 bad sequence;
 *   550 5.1.1 no such list; 552 5.3.4 over the list's size limit;
 *   555 5.5.4 unknown MAIL/RCPT parameter.
 * Bare LF is accepted as a line end on commands and in ".\n".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "listd/inbox.h"
#include "listd/lmtp.h"

#define MAX_JUNK	100		/* bad or idle commands before 421 */
#define DISCARD_MAX	(64 * 1024)	/* an overlong command line, then 421 */
#define SLICE_MS	1000		/* how often a waiting read looks up */
#define SENDER_MAX	512

struct lmtp_server {
	int		 fd;
	char		*datadir;
	char		*sock_path;	/* the unix socket we made, or NULL */
	dev_t		 sock_dev;
	ino_t		 sock_ino;
	struct store	*store;
	void		(*committed)(void *);
	void		*arg;
	char		 host[256];
	pthread_mutex_t	 lock;
	pthread_cond_t	 idle;		/* signalled when a connection ends */
	unsigned	 nconn;
	atomic_bool	 stopping;
};

struct rcpt {
	char		 list[ADDR_MAX + 1];
	unsigned long	 max;
};

enum rd { RD_OK, RD_EOF, RD_TIMEOUT, RD_STOP, RD_ERR, RD_LONG, RD_BAD };

struct sess {
	struct lmtp_server *srv;
	int		 fd;
	char		 peer[96];
	char		 in[8192];
	size_t		 inoff, inlen;
	char		 out[4096];
	size_t		 outlen;
	bool		 lhlo, mail, quit, dead;
	char		 sender[SENDER_MAX + 1];
	unsigned long	 size_hint;
	struct rcpt	 rcpt[LMTP_MAX_RCPT];
	size_t		 nrcpt;
	unsigned	 junk;
};

/* The message being received: kept up to max, counted beyond. */
struct body {
	char		*buf;
	size_t		 len, cap;
	unsigned long	 max;
	unsigned long long total;
	bool		 over, nomem;
};

/* ---- output --------------------------------------------------------- */

static void
flush(struct sess *s)
{
	size_t off = 0;
	ssize_t n;

	while (!s->dead && off < s->outlen) {
		n = send(s->fd, s->out + off, s->outlen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_debug("%s: cannot send a reply: %s", s->peer,
			    n < 0 ? strerror(errno) : "closed");
			s->dead = true;
			break;
		}
		off += (size_t)n;
	}
	s->outlen = 0;
}

/* Queues one reply line; replies go out before the next wait for input. */
static void __attribute__((format(printf, 2, 3)))
reply(struct sess *s, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 3)
		n = (int)(sizeof line - 3);
	memcpy(line + n, "\r\n", 2);
	n += 2;
	if (s->outlen + (size_t)n > sizeof s->out)
		flush(s);
	memcpy(s->out + s->outlen, line, (size_t)n);
	s->outlen += (size_t)n;
}

/* ---- input ---------------------------------------------------------- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Refills the input buffer, after sending what is queued.  Waits at most
 * LMTP_TIMEOUT; between transactions (!busy) a shutdown ends the wait.
 */
static enum rd
fill(struct sess *s, bool busy)
{
	long long deadline = now_ms() + LMTP_TIMEOUT * 1000LL, left;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int r;

	flush(s);
	if (s->dead)
		return RD_ERR;
	s->inoff = s->inlen = 0;
	for (;;) {
		if (!busy && atomic_load(&s->srv->stopping))
			return RD_STOP;
		if ((left = deadline - now_ms()) <= 0)
			return RD_TIMEOUT;
		r = poll(&pfd, 1, left < SLICE_MS ? (int)left : SLICE_MS);
		if (r < 0 && errno != EINTR)
			return RD_ERR;
		if (r <= 0)
			continue;
		n = recv(s->fd, s->in, sizeof s->in, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return RD_ERR;
		if (n == 0)
			return RD_EOF;
		s->inlen = (size_t)n;
		return RD_OK;
	}
}

/*
 * Reads one command line into line without its line end.  A line over
 * LMTP_LINE_MAX is skipped to its end (RD_LONG), one holding a NUL is
 * RD_BAD; one over DISCARD_MAX without a line end ends the session (RD_ERR).
 */
static enum rd
read_cmd(struct sess *s, char line[LMTP_LINE_MAX + 1])
{
	size_t n = 0, seen = 0, take;
	char *p, *nl;
	enum rd r;

	for (;;) {
		if (s->inoff == s->inlen && (r = fill(s, s->mail)) != RD_OK)
			return r;
		p = s->in + s->inoff;
		nl = memchr(p, '\n', s->inlen - s->inoff);
		take = nl ? (size_t)(nl - p) + 1 : s->inlen - s->inoff;
		if (seen + take <= LMTP_LINE_MAX) {
			memcpy(line + n, p, take);
			n += take;
		}
		seen += take;
		s->inoff += take;
		if (nl != NULL)
			break;
		if (seen > DISCARD_MAX)
			return RD_ERR;
	}
	if (seen > LMTP_LINE_MAX)
		return RD_LONG;
	n--;				/* the LF */
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return memchr(line, '\0', n) != NULL ? RD_BAD : RD_OK;
}

/* ---- the message ---------------------------------------------------- */

static void
body_add(struct body *b, const char *p, size_t n)
{
	size_t cap;
	char *nb;

	b->total += n;
	if (b->over || b->nomem)
		return;
	if (b->total > b->max) {
		b->over = true;		/* count the rest, keep nothing */
		free(b->buf);
		b->buf = NULL;
		b->len = b->cap = 0;
		return;
	}
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap * 2 : 65536;
		if (cap < b->len + n)
			cap = b->len + n;
		if (cap > b->max)
			cap = b->max;
		if ((nb = realloc(b->buf, cap)) == NULL) {
			b->nomem = true;
			free(b->buf);
			b->buf = NULL;
			b->len = b->cap = 0;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

enum dstate { D_BOL, D_DOT, D_DOTCR, D_MID };

/*
 * Reads the message after 354 up to the line ".", undoing dot-stuffing.
 * RD_OK when the end was seen; otherwise the client is gone.
 */
static enum rd
read_data(struct sess *s, struct body *b)
{
	enum dstate st = D_BOL;
	size_t n, k;
	char *p, *nl;
	enum rd r;

	for (;;) {
		if (s->inoff == s->inlen && (r = fill(s, true)) != RD_OK)
			return r;
		p = s->in + s->inoff;
		n = s->inlen - s->inoff;
		while (n > 0) {
			if (st == D_BOL && *p == '.') {
				st = D_DOT;
				p++, n--;
				continue;
			}
			if (st == D_DOT && *p == '\r') {
				st = D_DOTCR;
				p++, n--;
				continue;
			}
			if ((st == D_DOT || st == D_DOTCR) && *p == '\n') {
				s->inoff = (size_t)(p + 1 - s->in);
				return RD_OK;
			}
			if (st == D_DOTCR)
				body_add(b, "\r", 1);	/* ".\rX": not the end */
			nl = memchr(p, '\n', n);
			k = nl ? (size_t)(nl - p) + 1 : n;
			body_add(b, p, k);
			p += k, n -= k;
			st = nl ? D_BOL : D_MID;
		}
		s->inoff = s->inlen;
	}
}

/* ---- commands ------------------------------------------------------- */

static void
reset_txn(struct sess *s)
{
	s->mail = false;
	s->sender[0] = '\0';
	s->size_hint = 0;
	s->nrcpt = 0;
}

/*
 * Takes "<path>" at *p: copies what is between the brackets (without a
 * source route "@a,@b:") into out and leaves *p after the '>'.  -1 when
 * malformed, too long or not printable ASCII.
 */
static int
take_path(char **p, char *out, size_t outlen)
{
	char *s = *p, *end, *a;
	size_t len;

	while (*s == ' ')
		s++;
	if (*s != '<' || (end = strchr(s, '>')) == NULL)
		return -1;
	a = s + 1;
	if (*a == '@' && (a = memchr(a, ':', (size_t)(end - a))) != NULL)
		a++;
	else
		a = s + 1;
	len = (size_t)(end - a);
	if (len >= outlen)
		return -1;
	for (s = a; s < end; s++)
		if (*s <= ' ' || *s > '~')
			return -1;
	memcpy(out, a, len);
	out[len] = '\0';
	*p = end + 1;
	return 0;
}

/* Matches a "KEYWORD:" prefix case-insensitively; returns what follows. */
static char *
after_keyword(char *arg, const char *kw)
{
	size_t n = strlen(kw);

	if (arg == NULL || strncasecmp(arg, kw, n) != 0)
		return NULL;
	return arg + n;
}

static void
cmd_lhlo(struct sess *s, char *arg)
{
	if (arg == NULL || *arg == '\0') {
		reply(s, "501 5.5.4 Syntax: LHLO hostname");
		s->junk++;
		return;
	}
	reset_txn(s);
	s->lhlo = true;
	reply(s, "250-%s", s->srv->host);
	reply(s, "250-PIPELINING");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	reply(s, "250 SIZE");
}

/* MAIL parameters: SIZE=N and BODY=7BIT|8BITMIME. */
static int
mail_params(struct sess *s, char *p)
{
	char *tok, *save = NULL, *end;
	unsigned long long v;

	for (tok = strtok_r(p, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strncasecmp(tok, "SIZE=", 5) == 0) {
			errno = 0;
			v = strtoull(tok + 5, &end, 10);
			if (tok[5] < '0' || tok[5] > '9' || *end != '\0') {
				reply(s, "501 5.5.4 Bad SIZE parameter");
				return -1;
			}
			s->size_hint = errno == ERANGE || v > ULONG_MAX ?
			    ULONG_MAX : (unsigned long)v;
		} else if (strcasecmp(tok, "BODY=7BIT") != 0 &&
		    strcasecmp(tok, "BODY=8BITMIME") != 0) {
			reply(s, "555 5.5.4 Unsupported MAIL parameter");
			return -1;
		}
	}
	return 0;
}

static void
cmd_mail(struct sess *s, char *arg)
{
	char *p;

	if (!s->lhlo) {
		reply(s, "503 5.5.1 Send LHLO first");
		s->junk++;
		return;
	}
	if (s->mail) {
		reply(s, "503 5.5.1 Nested MAIL command");
		s->junk++;
		return;
	}
	if ((p = after_keyword(arg, "FROM:")) == NULL ||
	    take_path(&p, s->sender, sizeof s->sender) == -1) {
		reply(s, "501 5.1.7 Syntax: MAIL FROM:<address>");
		s->junk++;
		return;
	}
	s->size_hint = 0;
	if (*p != '\0' && *p != ' ') {
		reply(s, "501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=N]");
		s->junk++;
		return;
	}
	if (mail_params(s, p) == -1) {
		s->junk++;
		return;
	}
	s->mail = true;
	reply(s, "250 2.1.0 Sender ok");
}

/* Finds the list's limit and answers for this recipient. */
static void
rcpt_list(struct sess *s, const char *list)
{
	struct pd_err err = { 0 };
	unsigned long max;
	int rc;

	rc = intake_limit(s->srv->store, s->srv->datadir, list, &max, &err);
	if (rc == -1) {
		if (err.status == PD_REFUSED) {
			log_info("%s: rcpt %s: 550 5.1.1 no such list", s->peer,
			    list);
			reply(s, "550 5.1.1 <%s>: no such list", list);
		} else {
			log_warnx("%s: rcpt %s: 451 4.3.0 %s", s->peer, list,
			    err.text);
			reply(s, "451 4.3.0 <%s>: temporary failure, try again "
			    "later", list);
		}
		return;
	}
	if (s->size_hint > max) {
		log_info("%s: rcpt %s: 552 5.3.4 announced size %lu over the "
		    "limit %lu", s->peer, list, s->size_hint, max);
		reply(s, "552 5.3.4 <%s>: message size exceeds the list's limit "
		    "of %lu bytes", list, max);
		return;
	}
	snprintf(s->rcpt[s->nrcpt].list, sizeof s->rcpt[0].list, "%s", list);
	s->rcpt[s->nrcpt++].max = max;
	reply(s, "250 2.1.5 <%s> ok", list);
}

static void
cmd_rcpt(struct sess *s, char *arg)
{
	char addr[SENDER_MAX + 1], list[ADDR_MAX + 1];
	struct pd_err err = { 0 };
	char *p;

	if (!s->mail) {
		reply(s, "503 5.5.1 Need MAIL before RCPT");
		s->junk++;
		return;
	}
	if (s->nrcpt == LMTP_MAX_RCPT) {
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if ((p = after_keyword(arg, "TO:")) == NULL ||
	    take_path(&p, addr, sizeof addr) == -1 ||
	    (*p != '\0' && *p != ' ')) {
		reply(s, "501 5.1.3 Syntax: RCPT TO:<address>");
		s->junk++;
		return;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0') {
		reply(s, "555 5.5.4 RCPT parameters are not supported");
		s->junk++;
		return;
	}
	if (addr_normalize(addr, list, &err) == -1) {
		reply(s, "501 5.1.3 Bad recipient address: %s", err.text);
		s->junk++;
		return;
	}
	rcpt_list(s, list);
}

/* Commits the message for one recipient and answers for it. */
static void
deliver_one(struct sess *s, const struct rcpt *r, const struct body *b)
{
	struct pd_err err = { 0 };
	char id[INBOX_ID_MAX];

	if (b->total > r->max) {
		log_info("%s: %s: 552 5.3.4 %llu bytes over the limit %lu",
		    s->peer, r->list, b->total, r->max);
		reply(s, "552 5.3.4 <%s>: message exceeds the list's limit of "
		    "%lu bytes", r->list, r->max);
		return;
	}
	if (b->nomem) {
		log_warnx("%s: %s: 451 4.3.0 out of memory", s->peer, r->list);
		reply(s, "451 4.3.0 <%s>: out of memory, try again later",
		    r->list);
		return;
	}
	if (intake_commit(s->srv->store, s->srv->datadir, r->list, s->sender,
	    "lmtp",
	    b->buf != NULL ? b->buf : "", b->len, id, &err) == -1) {
		log_warnx("%s: %s: %s: %s", s->peer, r->list, err.status ==
		    PD_REFUSED ? "550 5.1.1" : "451 4.3.0", err.text);
		if (err.status == PD_REFUSED)
			reply(s, "550 5.1.1 <%s>: no such list", r->list);
		else
			reply(s, "451 4.3.0 <%s>: temporary failure, try again "
			    "later", r->list);
		return;
	}
	log_info("%s: %s: list %s, %zu bytes, via lmtp: 250", s->peer, id,
	    r->list, b->len);
	reply(s, "250 2.0.0 %s <%s> committed", id, r->list);
	if (s->srv->committed != NULL)
		s->srv->committed(s->srv->arg);
}

static void
cmd_data(struct sess *s, char *arg)
{
	struct body b = { 0 };
	size_t i;

	if (arg != NULL) {
		reply(s, "501 5.5.4 Syntax: DATA");
		s->junk++;
		return;
	}
	if (!s->mail || s->nrcpt == 0) {
		reply(s, "503 5.5.1 %s", s->mail ? "No valid recipients" :
		    "Need MAIL and RCPT before DATA");
		s->junk++;
		return;
	}
	for (i = 0; i < s->nrcpt; i++)
		if (s->rcpt[i].max > b.max)
			b.max = s->rcpt[i].max;
	reply(s, "354 Send the message, end with <CRLF>.<CRLF>");
	if (read_data(s, &b) != RD_OK) {
		log_warnx("%s: connection lost during DATA; nothing committed",
		    s->peer);
		s->dead = true;
		goto out;
	}
	for (i = 0; i < s->nrcpt; i++)
		deliver_one(s, &s->rcpt[i], &b);
	s->junk = 0;
out:
	free(b.buf);
	reset_txn(s);
}

static void
cmd_rset(struct sess *s, char *arg)
{
	(void)arg;
	reset_txn(s);
	s->junk++;
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_noop(struct sess *s, char *arg)
{
	(void)arg;
	s->junk++;
	reply(s, "250 2.0.0 Ok");
}

static void
cmd_vrfy(struct sess *s, char *arg)
{
	(void)arg;
	s->junk++;
	reply(s, "252 2.5.0 Cannot VRFY; send some mail");
}

static void
cmd_quit(struct sess *s, char *arg)
{
	(void)arg;
	reply(s, "221 2.0.0 Bye");
	s->quit = true;
}

static const struct {
	const char	*verb;
	void		(*fn)(struct sess *, char *);
} cmds[] = {
	{ "LHLO", cmd_lhlo }, { "MAIL", cmd_mail }, { "RCPT", cmd_rcpt },
	{ "DATA", cmd_data }, { "RSET", cmd_rset }, { "NOOP", cmd_noop },
	{ "VRFY", cmd_vrfy }, { "QUIT", cmd_quit },
};

static void
dispatch(struct sess *s, char *line)
{
	char *arg = strchr(line, ' ');
	size_t i;

	if (arg != NULL)
		*arg++ = '\0';
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcasecmp(line, cmds[i].verb) == 0) {
			cmds[i].fn(s, arg);
			return;
		}
	s->junk++;
	reply(s, "500 5.5.2 Command unrecognized");
}

/* ---- sessions ------------------------------------------------------- */

static void
serve(struct sess *s)
{
	char line[LMTP_LINE_MAX + 1];
	enum rd r;

	reply(s, "220 %s LMTP pdlist ready", s->srv->host);
	while (!s->dead && !s->quit) {
		r = read_cmd(s, line);
		if (r == RD_LONG) {
			s->junk++;
			reply(s, "500 5.5.2 Line too long");
		} else if (r == RD_BAD) {
			s->junk++;
			reply(s, "500 5.5.2 Syntax error: NUL in a command");
		} else if (r == RD_STOP) {
			reply(s, "421 4.3.2 Shutting down, try again later");
			break;
		} else if (r == RD_TIMEOUT) {
			log_info("%s: timeout", s->peer);
			reply(s, "421 4.4.2 Timeout, closing the connection");
			break;
		} else if (r != RD_OK)
			break;
		else
			dispatch(s, line);
		if (s->junk > MAX_JUNK) {
			log_info("%s: too many bad commands", s->peer);
			reply(s, "421 4.7.0 Too many bad commands, closing");
			break;
		}
	}
	flush(s);
}

static void
conn_done(struct lmtp_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->nconn--;
	pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);	/* srv may go after this */
}

static void *
conn_main(void *arg)
{
	struct sess *s = arg;
	struct lmtp_server *srv = s->srv;

	log_debug("%s: connected", s->peer);
	serve(s);
	log_debug("%s: closed", s->peer);
	close(s->fd);
	free(s);
	conn_done(srv);
	return NULL;
}

static void
peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	char host[INET6_ADDRSTRLEN], port[8];

	snprintf(buf, len, "unknown peer");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
			snprintf(buf, len, "unix pid %ld uid %lu",
			    (long)cred.pid, (unsigned long)cred.uid);
		else
			snprintf(buf, len, "unix");
	} else if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host,
	    port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(buf, len, "%s%s%s:%s", ss.ss_family == AF_INET6 ?
		    "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "", port);
}

static void
refuse(int fd, const char *why)
{
	static const char msg[] = "421 4.3.2 Too many connections, try again "
	    "later\r\n";

	(void)!send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	log_warnx("lmtp: connection refused: %s", why);
	close(fd);
}

static bool
take_slot(struct lmtp_server *srv)
{
	bool ok;

	pthread_mutex_lock(&srv->lock);
	if ((ok = srv->nconn < LMTP_MAX_CONN))
		srv->nconn++;
	pthread_mutex_unlock(&srv->lock);
	return ok;
}

void
lmtp_accept(struct lmtp_server *srv)
{
	struct timeval tv = { .tv_sec = LMTP_TIMEOUT };
	pthread_attr_t attr;
	pthread_t tid;
	struct sess *s;
	int fd, rc;

	if (srv->fd == -1)
		return;
	if ((fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
			log_warn("lmtp: accept");
			usleep(100000);	/* the backlog stays; do not spin */
		}
		return;
	}
	if (!take_slot(srv)) {
		refuse(fd, "too many connections");
		return;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		conn_done(srv);
		refuse(fd, "out of memory");
		return;
	}
	s->srv = srv;
	s->fd = fd;
	peer_name(fd, s->peer, sizeof s->peer);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, conn_main, s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(s);
		conn_done(srv);
		refuse(fd, strerror(rc));
	}
}

/* ---- listening ------------------------------------------------------ */

static bool
is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	    strcasecmp(host, "localhost") == 0;
}

/* Splits "HOST:PORT" ("[::1]:24", "::1:24") into host and port. */
static int
split_hostport(const char *addr, char host[256], char port[8],
    struct pd_err *err)
{
	const char *c = strrchr(addr, ':');
	size_t hl;
	char *end;
	long p;

	if (c == NULL || c == addr)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': use unix:/PATH "
		    "or HOST:PORT", addr);
	hl = (size_t)(c - addr);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']')
		addr++, hl -= 2;
	if (hl >= 256)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': host too long",
		    addr);
	memcpy(host, addr, hl);
	host[hl] = '\0';
	p = strtol(c + 1, &end, 10);
	if (c[1] < '0' || c[1] > '9' || *end != '\0' || p < 1 || p > 65535)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': the port must "
		    "be a number from 1 to 65535", c + 1);
	snprintf(port, 8, "%ld", p);
	return 0;
}

int
lmtp_check_listen(const char *addr, struct pd_err *err)
{
	struct sockaddr_un sun;
	char host[256], port[8];

	if (strncmp(addr, "unix:", 5) == 0) {
		if (addr[5] != '/')
			return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': the "
			    "socket path must be absolute", addr);
		if (strlen(addr + 5) >= sizeof sun.sun_path)
			return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': the "
			    "socket path is longer than %zu bytes", addr,
			    sizeof sun.sun_path - 1);
		return 0;
	}
	if (split_hostport(addr, host, port, err) == -1)
		return -1;
	if (!is_loopback(host))
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': %s is not a "
		    "loopback address; LMTP has no authentication, so anyone "
		    "who reached it could post to every list: addr on "
		    "127.0.0.1, ::1, localhost or a unix socket", addr, host);
	return 0;
}

static int
open_tcp(struct lmtp_server *srv, const char *addr, struct pd_err *err)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	char host[256], port[8];
	int fd = -1, one = 1, rc;

	if (split_hostport(addr, host, port, err) == -1)
		return -1;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(strcasecmp(host, "localhost") == 0 ? "127.0.0.1" :
	    host, port, &hints, &ai)) != 0)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': %s (give a "
		    "numeric address)", addr, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1)
		goto fail;
	freeaddrinfo(ai);
	srv->fd = fd;
	return 0;
fail:
	pd_fail(err, PD_FAIL, "cannot addr on %s: %s", addr,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

/*
 * A socket file left by a listd that is gone is replaced; one that answers
 * belongs to a running listd, and any other file is not ours to remove.
 */
static int
clear_stale(const char *path, struct pd_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd, rc, e;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : pd_fail(err, PD_FAIL, "%s: %s",
		    path, strerror(errno));
	if (!S_ISSOCK(sb.st_mode))
		return pd_fail(err, PD_REFUSED, "%s exists and is not a socket: "
		    "remove it or choose another lmtp-listen", path);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return pd_fail(err, PD_FAIL, "socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	e = errno;
	close(fd);
	if (rc == 0)
		return pd_fail(err, PD_REFUSED, "%s: another process (a running "
		    "listd?) answers on this socket", path);
	if (e != ECONNREFUSED)
		return pd_fail(err, PD_FAIL, "%s: %s", path, strerror(e));
	if (unlink(path) == -1 && errno != ENOENT)
		return pd_fail(err, PD_FAIL, "cannot remove the stale socket %s: "
		    "%s", path, strerror(errno));
	log_info("removed the stale socket %s", path);
	return 0;
}

static int
open_unix(struct lmtp_server *srv, const char *path, struct pd_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	mode_t old;
	int fd, rc;

	if (clear_stale(path, err) == -1)
		return -1;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return pd_fail(err, PD_FAIL, "socket: %s", strerror(errno));
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc == -1 || chmod(path, 0660) == -1 || stat(path, &sb) == -1 ||
	    listen(fd, 128) == -1) {
		pd_fail(err, PD_FAIL, "cannot listen on unix:%s: %s", path,
		    strerror(errno));
		if (rc == 0)
			unlink(path);
		close(fd);
		return -1;
	}
	if ((srv->sock_path = strdup(path)) == NULL) {
		unlink(path);
		close(fd);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	srv->sock_dev = sb.st_dev;
	srv->sock_ino = sb.st_ino;
	srv->fd = fd;
	return 0;
}

static struct lmtp_server *
server_new(const struct lmtp_opts *o)
{
	struct lmtp_server *srv;
	pthread_condattr_t ca;

	if ((srv = calloc(1, sizeof *srv)) == NULL)
		return NULL;
	if ((srv->datadir = strdup(o->datadir)) == NULL) {
		free(srv);
		return NULL;
	}
	srv->fd = -1;
	srv->store = o->store;
	srv->committed = o->committed;
	srv->arg = o->arg;
	atomic_init(&srv->stopping, false);
	if (gethostname(srv->host, sizeof srv->host) == -1 ||
	    srv->host[0] == '\0')
		snprintf(srv->host, sizeof srv->host, "localhost");
	srv->host[sizeof srv->host - 1] = '\0';
	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->idle, &ca);
	pthread_condattr_destroy(&ca);
	return srv;
}

static void
server_free(struct lmtp_server *srv)
{
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->idle);
	free(srv->datadir);
	free(srv->sock_path);
	free(srv);
}

int
lmtp_open(const struct lmtp_opts *o, struct lmtp_server **out,
    struct pd_err *err)
{
	struct lmtp_server *srv;
	int rc, fl;

	*out = NULL;
	if (lmtp_check_listen(o->listen, err) == -1)
		return -1;
	if ((srv = server_new(o)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (strncmp(o->listen, "unix:", 5) == 0)
		rc = open_unix(srv, o->listen + 5, err);
	else
		rc = open_tcp(srv, o->listen, err);
	if (rc == -1) {
		server_free(srv);
		return -1;
	}
	/* accept() after poll() must not block when the client has gone. */
	if ((fl = fcntl(srv->fd, F_GETFL)) != -1)
		fcntl(srv->fd, F_SETFL, fl | O_NONBLOCK);
	*out = srv;
	return 0;
}

int
lmtp_fd(const struct lmtp_server *srv)
{
	return srv->fd;
}

void
lmtp_stop(struct lmtp_server *srv)
{
	struct stat sb;

	atomic_store(&srv->stopping, true);
	if (srv->fd == -1)
		return;
	close(srv->fd);
	srv->fd = -1;
	/* Remove the socket only if it is still the one we made. */
	if (srv->sock_path != NULL && stat(srv->sock_path, &sb) == 0 &&
	    sb.st_dev == srv->sock_dev && sb.st_ino == srv->sock_ino)
		unlink(srv->sock_path);
}

unsigned
lmtp_drain(struct lmtp_server *srv, unsigned seconds)
{
	struct timespec dl;
	unsigned left;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += seconds;
	pthread_mutex_lock(&srv->lock);
	while (srv->nconn > 0)
		if (pthread_cond_timedwait(&srv->idle, &srv->lock, &dl) ==
		    ETIMEDOUT)
			break;
	left = srv->nconn;
	pthread_mutex_unlock(&srv->lock);
	return left;
}

void
lmtp_close(struct lmtp_server *srv)
{
	unsigned left;

	if (srv == NULL)
		return;
	lmtp_stop(srv);
	pthread_mutex_lock(&srv->lock);
	left = srv->nconn;
	pthread_mutex_unlock(&srv->lock);
	if (left == 0)
		server_free(srv);
}
