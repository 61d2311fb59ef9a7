/* listd/msg.c: see msg.h. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "listd/msg.h"
#include "listd/msg_int.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

void
msg_init(void)
{
	pthread_once(&gmime_once, gmime_start);
}

/* ---- parsing and limits ----------------------------------------------- */

struct parse_state {
	char	why[160];	/* the first serious warning, or "" */
};

static const char *
warning_text(GMimeParserWarning w)
{
	switch (w) {
	case GMIME_WARN_MALFORMED_MULTIPART:
		return "a multipart without parts";
	case GMIME_WARN_TRUNCATED_MESSAGE:
		return "the message is truncated";
	case GMIME_WARN_MALFORMED_MESSAGE:
		return "the message is malformed";
	case GMIME_CRIT_INVALID_HEADER_NAME:
		return "an invalid header name";
	case GMIME_CRIT_CONFLICTING_HEADER:
		return "conflicting headers";
	case GMIME_CRIT_CONFLICTING_PARAMETER:
		return "conflicting header parameters";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		return "a multipart without boundary";
	case GMIME_CRIT_NESTING_OVERFLOW:
		return "MIME nested too deep";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		return "a part without headers or content";
	default:
		return NULL;	/* tolerated: duplicated headers, 8-bit... */
	}
}

static void
on_warning(gint64 offset, GMimeParserWarning w, const gchar *item,
    gpointer arg)
{
	struct parse_state *ps = arg;
	const char *what = warning_text(w);

	(void)offset;
	(void)item;
	if (what != NULL && ps->why[0] == '\0')
		snprintf(ps->why, sizeof ps->why, "malformed MIME: %s", what);
}

static int
check_headers(GMimeObject *o, struct pd_err *err)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	GMimeHeader *h;
	size_t total = 0, one;
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (i = 0; i < n; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		one = strlen(g_mime_header_get_name(h)) +
		    strlen(g_mime_header_get_raw_value(h) ?
		    g_mime_header_get_raw_value(h) : "");
		if (one > MSG_MAX_HEADER)
			return pd_fail(err, PD_REFUSED, "over limits: a %s "
			    "header of %zu bytes (at most %d)",
			    g_mime_header_get_name(h), one, MSG_MAX_HEADER);
		total += one;
	}
	if (total > MSG_MAX_HEADERS)
		return pd_fail(err, PD_REFUSED, "over limits: %zu bytes of "
		    "headers in one part (at most %d)", total, MSG_MAX_HEADERS);
	return 0;
}

/* Walks the tree: depth, number of parts, header sizes. */
static int
check_limits(GMimeObject *o, int depth, int *parts, struct pd_err *err)
{
	int i, n;

	if (++*parts > MSG_MAX_PARTS)
		return pd_fail(err, PD_REFUSED, "over limits: more than %d MIME "
		    "parts", MSG_MAX_PARTS);
	if (depth > MSG_MAX_DEPTH)
		return pd_fail(err, PD_REFUSED, "over limits: MIME nested more "
		    "than %d deep", MSG_MAX_DEPTH);
	if (check_headers(o, err) == -1)
		return -1;
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			if (check_limits(g_mime_multipart_get_part(
			    GMIME_MULTIPART(o), i), depth + 1, parts, err) == -1)
				return -1;
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(o));

		if (inner != NULL && check_limits(GMIME_OBJECT(inner), depth + 1,
		    parts, err) == -1)
			return -1;
	} else if (GMIME_IS_MESSAGE(o)) {
		GMimeObject *body = g_mime_message_get_mime_part(GMIME_MESSAGE(o));

		if (body != NULL)
			return check_limits(body, depth, parts, err);
	}
	return 0;
}

int
msg_parse(const char *raw, size_t len, bool entity, struct msg **out,
    struct pd_err *err)
{
	struct parse_state ps = { "" };
	GMimeParserOptions *opts;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *gm;
	struct msg *m;
	int parts = 0;

	*out = NULL;
	msg_init();
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, &ps);
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(stream);
	gm = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(opts);
	if (gm == NULL)
		return pd_fail(err, PD_REFUSED, "malformed MIME: not a message");
	if ((m = calloc(1, sizeof *m)) == NULL) {
		g_object_unref(gm);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	m->gm = gm;
	*out = m;	/* even when refused below: its headers can be shown */
	if (ps.why[0] != '\0')
		return pd_fail(err, PD_REFUSED, "%s", ps.why);
	if (g_mime_message_get_mime_part(gm) == NULL ||
	    (!entity && g_mime_object_get_header(GMIME_OBJECT(gm), "From") == NULL))
		return pd_fail(err, PD_REFUSED, "malformed MIME: %s",
		    entity ? "no content" : "no From header");
	return check_limits(GMIME_OBJECT(gm), 0, &parts, err) == -1 ?
	    MSG_OVER_LIMITS : 0;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	g_object_unref(m->gm);
	free(m);
}

