/*
 * listd/smtp.c: see smtp.h.
 *
 * libcurl runs the SMTP dialogue; this file feeds it the message from
 * memory and reads back what the server said.  The server's reply lines
 * and the commands sent reach us through the debug callback (with
 * CURLOPT_VERBOSE on, which sends nothing to stderr once a debug callback
 * is set): from the commands we know which stage failed, from the replies
 * the text of the failure.  Message bytes (CURLINFO_DATA_OUT) pass the
 * callback too and are ignored; AUTH arguments are never looked at.
 */
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
#include "listd/smtp.h"

#define CONNECT_TIMEOUT	10	/* seconds */
#define MESSAGE_TIMEOUT	300
#define STALL_TIMEOUT	30
#define UPLOAD_BUFFER	(256L * 1024)
#define PATH_MAX_	254	/* an address in MAIL or RCPT, RFC 5321 4.5.3.1.3 */

/* The message being sent, read in place. */
struct body {
	const char	*p;
	size_t		 len, off;
	bool		 cr_sent;	/* the CR for the bare LF at off is out */
};

struct smtp_conn {
	CURL		*curl;
	char		 name[300];	/* scheme://host:port */
	char		 errbuf[CURL_ERROR_SIZE];
	struct body	 body;
	enum smtp_stage	 stage;		/* of the last command sent */
	bool		 replied;	/* any reply in this transfer */
	bool		 quitting;	/* QUIT sent: its 221 is no result */
	char		 last[256];	/* the last reply line */
	bool		 (*cancel)(void);
	bool		 cancelled;	/* cancel() said so in this transfer */
};

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

/* One line of at most len - 1 printable ASCII bytes, up to the first CR/LF. */
static void
copy_line(char *dst, size_t len, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < len - 1 && src[i] != '\r' && src[i] != '\n'; i++)
		dst[i] = (unsigned char)src[i] >= ' ' &&
		    (unsigned char)src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* Hands libcurl the next bytes of the message, bare LFs made CRLF. */
static size_t
read_body(char *buf, size_t size, size_t nitems, void *arg)
{
	struct body *b = arg;
	size_t room = size * nitems, n = 0, run;
	const char *nl;

	while (n < room && b->off < b->len) {
		if (b->p[b->off] == '\n' && !b->cr_sent &&
		    (b->off == 0 || b->p[b->off - 1] != '\r')) {
			buf[n++] = '\r';
			b->cr_sent = true;
			continue;
		}
		nl = memchr(b->p + b->off + 1, '\n', b->len - b->off - 1);
		run = (nl != NULL ? (size_t)(nl - b->p) : b->len) - b->off;
		if (run > room - n)
			run = room - n;
		memcpy(buf + n, b->p + b->off, run);
		n += run;
		b->off += run;
		b->cr_sent = false;
	}
	return n;
}

/* libcurl rewinds only to resend a message on a fresh connection. */
static int
seek_body(void *arg, curl_off_t off, int origin)
{
	struct body *b = arg;

	if (origin != SEEK_SET || off != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	b->off = 0;
	b->cr_sent = false;
	return CURL_SEEKFUNC_OK;
}

/* The size on the wire before dot-stuffing: one more byte per bare LF. */
static size_t
wire_len(const char *p, size_t len)
{
	const char *q = p, *nl;
	size_t n = len;

	if (len == 0)
		return 0;
	while ((nl = memchr(q, '\n', len - (size_t)(q - p))) != NULL) {
		if (nl == p || nl[-1] != '\r')
			n++;
		q = nl + 1;
	}
	return n;
}

static bool
is_verb(const char *p, size_t n, const char *verb)
{
	size_t vl = strlen(verb);

	return n >= vl && strncasecmp(p, verb, vl) == 0 &&
	    (n == vl || p[vl] == ' ' || p[vl] == '\r' || p[vl] == '\n');
}

/* A command line libcurl sent: only its verb is looked at. */
static void
on_command(struct smtp_conn *c, const char *p, size_t n)
{
	if (is_verb(p, n, "QUIT")) {
		c->quitting = true;
		return;
	}
	c->quitting = false;
	if (is_verb(p, n, "MAIL"))
		c->stage = SMTP_MAIL;
	else if (is_verb(p, n, "RCPT"))
		c->stage = SMTP_RCPT;
	else if (is_verb(p, n, "DATA"))
		c->stage = SMTP_DATA;
	else if (is_verb(p, n, "EHLO") || is_verb(p, n, "HELO") ||
	    is_verb(p, n, "STARTTLS") || is_verb(p, n, "AUTH"))
		c->stage = SMTP_HELLO;
}

/* A reply line from the server (each line of a multi-line reply). */
static void
on_reply(struct smtp_conn *c, const char *p, size_t n)
{
	if (c->quitting && n >= 3 && memcmp(p, "221", 3) == 0)
		return;
	c->quitting = false;
	c->replied = true;
	copy_line(c->last, sizeof c->last, p, n);
	if (c->stage == SMTP_DATA && strncmp(c->last, "354", 3) == 0)
		c->stage = SMTP_BODY;
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
	CURL *h = c->curl;
	CURLcode rc;

	if ((rc = curl_easy_setopt(h, CURLOPT_URL, url)) != CURLE_OK ||
	    (rc = only_smtp(h)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_USE_SSL,
	    (long)(starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE))) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_UPLOAD, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE,
	    UPLOAD_BUFFER)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_READFUNCTION,
	    read_body)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_READDATA, &c->body)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_SEEKFUNCTION,
	    seek_body)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_SEEKDATA, &c->body)) != CURLE_OK ||
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
	    (c->curl = curl_easy_init()) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (make_url(c, url, helo, &full, err) == -1)
		goto out;
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

