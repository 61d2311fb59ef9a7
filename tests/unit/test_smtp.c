/*
 * tests/unit/test_smtp.c: the SMTP sender against tests/smtp-sink, real
 * SMTP over loopback.  Needs $top_builddir/tests/smtp-sink (skips without).
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "common/log.h"
#include "listd/smtp.h"
#include "tap.h"

#define TIME_LIMIT	240	/* seconds for the whole test */
#define NTHREADS	8

struct sink {
	pid_t	 pid;
	int	 port;
	char	 dir[PATH_MAX];
	char	 url[64];
};

struct entry {
	unsigned long	 seq, conn;
	char		 from[256], rcpt[256];
};

static char top[] = "/tmp/pdlist-smtp.XXXXXX";
static char sink_path[PATH_MAX];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
read_port(const char *file)
{
	char buf[16] = "";
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return atoi(buf);
}

/*
 * Starts the sink with its own mail folder top/name and the options in
 * extra (NULL-terminated); waits until it listens.  Returns 0 or -1.
 */
static int
sink_start(struct sink *s, const char *name, const char *const extra[])
{
	const char *argv[32] = { sink_path, "--max-seconds", "120", "--dir" };
	char pf[PATH_MAX + 8];
	int i, n = 4, status;
	double until;

	snprintf(s->dir, sizeof s->dir, "%s/%s", top, name);
	snprintf(pf, sizeof pf, "%s.port", s->dir);
	if (mkdir(s->dir, 0700) == -1 && errno != EEXIST)
		return -1;
	unlink(pf);
	argv[n++] = s->dir;
	argv[n++] = "--port-file";
	argv[n++] = pf;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if ((s->pid = fork()) == -1)
		return -1;
	if (s->pid == 0) {
		execv(sink_path, (char *const *)argv);
		_exit(127);
	}
	for (until = now() + 10; now() < until; sleep_ms(10)) {
		if ((s->port = read_port(pf)) > 0) {
			snprintf(s->url, sizeof s->url, "smtp://127.0.0.1:%d",
			    s->port);
			return 0;
		}
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			break;
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	return -1;
}

static void
sink_stop(struct sink *s)
{
	int status;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, &status, 0);
		s->pid = 0;
	}
}

/* The sink's log as entries (at most max); returns how many. */
static int
sink_log(const struct sink *s, struct entry *e, int max)
{
	char path[PATH_MAX + 8], line[600];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof path, "%s/log", s->dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%lu %lu %255s %255s", &e[n].seq, &e[n].conn,
		    e[n].from, e[n].rcpt) == 4)
			n++;
	fclose(f);
	return n;
}

/*
 * Line n (from 1; the last one when there are fewer) of file path into
 * buf, without its line end; "" when there is none.
 */
static const char *
line_of(const char *path, int n, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	char next[600];

	buf[0] = '\0';
	while (f != NULL && n-- > 0 && fgets(next, sizeof next, f) != NULL)
		snprintf(buf, cap, "%s", next);
	if (f != NULL)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Lines in file path; 0 when there is none. */
static int
lines_in(const char *path)
{
	FILE *f = fopen(path, "r");
	int c, n = 0;

	if (f == NULL)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int
count_rcpt(const struct entry *e, int n, const char *rcpt)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += strcmp(e[i].rcpt, rcpt) == 0;
	return k;
}

/* What the sink should have kept: CRLF line ends, a final CRLF. */
static char *
on_wire(const char *m, size_t len, size_t *outlen)
{
	char *w = malloc(2 * len + 3);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
			w[n++] = '\r';
		w[n++] = m[i];
	}
	if (len > 0 && m[len - 1] != '\n') {
		w[n++] = '\r';
		w[n++] = '\n';
	}
	*outlen = n;
	return w;
}