/* ---- headers ---------------------------------------------------------- */

const char *
msg_header(const struct msg *m, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(m->gm), name);
}

const char *
msg_subject(const struct msg *m)
{
	const char *s = g_mime_message_get_subject(m->gm);

	return s != NULL ? s : "";
}

void
msg_address(const struct msg *m, const char *header, char out[ADDR_MAX + 1])
{
	const char *v = msg_header(m, header);
	InternetAddressList *l;
	InternetAddress *a;
	const char *addr;
	int i, n;

	out[0] = '\0';
	if (v == NULL || (l = internet_address_list_parse(NULL, v)) == NULL)
		return;
	n = internet_address_list_length(l);
	for (i = 0; i < n && out[0] == '\0'; i++) {
		a = internet_address_list_get_address(l, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		if (addr != NULL && strlen(addr) <= ADDR_MAX) {
			size_t j;

			for (j = 0; addr[j] != '\0'; j++)
				out[j] = (char)tolower((unsigned char)addr[j]);
			out[j] = '\0';
		}
	}
	g_object_unref(l);
}

/* ---- OpenPGP structure ------------------------------------------------ */

const char *
msg_form_name(enum msg_form f)
{
	static const char *const names[] = { "plain", "pgp-mime-signed",
	    "pgp-mime-encrypted", "inline-signed", "inline-encrypted" };

	return (size_t)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

void
msg_pgp_clear(struct msg_pgp *p)
{
	free(p->data);
	free(p->sig);
	memset(p, 0, sizeof *p);
}

/* Copies a stream's bytes into a malloc'd, NUL-terminated buffer. */
char *
mem_take(GMimeStream *mem, size_t *len)
{
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	char *out;

	*len = ba->len;
	if ((out = malloc(ba->len + 1)) != NULL) {
		if (ba->len > 0)	/* an empty array has no data */
			memcpy(out, ba->data, ba->len);
		out[ba->len] = '\0';
	}
	return out;
}

/* A leaf part's content with its transfer encoding undone. */
char *
part_bytes(GMimeObject *o, size_t *len)
{
	GMimeDataWrapper *w;
	GMimeStream *mem;
	char *out;

	*len = 0;
	if (!GMIME_IS_PART(o) || (w = g_mime_part_get_content(GMIME_PART(o))) == NULL)
		return calloc(1, 1);
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	out = mem_take(mem, len);
	g_object_unref(mem);
	return out;
}

/* An entity as it was sent, line ends made CRLF (RFC 3156, section 5). */
char *
canonical_bytes(GMimeObject *o, size_t *len)
{
	GMimeStream *mem, *filtered;
	GMimeFilter *crlf;
	GMimeFormatOptions *fo;
	char *out;

	mem = g_mime_stream_mem_new();
	filtered = g_mime_stream_filter_new(mem);
	crlf = g_mime_filter_unix2dos_new(FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), crlf);
	g_object_unref(crlf);
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
	g_mime_object_write_to_stream(o, fo, filtered);
	g_mime_stream_flush(filtered);
	g_mime_format_options_free(fo);
	out = mem_take(mem, len);
	g_object_unref(filtered);
	g_object_unref(mem);
	return out;
}

bool
is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

static bool
protocol_is(GMimeObject *o, const char *want)
{
	const char *p = g_mime_object_get_content_type_parameter(o, "protocol");

	return p != NULL && strcasecmp(p, want) == 0;
}

static int
rfc3156_signed(GMimeObject *o, struct msg_pgp *p, struct pd_err *err)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);
	GMimeObject *sig;

	if (g_mime_multipart_get_count(mp) != 2 ||
	    !protocol_is(o, "application/pgp-signature"))
		return pd_fail(err, PD_REFUSED, "malformed MIME: multipart/signed "
		    "needs two parts and protocol application/pgp-signature");
	sig = g_mime_multipart_get_part(mp, 1);
	if (!is_type(sig, "application", "pgp-signature"))
		return pd_fail(err, PD_REFUSED, "malformed MIME: the second part "
		    "of multipart/signed is not application/pgp-signature");
	p->form = MSG_FORM_SIGNED;
	p->data = canonical_bytes(g_mime_multipart_get_part(mp, 0), &p->len);
	p->sig = part_bytes(sig, &p->sig_len);
	return p->data && p->sig ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}

static int
rfc3156_encrypted(GMimeObject *o, struct msg_pgp *p, struct pd_err *err)
{
	GMimeMultipart *mp = GMIME_MULTIPART(o);

	if (g_mime_multipart_get_count(mp) != 2 ||
	    !protocol_is(o, "application/pgp-encrypted") ||
	    !is_type(g_mime_multipart_get_part(mp, 0), "application",
	    "pgp-encrypted"))
		return pd_fail(err, PD_REFUSED, "malformed MIME: multipart/"
		    "encrypted needs an application/pgp-encrypted version part "
		    "and the encrypted data");
	p->form = MSG_FORM_ENCRYPTED;
	p->data = part_bytes(g_mime_multipart_get_part(mp, 1), &p->len);
	return p->data ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}