void
smtp_set_timeouts(struct smtp_conn *c, long connect, long message, long stall)
{
	if (connect > 0)
		curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, connect);
	if (message > 0)
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, message);
	if (stall > 0) {
		/* Replies (pingpong) and the body (speed check) each. */
		curl_easy_setopt(c->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, stall);
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, stall);
	}
}

void
smtp_set_cancel(struct smtp_conn *c, bool (*cancel)(void))
{
	c->cancel = cancel;
}

/*
 * Cuts the connection that libcurl keeps for reuse, so that neither a
 * reuse nor the QUIT of smtp_close() waits on its server.  For a server
 * that owes a reply (a timeout, a cancel): libcurl puts such a connection
 * back in its cache, and it says QUIT through an internal handle that has
 * the reply timeout of the last message and no progress callback.
 */
static void
drop_conn(struct smtp_conn *c)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &fd) ==
	    CURLE_OK && fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
}

void
smtp_close(struct smtp_conn *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL && c->cancel != NULL && c->cancel())
		drop_conn(c);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
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

/* Whether a failure came before the server said anything on a reused
   connection, so that the server can have seen no message. */
static bool
idle_close(struct smtp_conn *c, CURLcode cc)
{
	long connects = -1;

	if (c->replied || (cc != CURLE_SEND_ERROR && cc != CURLE_RECV_ERROR &&
	    cc != CURLE_GOT_NOTHING))
		return false;
	curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &connects);
	return connects == 0;
}

static CURLcode
transfer(struct smtp_conn *c, const char *msg, size_t len)
{
	c->body = (struct body){ .p = msg, .len = len };
	c->errbuf[0] = c->last[0] = '\0';
	c->stage = SMTP_CONNECT;
	c->replied = c->quitting = c->cancelled = false;
	return curl_easy_perform(c->curl);
}

/* Fills res from what the transfer left; 0 when the message went. */
static int
result(struct smtp_conn *c, CURLcode cc, struct smtp_result *res)
{
	const char *why = c->errbuf[0] != '\0' ? c->errbuf :
	    curl_easy_strerror(cc);
	long code = 0;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	res->stage = c->stage;
	if (cc == CURLE_OK) {
		res->code = (int)code;
		res->temporary = false;
		snprintf(res->reply, sizeof res->reply, "%s", c->last);
		return 0;
	}
	res->code = code >= 400 && code < 600 && !c->cancelled ? (int)code : 0;
	res->temporary = res->code / 100 != 5;
	res->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
	if (c->cancelled)
		snprintf(res->reply, sizeof res->reply, "given up: listd is "
		    "stopping");
	else if (res->code != 0 && atoi(c->last) == res->code)
		snprintf(res->reply, sizeof res->reply, "%s", c->last);
	else
		copy_line(res->reply, sizeof res->reply, why,
		    strnlen(why, sizeof c->errbuf));
	return -1;
}

int
smtp_send(struct smtp_conn *c, const char *from, const char *rcpt,
    const char *msg, size_t len, struct smtp_result *res, struct pd_err *err)
{
	struct curl_slist *to = NULL;
	const char *bad;
	char shown[PATH_MAX_ + 1];
	CURLcode cc;
	int rc = -1;

	*res = (struct smtp_result){ .stage = SMTP_CONNECT };
	bad = !envelope_ok(from, true) ? from : !envelope_ok(rcpt, false) ?
	    rcpt : NULL;
	if (bad != NULL) {
		snprintf(res->reply, sizeof res->reply, "not a plain address");
		copy_line(shown, sizeof shown, bad, strlen(bad));
		return pd_fail(err, PD_REFUSED, "%s: not sending: '%s' is not "
		    "a plain address", c->name, shown);
	}
	if ((to = curl_slist_append(NULL, rcpt)) == NULL ||
	    curl_easy_setopt(c->curl, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_MAIL_RCPT, to) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)wire_len(msg, len)) != CURLE_OK) {
		snprintf(res->reply, sizeof res->reply, "out of memory");
		res->temporary = true;
		pd_fail(err, PD_TEMPFAIL, "%s: out of memory", c->name);
		goto out;
	}
	cc = transfer(c, msg, len);
	if (cc != CURLE_OK && idle_close(c, cc)) {
		log_debug("%s: the connection was closed while idle, reopening",
		    c->name);
		cc = transfer(c, msg, len);
	}
	if (cc == CURLE_OPERATION_TIMEDOUT || c->cancelled)
		drop_conn(c);
	if ((rc = result(c, cc, res)) == 0)
		log_debug("%s: <%s> -> <%s>: %s", c->name, from, rcpt, res->reply);
	else
		pd_fail(err, res->temporary ? PD_TEMPFAIL : PD_REFUSED,
		    "%s: message from <%s> to <%s> %s at %s: %s", c->name, from,
		    rcpt, res->temporary ? "deferred" : "refused",
		    smtp_stage_str(res->stage), res->reply);
out:
	curl_easy_setopt(c->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(to);
	return rc;
}