static bool
arrived_intact(const struct sink *s, unsigned long seq, const char *m,
    size_t len)
{
	char path[PATH_MAX + 32], *got = NULL, *want;
	size_t glen = 0, wlen;
	struct pd_err err;
	bool same;

	snprintf(path, sizeof path, "%s/%lu.eml", s->dir, seq);
	want = on_wire(m, len, &wlen);
	same = read_file(path, 64 * 1024 * 1024, &got, &glen, &err) == 0 &&
	    glen == wlen && memcmp(got, want, wlen) == 0;
	if (!same)
		diag("%s: %zu bytes, expected %zu", path, glen, wlen);
	free(got);
	free(want);
	return same;
}

/* Message i: headers and a body of varying length, LF or CRLF. */
static char *
make_msg(int i, size_t *len)
{
	const char *eol = i % 3 == 0 ? "\r\n" : "\n";
	char *m = malloc(16384);
	size_t n;
	int k;

	n = (size_t)sprintf(m, "From: team@lists.test%sTo: list@lists.test%s"
	    "Subject: message %d%s%s", eol, eol, i, eol, eol);
	for (k = 0; k < i % 17 + 1; k++)
		n += (size_t)sprintf(m + n, "%sline %d of message %d%s",
		    k % 5 == 0 ? "." : "", k, i, eol);
	*len = n;
	return m;
}

/* A large message: long and short lines, dots, 8-bit bytes, mixed ends. */
static char *
make_big(size_t size, size_t *len)
{
	char *m = malloc(size);
	unsigned r = 12345;
	size_t n = 0, l, k;

	while (n < size) {
		r = r * 1103515245 + 12345;
		l = (r >> 16) % 200;
		for (k = 0; k < l && n < size; k++)
			m[n++] = (char)(k == 0 && r % 7 == 0 ? '.' :
			    32 + (r + k * 31) % 223);
		if (n < size && r % 11 == 0)
			m[n++] = '\r';
		if (n < size)
			m[n++] = '\n';
	}
	*len = n;
	return m;
}

/*
 * Whether err's text starts with the server as name: a send to a recipient
 * that is not a plain address fails before anything goes out.
 */
static bool
named(struct smtp_conn *c, const char *name)
{
	struct smtp_result res;
	struct pd_err err = { 0 };
	size_t n = strlen(name);

	if (smtp_send(c, "", "not plain", "x\n", 2, &res, &err) != -1 ||
	    err.status != PD_REFUSED)
		return false;
	if (strncmp(err.text, name, n) != 0 || err.text[n] != ':' ||
	    strstr(err.text, "s3cret") != NULL) {
		diag("got '%s'", err.text);
		return false;
	}
	return true;
}

static void
test_open(void)
{
	struct smtp_conn *c = NULL;
	struct pd_err err = { 0 };

	ok(smtp_open("http://127.0.0.1:25", false, "a.test", &c, &err) == -1 &&
	    err.status == PD_REFUSED && c == NULL, "an http:// url is refused");
	like(err.text, "smtp", "and the reason names the schemes");
	ok(smtp_open("127.0.0.1 25", false, "a.test", &c, &err) == -1 &&
	    err.status == PD_REFUSED, "a malformed url is refused");
	ok(smtp_open("smtp://127.0.0.1", false, "a b", &c, &err) == -1 &&
	    err.status == PD_REFUSED, "a helo name with a space is refused");
	ok(smtp_open("smtp://u:s3cret@127.0.0.1:2525/x", true, NULL, &c,
	    &err) == 0, "a url with credentials and STARTTLS opens");
	if (c != NULL) {
		ok(named(c, "smtp://127.0.0.1:2525"),
		    "its errors name it without credentials");
		smtp_close(c);
	}
	ok(smtp_open("smtps://127.0.0.1", false, "[127.0.0.1]", &c, &err) == 0,
	    "smtps:// with an address literal as helo opens");
	if (c != NULL) {
		ok(named(c, "smtps://127.0.0.1:465"),
		    "its errors name it with the default port");
		smtp_close(c);
	}
}

