/*
 * tests/fuzz/fuzz_lmtp.c: arbitrary bytes as what an LMTP client sends,
 * into the session parser (listd/lmtp_session.c) with stubs for the socket
 * and the store.  The first byte chooses how the input is cut into reads
 * and how it ends (the client closes, or a timeout, a shutdown or an
 * eviction as the server would report them); the rest is the client's.
 *
 * Beyond "no crash": every reply is whole lines of a 2xx-5xx code and
 * printable ASCII; transactions begin and end in order; the limit is asked
 * only for a normalised address; no message is committed for a list the
 * session did not accept at RCPT, nor over that list's limit; the session
 * ends when its input does.  A broken promise aborts.  Built with
 * libFuzzer by `make fuzz`; otherwise replay.c replays the seeds in
 * tests/fuzz/lmtp/ under make check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "listd/lmtp_session.h"

#define LIMIT_SMALL	64		/* a list whose name starts with 's' */
#define LIMIT_LARGE	100000		/* any other list */
#define MAX_ACCEPTED	(LMTP_MAX_RCPT * 4)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The session logs; here the log goes nowhere (common/log.c is not
 * linked), so that a fuzzing run is not a stream of lines on stderr.
 */
static void
quiet(const char *fmt, ...)
{
	(void)fmt;
}

void	log_warn(const char *, ...) __attribute__((alias("quiet")));
void	log_warnx(const char *, ...) __attribute__((alias("quiet")));
void	log_info(const char *, ...) __attribute__((alias("quiet")));
void	log_debug(const char *, ...) __attribute__((alias("quiet")));

void
log_event(const char *event, const char *fmt, ...)
{
	(void)event;
	(void)fmt;
}

/* log_q() and rcpt_kind_name() for the session's one intake line. */
const char *
log_q(const char *s, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return s;
}

const char *
rcpt_kind_name(enum rcpt_kind k)
{
	return k == RCPT_POST ? "post" : "other";
}

struct harness {
	const uint8_t	*p;
	size_t		 len, off;
	unsigned	 seed;		/* chooses the size of each read */
	enum lmtp_rd	 end;		/* how the input ends */
	bool		 ended, in_txn;
	char		 accepted[MAX_ACCEPTED][ADDR_MAX + 1];
	size_t		 naccepted;
};

static enum lmtp_rd
h_read(void *arg, char *buf, size_t len, size_t *got)
{
	struct harness *h = arg;
	size_t n;

	if (h->ended)
		abort();		/* a session reads on after the end */
	if (h->off == h->len) {
		h->ended = true;
		return h->end;
	}
	h->seed = h->seed * 1103515245u + 12345u;
	n = 1 + (h->seed >> 16) % (h->seed & 0x100 ? 4096 : 7);
	if (n > len)
		n = len;
	if (n > h->len - h->off)
		n = h->len - h->off;
	memcpy(buf, h->p + h->off, n);
	h->off += n;
	*got = n;
	return LMTP_RD_OK;
}

/* Whole reply lines: "DDD" and ' ' or '-', printable text, CRLF. */
static int
h_write(void *arg, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol;

	(void)arg;
	while (p < end) {
		if ((eol = memchr(p, '\r', (size_t)(end - p))) == NULL ||
		    eol + 1 == end || eol[1] != '\n' || eol - p < 4 ||
		    p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '-'))
			abort();
		for (; p < eol; p++)
			if (*p < ' ' || *p > '~')
				abort();
		p = eol + 2;
	}
	return 0;
}

static void
h_event(void *arg, enum lmtp_event ev)
{
	struct harness *h = arg;

	switch (ev) {
	case LMTP_EV_COMMAND:
		break;
	case LMTP_EV_MAIL:
		if (h->in_txn)
			abort();
		h->in_txn = true;
		h->naccepted = 0;
		break;
	case LMTP_EV_DATA_END:
	case LMTP_EV_RESET:
		if (!h->in_txn)
			abort();
		h->in_txn = false;
		break;
	}
}

/*
 * By the list's first letter: 'n' no such list, 't' temporary trouble,
 * 's' a small limit, anything else a large one.
 */
static int
h_limit(void *arg, const char *list, struct route *r, unsigned long *max,
    struct pd_err *err)
{
	struct harness *h = arg;
	char norm[ADDR_MAX + 1];
	struct pd_err e;

	if (!h->in_txn || addr_normalize(list, norm, &e) == -1 ||
	    strcmp(norm, list) != 0)
		abort();
	if (list[0] == 'n')
		return pd_fail(err, PD_REFUSED, "no such list");
	if (list[0] == 't')
		return pd_fail(err, PD_TEMPFAIL, "the policy cannot be read");
	*max = list[0] == 's' ? LIMIT_SMALL : LIMIT_LARGE;
	memset(r, 0, sizeof *r);
	strcpy(r->list, list);	/* the route names the list as given */
	if (h->naccepted < MAX_ACCEPTED)
		strcpy(h->accepted[h->naccepted++], list);
	return 0;
}

/* By the list's second letter: 'c' a store that fails, 'r' a list gone. */
static int
h_commit(void *arg, const struct route *r, const char *sender,
    const char *msg, size_t len, char id[INBOX_ID_MAX], struct pd_err *err)
{
	struct harness *h = arg;
	const char *list = r->list;
	size_t i;

	for (i = 0; i < h->naccepted; i++)
		if (strcmp(h->accepted[i], list) == 0)
			break;
	if (!h->in_txn || i == h->naccepted || sender == NULL ||
	    (len > 0 && msg == NULL) ||
	    len > (list[0] == 's' ? LIMIT_SMALL : LIMIT_LARGE))
		abort();
	if (list[1] == 'c')
		return pd_fail(err, PD_FAIL, "store commit: no space");
	if (list[1] == 'r')
		return pd_fail(err, PD_REFUSED, "no such list");
	strcpy(id, "20261122T101500Z-0a1b2c3d");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum lmtp_rd ends[] = { LMTP_RD_EOF, LMTP_RD_ERR,
	    LMTP_RD_TIMEOUT, LMTP_RD_STOP, LMTP_RD_EVICTED };
	struct harness *h;
	struct lmtp_io io = { h_read, h_write, h_event, h_limit, h_commit,
	    NULL, "801:2a" };

	if (size == 0 || (h = calloc(1, sizeof *h)) == NULL)
		return 0;
	h->seed = data[0];
	h->end = ends[(data[0] >> 4) % (sizeof ends / sizeof ends[0])];
	h->p = data + 1;
	h->len = size - 1;
	io.arg = h;
	lmtp_session(&io, "fuzz.example", "fuzz");
	free(h);
	return 0;
}