GMimeObject *
first_leaf(GMimeObject *o, int depth, bool (*want)(GMimeObject *))
{
	GMimeObject *found;
	int i, n;

	if (depth > MSG_MAX_DEPTH)
		return NULL;
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			if ((found = first_leaf(g_mime_multipart_get_part(
			    GMIME_MULTIPART(o), i), depth + 1, want)) != NULL)
				return found;
		return NULL;
	}
	return want(o) ? o : NULL;
}

static bool
inline_text(GMimeObject *o)
{
	return GMIME_IS_PART(o) && is_type(o, "text", "plain") &&
	    !g_mime_part_is_attachment(GMIME_PART(o));
}

GMimeObject *
first_text(GMimeObject *o, int depth)
{
	return first_leaf(o, depth, inline_text);
}

/* Finds an armored block that starts at the beginning of a line. */
static const char *
armor_at(const char *text, const char *begin)
{
	const char *p = text;

	while ((p = strstr(p, begin)) != NULL) {
		if (p == text || p[-1] == '\n')
			return p;
		p++;
	}
	return NULL;
}

bool
msg_blank_around(const char *text, size_t len, const char *start,
    const char *end)
{
	const char *c;

	for (c = text; c < text + len; c++)
		if ((c < start || c >= end) && !isspace((unsigned char)*c))
			return false;
	return true;
}

static int
inline_pgp(GMimeObject *body, struct msg_pgp *p, struct pd_err *err)
{
	static const char *const kinds[][2] = {
		{ "-----BEGIN PGP SIGNED MESSAGE-----", "-----END PGP SIGNATURE-----" },
		{ "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----" },
	};
	GMimeObject *text = first_text(body, 0);
	const char *start, *end;
	char *bytes;
	size_t len, i;

	if (text == NULL || (bytes = part_bytes(text, &len)) == NULL)
		return 0;
	for (i = 0; i < 2; i++) {
		if ((start = armor_at(bytes, kinds[i][0])) == NULL ||
		    (end = strstr(start, kinds[i][1])) == NULL)
			continue;
		end += strlen(kinds[i][1]);
		p->form = i == 0 ? MSG_FORM_INLINE_SIGNED :
		    MSG_FORM_INLINE_ENCRYPTED;
		p->len = (size_t)(end - start);
		p->outside = !msg_blank_around(bytes, len, start, end);
		if ((p->data = strndup(start, p->len)) == NULL) {
			free(bytes);
			return pd_fail(err, PD_TEMPFAIL, "out of memory");
		}
		break;
	}
	free(bytes);
	return 0;
}

GMimeObject *
nested_signed(GMimeObject *o)
{
	GMimeObject *c;
	int i, n;

	if (!GMIME_IS_MULTIPART(o))
		return NULL;
	n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
	for (i = 0; i < n; i++) {
		c = g_mime_multipart_get_part(GMIME_MULTIPART(o), i);
		if (GMIME_IS_MULTIPART_SIGNED(c) || is_type(c, "multipart",
		    "signed"))
			return c;
	}
	return NULL;
}

int
msg_pgp(const struct msg *m, struct msg_pgp *p, struct pd_err *err)
{
	GMimeObject *body = g_mime_message_get_mime_part(m->gm), *signed_part;

	memset(p, 0, sizeof *p);
	p->form = MSG_FORM_PLAIN;
	if (GMIME_IS_MULTIPART_SIGNED(body) || is_type(body, "multipart", "signed"))
		return rfc3156_signed(body, p, err);
	if (GMIME_IS_MULTIPART_ENCRYPTED(body) ||
	    is_type(body, "multipart", "encrypted"))
		return rfc3156_encrypted(body, p, err);
	if ((signed_part = nested_signed(body)) != NULL) {
		p->nested = true;
		return rfc3156_signed(signed_part, p, err);
	}
	return inline_pgp(body, p, err);
}

int
msg_text(const struct msg *m, bool signed_content, char **out, size_t *len,
    struct pd_err *err)
{
	GMimeObject *body = g_mime_message_get_mime_part(m->gm), *text;
	char *t;

	*out = NULL;
	*len = 0;
	if (signed_content && GMIME_IS_MULTIPART(body) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(body)) > 0)
		body = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
	text = first_text(body, 0);
	t = text ? g_mime_text_part_get_text(GMIME_TEXT_PART(text)) : NULL;
	*out = strdup(t ? t : "");
	g_free(t);
	if (*out == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	*len = strlen(*out);
	return 0;
}
