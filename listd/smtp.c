/*
 * listd/smtp.c: see smtp.h.
 *
 * libcurl opens the connection (TCP, TLS, the greeting, EHLO, STARTTLS,
 * AUTH: CURLOPT_CONNECT_ONLY) and keeps it; smtp_data.c says MAIL, RCPT
 * and DATA on it and sends the message.  The server's replies in the
 * connect phase reach us through libcurl's debug callback (with
 * CURLOPT_VERBOSE on, which sends nothing to stderr once a debug callback
 * is set): from the commands we know which stage failed, from the replies
 * the text of the failure and what EHLO offered.  AUTH arguments are never
 * looked at.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/log.h"
#include "listd/net.h"
#include "listd/smtp_int.h"

#define CONNECT_TIMEOUT	10	/* seconds */
#define MESSAGE_TIMEOUT	300
#define STALL_TIMEOUT	30
#define PATH_MAX_	254	/* an address in MAIL or RCPT, RFC 5321 4.5.3.1.3 */

const char *
smtp_stage_str(enum smtp_stage st)
{
	switch (st) {
	case SMTP_CONNECT:	return "connect";
	case SMTP_HELLO:	return "EHLO";
	case SMTP_MAIL:		return "MAIL FROM";
	case SMTP_RCPT:		return "RCPT TO";
	case SMTP_DATA:		return "DATA";
	case SMTP_BODY:		return "end of data";
	}
	return "?";
}

static bool
is_verb(const char *p, size_t n, const char *verb)
{
	size_t vl = strlen(verb);

	return n >= vl && strncasecmp(p, verb, vl) == 0 &&
	    (n == vl || p[vl] == ' ' || p[vl] == '\r' || p[vl] == '\n');
}

/* A command libcurl sent while connecting: only its verb is looked at. */
static void
on_command(struct smtp_conn *c, const char *p, size_t n)
{
	c->quitting = is_verb(p, n, "QUIT");
	if (c->quitting)
		return;
	c->stage = SMTP_HELLO;
	if (is_verb(p, n, "EHLO") || is_verb(p, n, "HELO"))
		c->size_ok = c->utf8_ok = c->pipelining_ok = false;
}

/* An extension EHLO offered, in a line "250-NAME ..." or "250 NAME". */
static bool
offers(const char *line, const char *ext)
{
	size_t n = strlen(ext);

	return strncmp(line, "250", 3) == 0 && (line[3] == '-' ||
	    line[3] == ' ') && strncasecmp(line + 4, ext, n) == 0 &&
	    (line[4 + n] == '\0' || line[4 + n] == ' ');
}

/* A reply line from the server (each line of a multi-line reply). */
static void
on_reply(struct smtp_conn *c, const char *p, size_t n)
{
	if (c->quitting && n >= 3 && memcmp(p, "221", 3) == 0)
		return;
	c->quitting = false;
	c->replied = true;
	smtp_copy_line(c->last, sizeof c->last, p, n);
	c->size_ok = c->size_ok || offers(c->last, "SIZE");
	c->utf8_ok = c->utf8_ok || offers(c->last, "SMTPUTF8");
	c->pipelining_ok = c->pipelining_ok || offers(c->last, "PIPELINING");
}

static int
on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	(void)h;
	if (type == CURLINFO_HEADER_OUT)
		on_command(arg, p, n);
	else if (type == CURLINFO_HEADER_IN)
		on_reply(arg, p, n);
	return 0;
}

/* libcurl's progress callback: the way to give up on a stalled server. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct smtp_conn *c = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (c->cancel == NULL || !c->cancel())
		return 0;
	c->cancelled = true;
	return 1;
}

/* A host name or an address literal in brackets, as EHLO takes it. */
static bool
helo_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255)
		return false;
	if (s[0] == '[')
		return s[n - 1] == ']' && n > 2 &&
		    strspn(s + 1, "0123456789abcdefABCDEFIPv:.") == n - 2;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == n && s[0] != '.' && s[0] != '-';
}

static pthread_once_t fqdn_once = PTHREAD_ONCE_INIT;
static char fqdn_name[256];

/*
 * The host's fully qualified name (its canonical name in the resolver,
 * which reads /etc/hosts first), else its short name, else "localhost";
 * looked up once per process.
 */
static void
find_fqdn(void)
{
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *ai = NULL;
	char *buf = fqdn_name;
	size_t len = sizeof fqdn_name;

	if (gethostname(buf, len) == -1)
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
	if (strchr(buf, '.') == NULL && getaddrinfo(buf, NULL, &hints,
	    &ai) == 0 && ai->ai_canonname != NULL && helo_ok(ai->ai_canonname))
		snprintf(buf, len, "%s", ai->ai_canonname);
	if (ai != NULL)
		freeaddrinfo(ai);
}

