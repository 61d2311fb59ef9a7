/* listd/dsn.c: see dsn.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "listd/dsn.h"
#include "listd/msg.h"
#include "listd/msg_int.h"

#define TEXT_MAX	(16 * 1024)	/* of a report's text, what is read */

const char *
dsn_kind_name(enum dsn_kind k)
{
	static const char *const names[DSN_NKINDS] = { "none", "failed",
	    "transient", "other" };

	return (unsigned)k < DSN_NKINDS ? names[k] : "?";
}

/* s, whitespace runs made one space, non-printable bytes dropped. */
static void
one_line(const char *s, size_t n, char *out, size_t len)
{
	size_t i, o = 0;
	bool space = false;

	for (i = 0; i < n && s[i] != '\0' && o + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isspace(c)) {
			space = o > 0;
			continue;
		}
		if (c < ' ' || c > '~')
			continue;
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

bool
dsn_find_status(const char *s, char out[16])
{
	const char *p;
	int a, b, c, n;

	for (p = s; *p != '\0'; p++) {
		if ((*p != '2' && *p != '4' && *p != '5') || (p > s &&
		    (isdigit((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		if (sscanf(p, "%1d.%3d.%3d%n", &a, &b, &c, &n) == 3 &&
		    !isdigit((unsigned char)p[n]) && p[n] != '.') {
			snprintf(out, 16, "%d.%d.%d", a, b, c);
			return true;
		}
	}
	return false;
}

/* ---- RFC 3464 ------------------------------------------------------------ */

/* The value of field name in one group of fields (a copy, one line). */
static void
field(const char *group, size_t n, const char *name, char *out, size_t len)
{
	size_t k = strlen(name);
	const char *p = group, *end = group + n, *v, *e;

	out[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > k && strncasecmp(p, name, k) == 0 &&
		    p[k] == ':') {
			v = p + k + 1;
			/* continuation lines start with white space */
			for (e = eol; e + 1 < end && (e[1] == ' ' ||
			    e[1] == '\t'); ) {
				nl = memchr(e + 1, '\n', (size_t)(end - e - 1));
				e = nl ? nl : end;
			}
			one_line(v, (size_t)(e - v), out, len);
			return;
		}
		p = eol + 1;
	}
}

/* The address in "rfc822; addr", lower-cased. */
static void
type_address(const char *v, char out[ADDR_MAX + 1])
{
	const char *semi = strchr(v, ';');
	size_t i;

	v = semi ? semi + 1 : v;
	while (*v == ' ' || *v == '<')
		v++;
	for (i = 0; v[i] != '\0' && v[i] != '>' && v[i] != ' ' && i < ADDR_MAX;
	    i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[i] = '\0';
}

/* How grave a recipient group is: the report is about its gravest. */
static int
grave(const char *action)
{
	if (strcasecmp(action, "failed") == 0)
		return 3;
	if (strcasecmp(action, "delayed") == 0)
		return 2;
	return action[0] != '\0';
}

static void
rfc3464(const char *text, size_t len, struct dsn *d)
{
	char action[32], status[32], diag[sizeof d->diagnostic], rcpt[300];
	const char *p = text, *end = text + len, *g;
	int best = 0, gr;

	snprintf(d->how, sizeof d->how, "rfc3464");
	while (p < end) {
		/* a group ends at an empty line */
		for (g = p; g < end; g++)
			if (*g == '\n' && g + 1 < end && (g[1] == '\n' ||
			    (g[1] == '\r' && g + 2 < end && g[2] == '\n')))
				break;
		field(p, (size_t)(g - p), "Action", action, sizeof action);
		if ((gr = grave(action)) > best) {
			best = gr;
			field(p, (size_t)(g - p), "Status", status, sizeof status);
			field(p, (size_t)(g - p), "Diagnostic-Code", diag,
			    sizeof diag);
			field(p, (size_t)(g - p), "Final-Recipient", rcpt,
			    sizeof rcpt);
			one_line(action, sizeof action, d->action,
			    sizeof d->action);
			if (!dsn_find_status(status, d->status))
				d->status[0] = '\0';
			snprintf(d->diagnostic, sizeof d->diagnostic, "%s",
			    strncasecmp(diag, "smtp;", 5) == 0 ? diag + 5 +
			    (diag[5] == ' ') : diag);
			type_address(rcpt, d->recipient);
		}
		p = g + 1;
	}
	if (best == 3)
		d->kind = d->status[0] == '4' ? DSN_TRANSIENT : DSN_FAILED;
	else if (best == 2)
		d->kind = DSN_TRANSIENT;
	else
		d->kind = best ? DSN_OTHER : DSN_NONE;
}

/* Whether o is a message/delivery-status part. */
static bool
status_part(GMimeObject *o)
{
	return is_type(o, "message", "delivery-status") ||
	    is_type(o, "message", "global-delivery-status");
}

/* ---- reports in plain text ---------------------------------------------- */

static bool
has(const char *hay, const char *const *needles)
{
	for (; *needles != NULL; needles++)
		if (strcasestr(hay, *needles) != NULL)
			return true;
	return false;
}

/* Sent by a mail system itself, by its From: or X-Failed-Recipients. */
static bool
from_daemon(const struct msg *m)
{
	static const char *const daemons[] = { "mailer-daemon", "postmaster",
	    "mail-daemon", "mailerdaemon", "bounce", "bounces", NULL };
	char from[ADDR_MAX + 1];
	const char *at;
	size_t i;

	if (msg_header(m, "X-Failed-Recipients") != NULL)
		return true;
	msg_address(m, "From", from);
	if ((at = strchr(from, '@')) == NULL)
		return false;
	for (i = 0; daemons[i] != NULL; i++)
		if (strlen(daemons[i]) == (size_t)(at - from) &&
		    strncmp(from, daemons[i], (size_t)(at - from)) == 0)
			return true;
	return false;
}

/* The line of text holding at, as one line. */
static void
line_at(const char *text, const char *at, char *out, size_t len)
{
	const char *b = at, *e = strchr(at, '\n');

	while (b > text && b[-1] != '\n')
		b--;
	one_line(b, e ? (size_t)(e - b) : strlen(b), out, len);
}

static void
plain_text(const struct msg *m, const char *text, struct dsn *d)
{
	static const char *const delayed[] = { "has been delayed",
	    "warning message only", "delivery delayed", "will be retried",
	    "(delay)", NULL };
	static const char *const failed[] = { "failed permanently",
	    "permanent error", "permanent failure", "could not be delivered",
	    "wasn't able to deliver", "was not able to deliver",
	    "undeliverable", "undelivered", "delivery failure",
	    "delivery failed", "delivery has failed", "has failed",
	    "failure notice", "did not reach", "returned mail",
	    "not be delivered", NULL };
	const char *subject = msg_subject(m), *x;
	char *p;

	if (!from_daemon(m))
		return;
	if (has(subject, delayed) || has(text, delayed))
		d->kind = DSN_TRANSIENT;
	else if (has(subject, failed) || has(text, failed))
		d->kind = DSN_FAILED;
	else
		return;
	snprintf(d->action, sizeof d->action, "%s", d->kind == DSN_FAILED ?
	    "failed" : "delayed");
	snprintf(d->how, sizeof d->how, "%s", strcasestr(text, "qmail") ?
	    "qmail" : strcasestr(text, "mail delivery software") ? "exim" :
	    strcasestr(text, "Delivery Status Notification") ? "gmail" :
	    strcasestr(text, "did not reach") ? "exchange" : "text");
	if (dsn_find_status(text, d->status) && (p = strstr(text, d->status)))
		line_at(text, p, d->diagnostic, sizeof d->diagnostic);
	if (d->kind == DSN_FAILED && d->status[0] == '4' &&
	    strcasestr(text, "permanent") == NULL)
		d->kind = DSN_TRANSIENT;
	if ((x = msg_header(m, "X-Failed-Recipients")) != NULL)
		type_address(x, d->recipient);
}

/* ---- the report ------------------------------------------------------- */

/*
 * A delivery-status section GMime could not see (a report whose headers
 * run into its first boundary): its fields, from after the part's header
 * to the next boundary line, read from the raw bytes.
 */
static bool
raw_status(const char *raw, size_t len, struct dsn *d)
{
	static const char ct[] = "content-type: message/delivery-status";
	char *buf, *p, *end;

	if ((buf = strndup(raw, len < 4 * TEXT_MAX ? len : 4 * TEXT_MAX)) ==
	    NULL)
		return false;
	if ((p = strcasestr(buf, ct)) != NULL && ((end = strstr(p,
	    "\n\n")) != NULL || (end = strstr(p, "\n\r\n")) != NULL)) {
		p = end + 1;
		if ((end = strstr(p, "\n--")) != NULL)
			*end = '\0';
		rfc3464(p, strlen(p), d);
	}
	free(buf);
	return d->kind != DSN_NONE;
}

int
dsn_parse(const char *raw, size_t len, struct dsn *d, struct pd_err *err)
{
	struct msg *m = NULL;
	struct pd_err ignore;
	GMimeObject *root, *o;
	char *text = NULL;
	size_t tlen = 0;

	memset(d, 0, sizeof *d);
	/* Reports are often less than well-formed: what GMime made of it
	   will do, within the limits; leading blank lines are skipped. */
	while (len > 0 && isspace((unsigned char)*raw))
		raw++, len--;
	if (msg_parse(raw, len, false, &m, &ignore) == MSG_OVER_LIMITS ||
	    m == NULL || (root = g_mime_message_get_mime_part(m->gm)) == NULL) {
		msg_free(m);
		return 0;	/* no report */
	}
	if ((o = first_leaf(root, 0, status_part)) != NULL ||
	    (o = first_text(root, 0)) != NULL || GMIME_IS_PART(o = root))
		text = part_bytes(o, &tlen);
	if (text == NULL) {
		msg_free(m);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	if (tlen > TEXT_MAX)
		text[TEXT_MAX] = '\0';
	if (status_part(o))
		rfc3464(text, strlen(text), d);
	else if (!raw_status(raw, len, d))
		plain_text(m, text, d);
	free(text);
	msg_free(m);
	return 0;
}