/* smtp_set_ca_file(): a file to read, with a certificate, for TLS. */
static void
test_ca_file(void)
{
	struct smtp_conn *c = NULL;
	struct pd_err err = { 0 };
	char pem[300], empty[300];
	FILE *f;

	snprintf(pem, sizeof pem, "%s/ca.pem", top);
	snprintf(empty, sizeof empty, "%s/empty.pem", top);
	if ((f = fopen(pem, "w")) != NULL) {
		fputs("# a CA\n-----BEGIN CERTIFICATE-----\nMIIB\n"
		    "-----END CERTIFICATE-----\n", f);
		fclose(f);
	}
	if ((f = fopen(empty, "w")) != NULL) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	if (!ok(smtp_open("smtp://127.0.0.1:25", false, "a.test", &c, &err) ==
	    0, "smtp:// without STARTTLS opens"))
		return;
	ok(smtp_set_ca_file(c, NULL, &err) == 0, "no CA file: the system's");
	ok(smtp_set_ca_file(c, pem, &err) == -1 && err.status == PD_REFUSED,
	    "a CA file for a relay without TLS is refused");
	like(err.text, "without TLS: set smtp-starttls = true or use smtps://",
	    "with the fix");
	smtp_close(c);
	if (!ok(smtp_open("smtp://127.0.0.1:25", true, "a.test", &c, &err) ==
	    0, "smtp:// with STARTTLS opens"))
		return;
	ok(smtp_set_ca_file(c, pem, &err) == 0, "and takes a PEM CA file");
	smtp_close(c);
	if (!ok(smtp_open("smtps://127.0.0.1", false, "a.test", &c, &err) == 0,
	    "smtps:// opens"))
		return;
	ok(smtp_set_ca_file(c, empty, &err) == -1 && err.status == PD_REFUSED,
	    "a CA file with no certificate is refused");
	like(err.text, "holds no PEM certificate", "and says so");
	ok(smtp_set_ca_file(c, "/nonexistent/ca.pem", &err) == -1 &&
	    err.status == PD_REFUSED, "a CA file that is not there is refused");
	like(err.text, "/nonexistent/ca.pem: No such file", "naming it");
	smtp_close(c);
}

/* 50 messages over one smtp_conn: all there, intact, one connection. */
static void
test_many(void)
{
	struct sink s;
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	struct entry e[64];
	char rcpt[64], *m;
	size_t len;
	int i, sent = 0, intact = 0, n, oneconn = 1;

	if (!ok(sink_start(&s, "many", NULL) == 0, "the sink starts") ||
	    !ok(smtp_open(s.url, false, "pdlist.test", &c, &err) == 0,
	    "smtp_open"))
		goto out;
	for (i = 0; i < 50; i++) {
		snprintf(rcpt, sizeof rcpt, "member%d@vendor.test", i);
		m = make_msg(i, &len);
		if (smtp_send(c, i == 7 ? "" : "list-bounces@lists.test", rcpt,
		    m, len, &res, &err) == 0 && res.code == 250)
			sent++;
		else
			diag("message %d: %s", i, err.text);
		free(m);
	}
	ok(sent == 50, "50 messages accepted (%d)", sent);
	like(res.reply, "250 2.0.0 Ok", "the 250 line is in the result");
	for (i = 0; i < 50; i++) {
		m = make_msg(i, &len);
		intact += arrived_intact(&s, (unsigned long)i + 1, m, len);
		free(m);
	}
	ok(intact == 50, "all 50 arrived byte for byte apart from CRLF (%d)",
	    intact);
	n = sink_log(&s, e, 64);
	for (i = 0; i < n; i++)
		oneconn &= e[i].conn == e[0].conn;
	ok(n == 50 && oneconn, "over one connection (%d log lines)", n);
	ok(n > 7 && strcmp(e[7].from, "<>") == 0 &&
	    strcmp(e[8].from, "list-bounces@lists.test") == 0 &&
	    strcmp(e[49].rcpt, "member49@vendor.test") == 0,
	    "the envelope as given, \"\" as <>");
out:
	smtp_close(c);
	sink_stop(&s);
}