static const char *
fqdn(void)
{
	pthread_once(&fqdn_once, find_fqdn);
	return fqdn_name;
}

static int
url_fail(CURLUcode uc, struct pd_err *err)
{
	if (uc == CURLUE_OUT_OF_MEMORY)
		return pd_fail(err, PD_FAIL, "out of memory");
#if LIBCURL_VERSION_NUM >= 0x075000
	return pd_fail(err, PD_REFUSED, "smtp-url is not a valid URL: %s; "
	    "give smtp://host[:port] or smtps://host[:port]",
	    curl_url_strerror(uc));
#else
	return pd_fail(err, PD_REFUSED, "smtp-url is not a valid URL (%d); "
	    "give smtp://host[:port] or smtps://host[:port]", (int)uc);
#endif
}

/*
 * url with its path replaced by helo, into *full (curl_free()), and its
 * name without credentials into c->name.  Never echoes url, which may
 * hold a password.
 */
static int
make_url(struct smtp_conn *c, const char *url, const char *helo, char **full,
    struct pd_err *err)
{
	char *scheme = NULL, *host = NULL, *port = NULL, path[260];
	CURLUcode uc;
	CURLU *u;
	int rc = -1;

	if ((u = curl_url()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	snprintf(path, sizeof path, "/%s", helo);
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_HOST, &host, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_PORT, &port,
	    CURLU_DEFAULT_PORT)) != CURLUE_OK ||
	    (uc = curl_url_set(u, CURLUPART_PATH, path,
	    CURLU_URLENCODE)) != CURLUE_OK ||
	    (uc = curl_url_set(u, CURLUPART_QUERY, NULL, 0)) != CURLUE_OK ||
	    (uc = curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_URL, full, 0)) != CURLUE_OK) {
		url_fail(uc, err);
		goto out;
	}
	if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
		pd_fail(err, PD_REFUSED, "smtp-url: the scheme '%s' is not "
		    "smtp or smtps", scheme);
		goto out;
	}
	snprintf(c->name, sizeof c->name, "%s://%s:%s", scheme, host, port);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static CURLcode
only_smtp(CURL *h)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	return curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	return curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
}

static CURLcode
setup(struct smtp_conn *c, const char *url, bool starttls)
{
	CURL *h = c->proto;
	CURLcode rc;

	if ((rc = curl_easy_setopt(h, CURLOPT_URL, url)) != CURLE_OK ||
	    (rc = only_smtp(h)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_USE_SSL,
	    (long)(starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE))) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_DEBUGDATA, c)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_VERBOSE, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION,
	    on_progress)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_XFERINFODATA, c)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L)) != CURLE_OK)
		return rc;
	smtp_set_timeouts(c, CONNECT_TIMEOUT, MESSAGE_TIMEOUT, STALL_TIMEOUT);
	return CURLE_OK;
}

int
smtp_open(const char *url, bool starttls, const char *helo,
    struct smtp_conn **out, struct pd_err *err)
{
	struct smtp_conn *c = NULL;
	char *full = NULL;
	CURLcode cc;
	int rc = -1;

	*out = NULL;
	if (net_start(err) == -1)
		return -1;
	if (helo == NULL)
		helo = fqdn();
	if (!helo_ok(helo))
		return pd_fail(err, PD_REFUSED, "'%s' is not a host name to "
		    "give in EHLO", helo);
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->out.buf = malloc(SMTP_OUT_BUFFER)) == NULL ||
	    (c->proto = curl_easy_init()) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	c->out.cap = SMTP_OUT_BUFFER;
	if (make_url(c, url, helo, &full, err) == -1)
		goto out;
	c->tls = starttls || strncmp(c->name, "smtps:", 6) == 0;
	if ((cc = setup(c, full, starttls)) != CURLE_OK) {
		pd_fail(err, PD_FAIL, "%s: libcurl: %s", c->name,
		    curl_easy_strerror(cc));
		goto out;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	curl_free(full);
	smtp_close(c);
	return rc;
}

/* 0 when path opens and holds a PEM certificate; -1 and err otherwise. */
static int
pem_certificates(const char *path, struct pd_err *err)
{
	char line[128];
	bool found = false;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return pd_fail(err, PD_REFUSED, "smtp-ca-file %s: %s: give a "
		    "PEM file of the CA certificates to trust", path,
		    strerror(errno));
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
	fclose(f);
	return found ? 0 : pd_fail(err, PD_REFUSED, "smtp-ca-file %s holds "
	    "no PEM certificate (-----BEGIN CERTIFICATE-----): give a PEM "
	    "file of the CA certificates to trust", path);
}

