/*
 * listd/lmtp_session.c: see lmtp_session.h.  The LMTP dialogue: command
 * lines, the message after DATA, the replies.
 *
 * Limits: LMTP_MAX_RCPT recipients per transaction (452), LMTP_LINE_MAX
 * bytes per command line (500), LMTP_MAX_JUNK bad or idle commands in a
 * row (421), and per recipient the list's max-message-size (552).  A DATA
 * line may be as long as the message may; the part of a message beyond
 * every recipient's limit is read and dropped, never kept.  Deadlines,
 * connection slots and shutdown are the server's (lmtp.c); they reach the
 * session as a read that fails, and it says 421.
 *
 * The message is committed as received: the bytes between DATA's 354 and
 * the final ".\r\n", minus the leading dot of each dot-stuffed line; line
 * ends are left as they came.
 *
 * Replies to the MTA (the man page, listd(8), has the same table):
 *   220 greeting; 221 QUIT; 250 LHLO, MAIL, RCPT, RSET, NOOP;
 *   250 2.0.0 ID per recipient after DATA, only once the commit said 0;
 *   252 VRFY; 354 DATA;
 *   421 shutdown, timeout, slot given to a new client, too many junk
 *   commands (the server's 421 for too many connections comes before any
 *   session);
 *   451 4.3.0 temporary trouble (the store, a broken policy): try later;
 *   452 4.5.3 too many recipients;
 *   500 unknown command, line too long; 501 bad syntax; 503 bad sequence;
 *   550 5.1.1 no such list; 550 5.7.1 a bounce address's token that is
 *   not the list's; 552 5.3.4 over the list's size limit;
 *   555 5.5.4 unknown MAIL/RCPT parameter.
 * Bare LF is accepted as a line end on commands and in ".\n".
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "listd/handover.h"
#include "listd/lmtp_session.h"

#define DISCARD_MAX	(64 * 1024)	/* an overlong command line, then 421 */
#define SENDER_MAX	512

struct rcpt {
	char		 addr[ADDR_MAX + 1];	/* as given, normalized */
	struct route	 route;			/* whose, and as what */
	unsigned long	 max;
};

/* How reading a command line ended, beyond the reasons of enum lmtp_rd. */
enum line_rd { LINE_OK, LINE_LONG, LINE_BAD, LINE_END };