/*
 * A message in parts: a CR at the end of one part and its LF at the start
 * of the next, a dot that starts a part but not a line (not doubled) and
 * one that starts both (doubled), and a wire part sent as it is.  It
 * arrives as the parts joined would have.
 */
static void
test_parts(struct sink *s, struct smtp_conn *c)
{
#define PART(text, wire)	{ text, sizeof text - 1, wire }
	static const struct smtp_part parts[] = {
		PART("Subject: parts\n\nline one\r", false),
		PART("\nhalf a line, ", false),
		PART(".not a line start\n", false),
		PART("AAAA\r\nBBBB\r\n", true),
		PART(".a line start\n", false),
		PART("", true),
		PART("last", false),
	};
#undef PART
	char joined[256];
	struct smtp_result res;
	struct pd_err err;
	size_t i, n = 0;

	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		memcpy(joined + n, parts[i].p, parts[i].len);
		n += parts[i].len;
	}
	ok(smtp_send_parts(c, "a@lists.test", "m@vendor.test", parts,
	    sizeof parts / sizeof parts[0], &res, &err) == 0 &&
	    arrived_intact(s, 5, joined, n),
	    "a message in parts arrives as the parts joined (%s)", res.reply);
}

static void
test_content(void)
{
	static const char dots[] = ".first line is a dot line\n..two dots\n"
	    ".\n. \n.\r\n..\nmiddle\r\n.\n\n.last without a line end";
	struct sink s;
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	struct entry e[8];
	char *big = NULL, *eight = NULL, path[PATH_MAX + 16], want[64],
	    line[600];
	size_t blen = 0, elen = 0;
	double t;

	if (!ok(sink_start(&s, "content", NULL) == 0, "the sink starts") ||
	    !ok(smtp_open(s.url, false, "pdlist.test", &c, &err) == 0,
	    "smtp_open"))
		goto out;
	ok(smtp_send(c, "a@lists.test", "m@vendor.test", dots, strlen(dots),
	    &res, &err) == 0 && arrived_intact(&s, 1, dots, strlen(dots)),
	    "lines that start with dots arrive intact");
	ok(smtp_send(c, "a@lists.test", "m@vendor.test", "", 0, &res,
	    &err) == 0 && arrived_intact(&s, 2, "", 0),
	    "an empty message arrives empty");
	big = make_big(2 * 1024 * 1024, &blen);
	t = now();
	ok(smtp_send(c, "a@lists.test", "m@vendor.test", big, blen, &res,
	    &err) == 0, "a 2 MB message is accepted");
	diag("2 MB in %.3f s", now() - t);
	ok(arrived_intact(&s, 3, big, blen), "and arrives intact");
	eight = make_big(100000, &elen);
	ok(smtp_send(c, "a@lists.test", "m@vendor.test", eight, elen, &res,
	    &err) == 0 && arrived_intact(&s, 4, eight, elen),
	    "and the connection is still good for the next one");
	ok(sink_log(&s, e, 8) == 4 && e[3].conn == e[0].conn,
	    "all four over one connection");
	snprintf(path, sizeof path, "%s/mail", s.dir);
	snprintf(want, sizeof want, "SIZE=%zu", strlen(dots));
	like(line_of(path, 1, line, sizeof line), want,
	    "MAIL FROM gives the size, as EHLO offered SIZE (%s)", want);
	ok(strstr(line, "SMTPUTF8") == NULL, "and no SMTPUTF8 for ASCII "
	    "addresses");
	test_parts(&s, c);
	ok(smtp_send(c, "a@lists.test", "j\xc3\xb6rg@vendor.test", "x\n", 2,
	    &res, &err) == 0, "a copy to an address in UTF-8");
	like(line_of(path, INT_MAX, line, sizeof line), "SIZE=2 SMTPUTF8",
	    "its MAIL FROM says SMTPUTF8, as EHLO offered it");
out:
	free(big);
	free(eight);
	smtp_close(c);
	sink_stop(&s);
}