int
smtp_set_ca_file(struct smtp_conn *c, const char *path, struct pd_err *err)
{
	CURLcode cc;

	if (path == NULL)
		return 0;
	if (!c->tls)
		return pd_fail(err, PD_REFUSED, "smtp-ca-file is set but %s "
		    "goes without TLS: set smtp-starttls = true or use "
		    "smtps://", c->name);
	if (pem_certificates(path, err) == -1)
		return -1;
	/* the file only, not the system's folder of CAs as well; on the
	   handle that each connection copies (a connection is verified
	   when it is made) */
	if ((cc = curl_easy_setopt(c->proto, CURLOPT_CAINFO, path)) !=
	    CURLE_OK ||
	    (cc = curl_easy_setopt(c->proto, CURLOPT_CAPATH, NULL)) != CURLE_OK)
		return pd_fail(err, PD_FAIL, "%s: smtp-ca-file: libcurl: %s",
		    c->name, curl_easy_strerror(cc));
	return 0;
}

/* An option on the handle to copy and on the connection's, if any. */
static void
set_long(struct smtp_conn *c, CURLoption opt, long v)
{
	curl_easy_setopt(c->proto, opt, v);
	if (c->curl != NULL)
		curl_easy_setopt(c->curl, opt, v);
}

void
smtp_set_timeouts(struct smtp_conn *c, long connect, long message, long stall)
{
	if (connect > 0)
		set_long(c, CURLOPT_CONNECTTIMEOUT, connect);
	if (message > 0) {
		c->message = message;
		set_long(c, CURLOPT_TIMEOUT, message);
	}
	if (stall > 0) {
		c->stall = stall;
		set_long(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, stall);
	}
}

void
smtp_set_cancel(struct smtp_conn *c, bool (*cancel)(void))
{
	c->cancel = cancel;
}

/*
 * Ends the connection, with no word to the server: the socket is shut
 * (so that libcurl's own QUIT on it fails at once) and the handle that
 * made it goes with it, since libcurl frees a CONNECT_ONLY connection only
 * with its handle; the next message connects with a fresh copy of proto.
 */
static void
drop_conn(struct smtp_conn *c)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (c->curl != NULL && curl_easy_getinfo(c->curl,
	    CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	c->open = false;
	c->inlen = 0;
}

void
smtp_close(struct smtp_conn *c)
{
	if (c == NULL)
		return;
	if (c->open && (c->cancel == NULL || !c->cancel())) {
		/* QUIT, waiting for its reply at most the stall timeout */
		c->deadline = smtp_now() + (double)c->stall;
		c->errbuf[0] = '\0';
		(void)smtp_command(c, SMTP_HELLO, "QUIT");
	}
	drop_conn(c);
	if (c->proto != NULL)
		curl_easy_cleanup(c->proto);
	free(c->out.buf);
	free(c);
}

/* A plain address for the envelope: no spaces, controls or brackets. */
static bool
envelope_ok(const char *a, bool may_be_empty)
{
	size_t n = strlen(a), i;

	if (n > PATH_MAX_ || (n == 0 && !may_be_empty))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)a[i] <= ' ' || a[i] == 0x7f || a[i] == '<' ||
		    a[i] == '>')
			return false;
	return true;
}

static bool
eight_bit(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a >= 0x80)
			return true;
	return false;
}

/*
 * Connects when no connection is open: libcurl's transfer stops once
 * EHLO (and STARTTLS, AUTH) are done.  The reply code of a refusal, 0
 * without one, or -1 when connected.
 */
static int
connect_relay(struct smtp_conn *c)
{
	long code = 0;
	CURLcode cc;

	c->stage = SMTP_CONNECT;
	if ((c->curl = curl_easy_duphandle(c->proto)) == NULL) {
		snprintf(c->errbuf, sizeof c->errbuf, "out of memory");
		return 0;
	}
	if ((cc = curl_easy_perform(c->curl)) == CURLE_OK) {
		c->open = true;
		c->replied = false;	/* the greeting is not this message's */
		return -1;
	}
	if (c->errbuf[0] == '\0')
		snprintf(c->errbuf, sizeof c->errbuf, "%s",
		    curl_easy_strerror(cc));
	c->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	drop_conn(c);
	return code >= 400 && code < 600 && !c->cancelled ? (int)code : 0;
}

/*
 * MAIL, RCPT, DATA and the message: the final reply's code (250 when
 * the message went), the code of the command that was refused, or 0 when
 * no reply came.
 */