struct sess {
	const struct lmtp_io *io;
	const char	*host, *peer;
	enum lmtp_rd	 end;		/* why the last read failed */
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
	if (!s->dead && s->outlen > 0 &&
	    s->io->write(s->io->arg, s->out, s->outlen) == -1) {
		log_debug("%s: cannot send a reply", s->peer);
		s->dead = true;
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

/* Refills the input buffer, after sending what is queued; false at the end. */
static bool
fill(struct sess *s)
{
	size_t got = 0;

	flush(s);
	s->inoff = s->inlen = 0;
	if (s->dead) {
		s->end = LMTP_RD_ERR;
		return false;
	}
	s->end = s->io->read(s->io->arg, s->in, sizeof s->in, &got);
	if (s->end == LMTP_RD_OK && (got == 0 || got > sizeof s->in))
		s->end = LMTP_RD_ERR;	/* a broken promise of the reader */
	if (s->end != LMTP_RD_OK)
		return false;
	s->inlen = got;
	return true;
}

/*
 * Reads one command line into line without its line end.  A line over
 * LMTP_LINE_MAX is skipped to its end (LINE_LONG), one holding a NUL is
 * LINE_BAD; one over DISCARD_MAX without a line end ends the session, as
 * does the end of input (LINE_END, with the reason in s->end).
 */
static enum line_rd
read_cmd(struct sess *s, char line[LMTP_LINE_MAX + 1])
{
	size_t n = 0, seen = 0, take;
	char *p, *nl;

	for (;;) {
		if (s->inoff == s->inlen && !fill(s))
			return LINE_END;
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
		if (seen > DISCARD_MAX) {
			s->end = LMTP_RD_ERR;
			return LINE_END;
		}
	}
	s->io->event(s->io->arg, LMTP_EV_COMMAND);
	if (seen > LMTP_LINE_MAX)
		return LINE_LONG;
	n--;				/* the LF */
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return memchr(line, '\0', n) != NULL ? LINE_BAD : LINE_OK;
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
		wipe_free(b->buf, b->len);
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
		/* not realloc: the message so far is wiped, not left behind */
		if ((nb = malloc(cap)) == NULL) {
			b->nomem = true;
			wipe_free(b->buf, b->len);
			b->buf = NULL;
			b->len = b->cap = 0;
			return;
		}
		if (b->len > 0)
			memcpy(nb, b->buf, b->len);
		wipe_free(b->buf, b->len);
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

enum dstate { D_BOL, D_DOT, D_DOTCR, D_MID };

/*
 * Reads the message after 354 up to the line ".", undoing dot-stuffing.
 * True when the end was seen; otherwise the session is over.
 */
static bool
read_data(struct sess *s, struct body *b)
{
	enum dstate st = D_BOL;
	size_t n, k;
	char *p, *nl;

	for (;;) {
		if (s->inoff == s->inlen && !fill(s))
			return false;
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
				return true;
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

/* Why the input ended, for the log. */
static const char *
end_str(enum lmtp_rd r)
{
	switch (r) {
	case LMTP_RD_OK:	return "no error";
	case LMTP_RD_EOF:	return "connection closed";
	case LMTP_RD_ERR:	return "connection lost";
	case LMTP_RD_TIMEOUT:	return "timeout";
	case LMTP_RD_STOP:	return "shutdown";
	case LMTP_RD_EVICTED:	return "slot given to a new client";
	}
	return "?";
}

static void
reset_txn(struct sess *s)
{
	if (s->mail)
		s->io->event(s->io->arg, LMTP_EV_RESET);
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
	reply(s, "250-%s", s->host);
	reply(s, "250-PIPELINING");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	if (s->io->ident != NULL && s->io->ident[0] != '\0')
		reply(s, "250-%s %s", HANDOVER_EXT, s->io->ident);
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
	s->io->event(s->io->arg, LMTP_EV_MAIL);
	reply(s, "250 2.1.0 Sender ok");
}

/*
 * Finds whose address list is, and as which of its addresses, with the
 * list's limit, and answers for this recipient.
 */
static void
rcpt_list(struct sess *s, const char *list)
{
	struct pd_err err = { 0 };
	struct route r;
	unsigned long max;
	int rc;

	memset(&r, 0, sizeof r);
	rc = s->io->limit(s->io->arg, list, &r, &max, &err);
	if (rc == -1) {
		if (err.status == PD_REFUSED && r.token[0] != '\0') {
			log_info("%s: rcpt %s: 550 5.7.1 %s", s->peer, list,
			    err.text);
			reply(s, "550 5.7.1 <%s>: not a return address of this "
			    "list's mail", list);
		} else if (err.status == PD_REFUSED) {
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
	snprintf(s->rcpt[s->nrcpt].addr, sizeof s->rcpt[0].addr, "%s", list);
	s->rcpt[s->nrcpt].route = r;
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
	char id[INBOX_ID_MAX], peer[128];

	if (b->total > r->max) {
		log_info("%s: %s: 552 5.3.4 %llu bytes over the limit %lu",
		    s->peer, r->addr, b->total, r->max);
		reply(s, "552 5.3.4 <%s>: message exceeds the list's limit of "
		    "%lu bytes", r->addr, r->max);
		return;
	}
	if (b->nomem) {
		log_warnx("%s: %s: 451 4.3.0 out of memory", s->peer, r->addr);
		reply(s, "451 4.3.0 <%s>: out of memory, try again later",
		    r->addr);
		return;
	}
	if (s->io->commit(s->io->arg, &r->route, s->sender,
	    b->buf != NULL ? b->buf : "", b->len, id, &err) == -1) {
		log_warnx("%s: %s: %s: %s", s->peer, r->addr, err.status ==
		    PD_REFUSED ? "550 5.1.1" : "451 4.3.0", err.text);
		if (err.status == PD_REFUSED)
			reply(s, "550 5.1.1 <%s>: no such list", r->addr);
		else
			reply(s, "451 4.3.0 <%s>: temporary failure, try again "
			    "later", r->addr);
		return;
	}
	log_event("intake", "id=%s list=%s to=%s size=%zu sender=%s via=lmtp "
	    "peer=%s", id, r->route.list, rcpt_kind_name(r->route.kind),
	    b->len, s->sender[0] ? s->sender : "<>", log_q(s->peer, peer,
	    sizeof peer));
	reply(s, "250 2.0.0 %s <%s> committed", id, r->addr);
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
	if (!read_data(s, &b)) {
		log_warnx("%s: %s during DATA; nothing committed", s->peer,
		    end_str(s->end));
		goto out;
	}
	for (i = 0; i < s->nrcpt; i++)
		deliver_one(s, &s->rcpt[i], &b);
	s->junk = 0;
out:
	wipe_free(b.buf, b.len);	/* mail in the clear: wiped */
	s->mail = false;	/* over: no LMTP_EV_RESET */
	s->io->event(s->io->arg, LMTP_EV_DATA_END);
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

/* ---- the session ---------------------------------------------------- */

/* The last word when the server ended the session (nothing otherwise). */
static void
say_end(struct sess *s)
{
	switch (s->end) {
	case LMTP_RD_STOP:
		reply(s, "421 4.3.2 Shutting down, try again later");
		break;
	case LMTP_RD_TIMEOUT:
		log_info("%s: timeout", s->peer);
		reply(s, "421 4.4.2 Timeout, closing the connection");
		break;
	case LMTP_RD_EVICTED:
		log_info("%s: idle longest, closed for a new client", s->peer);
		reply(s, "421 4.3.2 Too many connections, closing the one "
		    "idle longest");
		break;
	default:
		break;
	}
}

void
lmtp_session(const struct lmtp_io *io, const char *host, const char *peer)
{
	char line[LMTP_LINE_MAX + 1];
	struct sess *s;
	enum line_rd r;

	if ((s = calloc(1, sizeof *s)) == NULL) {
		log_warnx("%s: out of memory", peer);
		(void)io->write(io->arg, "421 4.3.0 Out of memory\r\n", 25);
		return;
	}
	s->io = io;
	s->host = host;
	s->peer = peer;
	reply(s, "220 %s LMTP pdlist ready", host);
	while (!s->dead && !s->quit) {
		r = read_cmd(s, line);
		if (r == LINE_LONG) {
			s->junk++;
			reply(s, "500 5.5.2 Line too long");
		} else if (r == LINE_BAD) {
			s->junk++;
			reply(s, "500 5.5.2 Syntax error: NUL in a command");
		} else if (r == LINE_OK)
			dispatch(s, line);
		if (r == LINE_END || s->end != LMTP_RD_OK) {
			say_end(s);
			break;
		}
		if (s->junk > LMTP_MAX_JUNK) {
			log_info("%s: too many bad commands", peer);
			reply(s, "421 4.7.0 Too many bad commands, closing");
			break;
		}
	}
	flush(s);
	free(s);
}