static void
test_faults(bool pipelining)
{
	const char *const faults[] = { "--tempfail-first", "1",
	    "--reject-rcpt", "gone@vendor.test", "--tempfail-rcpt",
	    "busy@vendor.test:1", pipelining ? NULL : "--no-pipelining", NULL };
	static const char msg[] = "Subject: x\n\nbody\n";
	static const char *const no_sender[] = { "--reject-sender", NULL };
	static const char *const no_sender_nopipe[] = { "--reject-sender",
	    "--no-pipelining", NULL };
	char path[PATH_MAX + 16];
	struct sink s;
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	struct entry e[16];
	int n, rc;

	diag("the envelope %s", pipelining ? "pipelined (RFC 2920)" :
	    "a command at a time (no PIPELINING)");
	if (!ok(sink_start(&s, pipelining ? "faults" : "faults-nopipe",
	    faults) == 0, "the sink starts") ||
	    !ok(smtp_open(s.url, false, "pdlist.test", &c, &err) == 0,
	    "smtp_open"))
		goto out;

	rc = smtp_send(c, "", "ok@vendor.test", msg, strlen(msg), &res, &err);
	ok(rc == -1 && res.code == 451 && res.temporary &&
	    err.status == PD_TEMPFAIL && res.stage == SMTP_BODY,
	    "451 at the end of data: temporary, PD_TEMPFAIL (%d %s)", res.code,
	    res.reply);
	like(res.reply, "451 4.3.0 try later", "with the server's reply line");
	like(err.text, "deferred at end of data: 451", "err says so");
	ok(smtp_send(c, "", "ok@vendor.test", msg, strlen(msg), &res,
	    &err) == 0, "the retry goes through");

	rc = smtp_send(c, "", "gone@vendor.test", msg, strlen(msg), &res, &err);
	ok(rc == -1 && res.code == 550 && !res.temporary &&
	    err.status == PD_REFUSED && res.stage == SMTP_RCPT,
	    "550 at RCPT: permanent, PD_REFUSED (%d)", res.code);
	like(res.reply, "no such user", "with the server's text");
	like(err.text, "<gone@vendor.test> refused at RCPT TO: 550",
	    "err names the recipient and the stage");
	ok(smtp_send(c, "", "ok@vendor.test", msg, strlen(msg), &res,
	    &err) == 0, "the next message on the same smtp_conn goes through");

	rc = smtp_send(c, "", "busy@vendor.test", msg, strlen(msg), &res, &err);
	ok(rc == -1 && res.code == 451 && res.temporary &&
	    res.stage == SMTP_RCPT, "451 at RCPT: temporary");
	ok(smtp_send(c, "", "busy@vendor.test", msg, strlen(msg), &res,
	    &err) == 0, "and then accepted");

	rc = smtp_send(c, "", "x@vendor.test>\r\nRCPT TO:<y@vendor.test", msg,
	    strlen(msg), &res, &err);
	ok(rc == -1 && err.status == PD_REFUSED && !res.temporary &&
	    res.code == 0, "a recipient with CRLF is refused before sending");
	ok(smtp_send(c, "a b@lists.test", "ok@vendor.test", msg, strlen(msg),
	    &res, &err) == -1 && err.status == PD_REFUSED,
	    "so is a sender with a space");

	n = sink_log(&s, e, 16);
	ok(n == 3 && count_rcpt(e, n, "ok@vendor.test") == 2 &&
	    count_rcpt(e, n, "busy@vendor.test") == 1,
	    "the sink kept each accepted copy once and nothing else (%d)", n);
	snprintf(path, sizeof path, "%s/pipelined", s.dir);
	n = lines_in(path);
	ok(n == (pipelining ? 6 : 0), pipelining ? "MAIL, RCPT and DATA went "
	    "in one write, each of the 6 times (%d)" : "one command at a time "
	    "to a server without PIPELINING (%d)", n);
	smtp_close(c);
	c = NULL;
	sink_stop(&s);

	if (!ok(sink_start(&s, pipelining ? "nosender" : "nosender-nopipe",
	    pipelining ? no_sender : no_sender_nopipe) == 0,
	    "a sink that refuses the sender") ||
	    !ok(smtp_open(s.url, false, "pdlist.test", &c, &err) == 0,
	    "smtp_open"))
		goto out;
	rc = smtp_send(c, "", "ok@vendor.test", msg, strlen(msg), &res, &err);
	ok(rc == -1 && res.code == 550 && res.stage == SMTP_MAIL,
	    "550 at MAIL FROM: its stage and code, not RCPT's or DATA's after "
	    "it (%d)", res.code);
	like(res.reply, "sender refused", "with MAIL's reply line");
	rc = smtp_send(c, "", "ok@vendor.test", msg, strlen(msg), &res, &err);
	ok(rc == -1 && res.code == 550 && res.stage == SMTP_MAIL,
	    "and the same again on the same connection");
out:
	smtp_close(c);
	sink_stop(&s);
}