static int
transaction(struct smtp_conn *c, const char *from, const char *rcpt,
    const struct smtp_part *parts, size_t n)
{
	char line[PATH_MAX_ + 64], to[PATH_MAX_ + 16];
	size_t i, len = 0;
	int code;

	for (i = 0; i < n; i++)
		len += parts[i].len;

	snprintf(line, sizeof line, "MAIL FROM:<%s>", from);
	if (c->size_ok)
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    " SIZE=%zu", len);
	if (c->utf8_ok && (eight_bit(from) || eight_bit(rcpt)))
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    " SMTPUTF8");
	snprintf(to, sizeof to, "RCPT TO:<%s>", rcpt);
	if ((code = smtp_envelope(c, line, to)) != 354)
		return code;
	if (smtp_body(c, parts, n) == -1)
		return -1;
	return smtp_reply(c);
}

/*
 * One attempt at the message: its code as transaction(), -1 for none;
 * the stage it came to and the last reply line in *stage and reply.
 */
static int
attempt(struct smtp_conn *c, const char *from, const char *rcpt,
    const struct smtp_part *parts, size_t n, bool *reused,
    enum smtp_stage *stage,
    char reply[sizeof c->last])
{
	int code;

	c->errbuf[0] = c->last[0] = '\0';
	c->replied = c->quitting = c->cancelled = c->timed_out = false;
	c->inlen = 0;
	*reused = c->open;
	code = c->open ? -1 : connect_relay(c);
	if (code == -1)
		code = transaction(c, from, rcpt, parts, n);
	*stage = c->stage;
	memcpy(reply, c->last, sizeof c->last);
	if (code == -1 && c->open)
		drop_conn(c);	/* it may owe a reply: never reused */
	else if (code > 0 && code != 250 && c->open && *stage != SMTP_BODY &&
	    smtp_command(c, *stage, "RSET") != 250)
		drop_conn(c);	/* cannot start over on it */
	return code;
}

/* Fills res from the attempt; 0 when the message went. */
static int
result(struct smtp_conn *c, int code, enum smtp_stage stage,
    const char *reply, struct smtp_result *res)
{
	res->stage = stage;
	res->timed_out = c->timed_out;
	if (code == 250) {
		res->code = 250;
		res->temporary = false;
		snprintf(res->reply, sizeof res->reply, "%s", reply);
		return 0;
	}
	res->code = code >= 400 && code < 600 ? code : 0;
	res->temporary = res->code / 100 != 5;
	if (c->cancelled)
		snprintf(res->reply, sizeof res->reply, "given up: listd is "
		    "stopping");
	else if (res->code != 0)
		snprintf(res->reply, sizeof res->reply, "%s", reply);
	else
		smtp_copy_line(res->reply, sizeof res->reply, c->errbuf,
		    strnlen(c->errbuf, sizeof c->errbuf));
	return -1;
}

int
smtp_send(struct smtp_conn *c, const char *from, const char *rcpt,
    const char *msg, size_t len, struct smtp_result *res, struct pd_err *err)
{
	struct smtp_part one = { msg, len, false };

	return smtp_send_parts(c, from, rcpt, &one, 1, res, err);
}

int
smtp_send_parts(struct smtp_conn *c, const char *from, const char *rcpt,
    const struct smtp_part *parts, size_t n, struct smtp_result *res,
    struct pd_err *err)
{
	const char *bad;
	char shown[PATH_MAX_ + 1], reply[sizeof c->last];
	enum smtp_stage stage;
	bool reused;
	int code, rc;

	*res = (struct smtp_result){ .stage = SMTP_CONNECT };
	bad = !envelope_ok(from, true) ? from : !envelope_ok(rcpt, false) ?
	    rcpt : NULL;
	if (bad != NULL) {
		snprintf(res->reply, sizeof res->reply, "not a plain address");
		smtp_copy_line(shown, sizeof shown, bad, strlen(bad));
		return pd_fail(err, PD_REFUSED, "%s: not sending: '%s' is not "
		    "a plain address", c->name, shown);
	}
	c->deadline = smtp_now() + (double)c->message;
	code = attempt(c, from, rcpt, parts, n, &reused, &stage, reply);
	if (code == -1 && reused && !c->replied && !c->cancelled &&
	    !c->timed_out) {
		log_debug("%s: the connection was closed while idle, reopening",
		    c->name);
		code = attempt(c, from, rcpt, parts, n, &reused, &stage, reply);
	}
	if (code == -1)
		code = 0;
	if ((rc = result(c, code, stage, reply, res)) == 0)
		log_debug("%s: <%s> -> <%s>: %s", c->name, from, rcpt, res->reply);
	else
		pd_fail(err, res->temporary ? PD_TEMPFAIL : PD_REFUSED,
		    "%s: message from <%s> to <%s> %s at %s: %s", c->name, from,
		    rcpt, res->temporary ? "deferred" : "refused",
		    smtp_stage_str(res->stage), res->reply);
	return rc;
}