/* A port that nobody listens on (just released by us). */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd, port = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_refused(void)
{
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	char url[64];
	double t;

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", free_port());
	if (!ok(smtp_open(url, false, "pdlist.test", &c, &err) == 0,
	    "smtp_open to a closed port"))
		return;
	t = now();
	ok(smtp_send(c, "", "m@vendor.test", "x\n", 2, &res, &err) == -1 &&
	    res.temporary && res.code == 0 && err.status == PD_TEMPFAIL &&
	    res.stage == SMTP_CONNECT && now() - t < 5,
	    "connection refused: temporary, code 0, PD_TEMPFAIL (%s)", res.reply);
	like(err.text, "deferred at connect", "err says so");
	smtp_close(c);
}

struct killer {
	pid_t	 pid;
	long	 ms;
};

static void *
kill_later(void *arg)
{
	struct killer *k = arg;

	sleep_ms(k->ms);
	kill(k->pid, SIGTERM);
	return NULL;
}

static void
test_lost(void)
{
	static const char *const slow[] = { "--slow-ms", "300", NULL };
	static const char *const stall[] = { "--slow-ms", "20000", NULL };
	static const char *const hangup[] = { "--hangup-after", "2", NULL };
	const char *again[] = { "--port", NULL, NULL };
	struct sink s;
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	struct killer k;
	struct entry e[8];
	pthread_t t;
	char port[16];
	double t0;
	int rc, i, n, sent;

	/* Stopped between messages, restarted on the same port. */
	if (!ok(sink_start(&s, "restart1", NULL) == 0, "the sink starts") ||
	    !ok(smtp_open(s.url, false, "pdlist.test", &c, &err) == 0,
	    "smtp_open"))
		goto out;
	ok(smtp_send(c, "", "m@vendor.test", "one\n", 4, &res, &err) == 0,
	    "a first message");
	sink_stop(&s);
	snprintf(port, sizeof port, "%d", s.port);
	again[1] = port;
	if (!ok(sink_start(&s, "restart2", again) == 0,
	    "the sink restarts on the same port"))
		goto out;
	ok(smtp_send(c, "", "m@vendor.test", "two\n", 4, &res, &err) == 0,
	    "the next message goes over a new connection (%s)", err.text);
	ok(sink_log(&s, e, 8) == 1, "and arrives once");
	sink_stop(&s);

	/* Dropped as the client reuses it, before any reply. */
	if (!ok(sink_start(&s, "hangup", hangup) == 0, "a sink that hangs up "
	    "on every third command starts"))
		goto out;
	smtp_close(c);
	if (smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	for (i = 0, sent = 0; i < 5; i++)
		sent += smtp_send(c, "", "m@vendor.test", "x\n", 2, &res,
		    &err) == 0;
	n = sink_log(&s, e, 8);
	ok(sent == 5 && n == 5 && e[0].conn == e[1].conn &&
	    e[1].conn != e[2].conn && e[4].conn != e[3].conn,
	    "a connection dropped before it answered MAIL is reopened at once "
	    "(%d sent, %s)", sent, sent < 5 ? err.text : "");
	sink_stop(&s);

	/* Stopped in the middle of a message. */
	if (!ok(sink_start(&s, "killed", slow) == 0, "a slow sink starts"))
		goto out;
	smtp_close(c);
	if (smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	k = (struct killer){ s.pid, 700 };
	pthread_create(&t, NULL, kill_later, &k);
	rc = smtp_send(c, "", "m@vendor.test", "x\n", 2, &res, &err);
	pthread_join(t, NULL);
	ok(rc == -1 && res.temporary && res.code == 0 &&
	    err.status == PD_TEMPFAIL,
	    "the sink stopped mid-session: temporary, code 0 (at %s: %s)",
	    smtp_stage_str(res.stage), res.reply);
	sink_stop(&s);

	/* A server that stops answering. */
	if (!ok(sink_start(&s, "stalled", stall) == 0, "a stalled sink starts"))
		goto out;
	smtp_close(c);
	if (smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	smtp_set_timeouts(c, 2, 4, 1);
	t0 = now();
	rc = smtp_send(c, "", "m@vendor.test", "x\n", 2, &res, &err);
	ok(rc == -1 && res.temporary && res.code == 0 &&
	    err.status == PD_TEMPFAIL && now() - t0 < 4.5,
	    "a silent server is given up on after the stall timeout: "
	    "temporary (%.1f s, %s)", now() - t0, res.reply);
out:
	smtp_close(c);
	sink_stop(&s);
}

/* How many lines the sink wrote to its file name (e.g. "stalled"). */
static int
sink_lines(const struct sink *s, const char *name)
{
	char path[PATH_MAX + 64], line[600];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n++;
	fclose(f);
	return n;
}

static atomic_bool cancel_now;

static bool
cancelled(void)
{
	return atomic_load(&cancel_now);
}

static void *
cancel_later(void *arg)
{
	sleep_ms(*(const long *)arg);
	atomic_store(&cancel_now, true);
	return NULL;
}

/* A relay that takes DATA and never answers: the deadlines, cancel(). */
static void
test_stalled(void)
{
	static const char *const stall[] = { "--stall-data", "2", NULL };
	static const long after_ms = 500;
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	struct sink s;
	struct entry e[4];
	pthread_t t;
	double t0;
	int rc;

	if (!ok(sink_start(&s, "stall", stall) == 0, "a sink that stalls "
	    "after DATA starts") ||
	    smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	smtp_set_timeouts(c, 2, 60, 2);
	t0 = now();
	rc = smtp_send(c, "", "m@vendor.test", "x\n", 2, &res, &err);
	ok(rc == -1 && res.temporary && res.timed_out && res.code == 0 &&
	    res.stage == SMTP_BODY && err.status == PD_TEMPFAIL &&
	    now() - t0 < 2 + 8,
	    "no reply to the end of DATA: given up after the 2 s reply timeout, "
	    "temporary (%.1f s, at %s: %s)", now() - t0,
	    smtp_stage_str(res.stage), res.reply);
	ok(sink_lines(&s, "stalled") == 1, "the relay had the message once");
	smtp_close(c);

	/* The reply timeout is long: only cancel() ends it. */
	if (smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	smtp_set_timeouts(c, 2, 120, 60);
	smtp_set_cancel(c, cancelled);
	pthread_create(&t, NULL, cancel_later, (void *)&after_ms);
	t0 = now();
	rc = smtp_send(c, "", "m@vendor.test", "y\n", 2, &res, &err);
	pthread_join(t, NULL);
	ok(rc == -1 && res.temporary && !res.timed_out && res.code == 0 &&
	    now() - t0 < 10, "cancel() cuts a stalled message short: "
	    "temporary (%.1f s, %s)", now() - t0, res.reply);
	t0 = now();
	smtp_close(c);
	c = NULL;
	ok(now() - t0 < 3, "and closing does not wait for the stalled relay "
	    "(%.1f s)", now() - t0);
	atomic_store(&cancel_now, false);

	/* Once the relay behaves, the message goes. */
	if (smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	smtp_set_timeouts(c, 2, 60, 2);
	ok(smtp_send(c, "", "m@vendor.test", "x\n", 2, &res, &err) == 0 &&
	    sink_log(&s, e, 4) == 1, "then the relay answers and keeps it (%s)",
	    res.reply);
out:
	smtp_close(c);
	sink_stop(&s);
}

struct worker {
	const char	*url;
	int		 id, sent;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct smtp_conn *c;
	struct smtp_result res;
	struct pd_err err;
	char rcpt[64], *m;
	size_t len;
	int i;

	if (smtp_open(w->url, false, "pdlist.test", &c, &err) == -1)
		return NULL;
	for (i = 0; i < 10; i++) {
		snprintf(rcpt, sizeof rcpt, "w%d.m%d@vendor.test", w->id, i);
		m = make_msg(w->id * 10 + i, &len);
		w->sent += smtp_send(c, "", rcpt, m, len, &res, &err) == 0;
		free(m);
	}
	smtp_close(c);
	return NULL;
}

/* NTHREADS connections at once, one smtp_conn per thread. */
static void
test_parallel(void)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	struct sink s;
	struct entry e[NTHREADS * 10 + 1];
	unsigned long conns[NTHREADS * 10];
	int i, j, n, sent = 0, nconn = 0, once = 1;
	char rcpt[64];

	if (!ok(sink_start(&s, "parallel", NULL) == 0, "the sink starts"))
		return;
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ s.url, i, 0 };
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		sent += w[i].sent;
	}
	ok(sent == NTHREADS * 10, "%d threads sent 10 each (%d)", NTHREADS,
	    sent);
	n = sink_log(&s, e, NTHREADS * 10 + 1);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nconn && conns[j] != e[i].conn; j++)
			;
		if (j == nconn)
			conns[nconn++] = e[i].conn;
	}
	for (i = 0; i < NTHREADS; i++)
		for (j = 0; j < 10; j++) {
			snprintf(rcpt, sizeof rcpt, "w%d.m%d@vendor.test", i, j);
			once &= count_rcpt(e, n, rcpt) == 1;
		}
	ok(n == NTHREADS * 10 && once, "each copy arrived once (%d)", n);
	ok(nconn == NTHREADS, "over %d connections (%d)", NTHREADS, nconn);
	sink_stop(&s);
}

/* Not a pass mark: how fast one connection goes, for the notes. */
static void
test_rate(void)
{
	static const char *const quiet[] = { "--max-messages", "200", NULL };
	struct sink s;
	struct smtp_conn *c = NULL;
	struct smtp_result res;
	struct pd_err err;
	char *m;
	size_t len;
	int i, sent = 0;
	double t;

	if (!ok(sink_start(&s, "rate", quiet) == 0, "the sink starts") ||
	    smtp_open(s.url, false, "pdlist.test", &c, &err) == -1)
		goto out;
	m = make_big(78 * 1024, &len);
	t = now();
	for (i = 0; i < 200; i++)
		sent += smtp_send(c, "", "m@vendor.test", m, len, &res,
		    &err) == 0;
	t = now() - t;
	free(m);
	ok(sent == 200, "200 copies of 78 KB over one connection");
	diag("%.3f s, %.0f messages/s, %.1f MB/s", t, sent / t,
	    sent * (double)len / t / 1e6);
out:
	smtp_close(c);
	sink_stop(&s);
}

int
main(void)
{
	const char *b = getenv("top_builddir");

	snprintf(sink_path, sizeof sink_path, "%s/tests/smtp-sink",
	    b != NULL ? b : ".");
	if (access(sink_path, X_OK) == -1)
		skip_all("no tests/smtp-sink in $top_builddir");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	alarm(TIME_LIMIT);
	log_init("test_smtp", true, false);
	signal(SIGPIPE, SIG_IGN);

	test_open();
	test_ca_file();
	test_many();
	test_content();
	test_faults(true);
	test_faults(false);
	test_refused();
	test_lost();
	test_stalled();
	test_parallel();
	test_rate();

	rm_tree(top);
	return done_testing();
}
