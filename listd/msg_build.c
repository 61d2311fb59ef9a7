/*
 * listd/msg_build.c: see msg.h.  What a member decrypts (the payload with
 * its protected headers) and the copies that carry it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "listd/msg.h"
#include "listd/msg_int.h"
#include "listd/route.h"

/* ---- what a member decrypts -------------------------------------------- */

static void
wipe_stream(GMimeStream *mem)
{
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));

	if (ba != NULL && ba->len > 0)
		explicit_bzero(ba->data, ba->len);
}

static void
protect(GMimeObject *o, const struct msg_protected *ph)
{
	static const char *const names[] = { "Subject", "From", "To", "Date",
	    "Message-ID" };
	const char *values[] = { ph->subject, ph->from, ph->to, ph->date,
	    ph->message_id };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (values[i] != NULL && values[i][0] != '\0')
			g_mime_object_set_header(o, names[i], values[i], "utf-8");
	g_mime_object_set_content_type_parameter(o, "protected-headers", "v1");
	g_mime_object_set_content_type_parameter(o, "hp", "cipher");
}

static int
write_entity(GMimeObject *o, char **out, size_t *len, struct pd_err *err)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeFormatOptions *fo = g_mime_format_options_new();

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
	g_mime_object_write_to_stream(o, fo, mem);
	g_mime_format_options_free(fo);
	*out = mem_take(mem, len);
	wipe_stream(mem);	/* it held plaintext too */
	g_object_unref(mem);
	return *out ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}

int
msg_payload(const struct msg *m, const struct msg_protected *ph, char **out,
    size_t *len, struct pd_err *err)
{
	GMimeObject *top = g_mime_message_get_mime_part(m->gm);

	*out = NULL;
	*len = 0;
	if (top == NULL)
		return pd_fail(err, PD_REFUSED, "the message has no content");
	/* What is around a multipart's parts is signed by no one. */
	if (GMIME_IS_MULTIPART(top)) {
		g_mime_multipart_set_prologue(GMIME_MULTIPART(top), NULL);
		g_mime_multipart_set_epilogue(GMIME_MULTIPART(top), NULL);
	}
	protect(top, ph);
	return write_entity(top, out, len, err);
}

int
msg_payload_text(const struct msg *m, const char *text,
    const struct msg_protected *ph, char **out, size_t *len,
    struct pd_err *err)
{
	GMimeObject *top = g_mime_message_get_mime_part(m->gm);
	GMimeObject *leaf = top != NULL ? first_text(top, 0) : NULL;

	if (leaf == NULL || !GMIME_IS_TEXT_PART(leaf))
		return pd_fail(err, PD_REFUSED, "the message has no text part");
	g_mime_text_part_set_text(GMIME_TEXT_PART(leaf), text);
	return msg_payload(m, ph, out, len, err);
}

int
msg_text_payload(const char *text, size_t text_len,
    const struct msg_protected *ph, char **out, size_t *len,
    struct pd_err *err)
{
	GMimeTextPart *part;
	GMimeStream *mem;
	GMimeDataWrapper *w;
	int rc;

	msg_init();	/* before any GMime object: a notice may come first */
	part = g_mime_text_part_new_with_subtype("plain");
	mem = g_mime_stream_mem_new_with_buffer(text, text_len);
	w = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), w);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset",
	    "utf-8");
	/* Keep the armored text exactly: no re-encoding of its lines. */
	g_mime_part_set_content_encoding(GMIME_PART(part),
	    GMIME_CONTENT_ENCODING_8BIT);
	protect(GMIME_OBJECT(part), ph);
	rc = write_entity(GMIME_OBJECT(part), out, len, err);
	wipe_stream(mem);
	g_object_unref(w);
	g_object_unref(mem);
	g_object_unref(part);
	return rc;
}

/* ---- a member's copy ------------------------------------------------------ */

static GMimePart *
leaf(const char *type, const char *subtype, const char *text, size_t len)
{
	GMimePart *part = g_mime_part_new_with_type(type, subtype);
	GMimeStream *mem = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(mem,
	    GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_7BIT);
	g_object_unref(w);
	g_object_unref(mem);
	return part;
}

/* "<mailto:LOCAL-SUFFIX@DOMAIN>" for one of the list's own addresses. */
static void
mailto(const char *list, enum rcpt_kind kind, const char *query,
    char *out, size_t len)
{
	char a[ADDR_MAX + 1];

	if (route_address(list, kind, NULL, a) == -1)
		snprintf(a, sizeof a, "%s", list);
	snprintf(out, len, "<mailto:%s%s>", a, query);
}

/* The headers every copy carries (msg_copy, msg.h). */
static GMimeMessage *
new_copy(const struct msg_copy *c)
{
	GMimeObject *o;
	GMimeMessage *m;
	GDateTime *now;
	char v[ADDR_MAX + 40], *at;

	msg_init();
	m = g_mime_message_new(TRUE);
	o = GMIME_OBJECT(m);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, NULL, c->list);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, c->to ?
	    c->to : c->list);
	g_mime_message_set_subject(m, c->subject, "utf-8");
	g_mime_message_set_message_id(m, c->message_id);
	now = g_date_time_new_now_utc();
	g_mime_message_set_date(m, now);
	g_date_time_unref(now);
	/* RFC 2919: the list address with its '@' made a '.' */
	snprintf(v, sizeof v, "<%s>", c->list);
	if ((at = strchr(v, '@')) != NULL)
		*at = '.';
	g_mime_object_set_header(o, "List-Id", v, NULL);
	mailto(c->list, RCPT_REQUEST, "?subject=help", v, sizeof v);
	g_mime_object_set_header(o, "List-Help", v, NULL);
	mailto(c->list, RCPT_OWNER, "", v, sizeof v);
	g_mime_object_set_header(o, "List-Owner", v, NULL);
	g_mime_object_set_header(o, "List-Post", "NO", NULL);
	if (c->precedence)
		g_mime_object_set_header(o, "Precedence", "list", NULL);
	if (c->auto_submitted != NULL)
		g_mime_object_set_header(o, "Auto-Submitted",
		    c->auto_submitted, NULL);
	g_mime_object_set_header(o, "X-Loop", c->list, NULL);
	if (c->in_reply_to != NULL && c->in_reply_to[0] != '\0')
		g_mime_object_set_header(o, "In-Reply-To", c->in_reply_to, NULL);
	if (c->references != NULL && c->references[0] != '\0')
		g_mime_object_set_header(o, "References", c->references, NULL);
	return m;
}

int
msg_encrypted_copy(const struct msg_copy *c, const char *armored,
    size_t armored_len, char **out, size_t *len, struct pd_err *err)
{
	GMimeMessage *m = new_copy(c);
	GMimeMultipart *mp;
	GMimePart *version, *data;
	int rc;

	mp = g_mime_multipart_new_with_subtype("encrypted");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(mp), "protocol",
	    "application/pgp-encrypted");
	version = leaf("application", "pgp-encrypted", "Version: 1\n", 11);
	g_mime_object_set_header(GMIME_OBJECT(version), "Content-Description",
	    "PGP/MIME version identification", NULL);
	data = leaf("application", "octet-stream", armored, armored_len);
	g_mime_object_set_disposition(GMIME_OBJECT(data), "inline");
	g_mime_part_set_filename(data, "encrypted.asc");
	g_mime_multipart_add(mp, GMIME_OBJECT(version));
	g_mime_multipart_add(mp, GMIME_OBJECT(data));
	g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
	rc = write_entity(GMIME_OBJECT(m), out, len, err);
	g_object_unref(version);
	g_object_unref(data);
	g_object_unref(mp);
	g_object_unref(m);
	return rc;
}

/* ---- a public copy --------------------------------------------------------- */

static GMimeObject *
parse_entity(const char *text, size_t len)
{
	GMimeStream *mem;
	GMimeParser *parser;
	GMimeObject *o;

	msg_init();
	mem = g_mime_stream_mem_new_with_buffer(text, len);
	parser = g_mime_parser_new_with_stream(mem);
	o = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(mem);
	return o;
}

/*
 * The payload as a public copy carries it: signed, not encrypted, so its
 * protected headers say hp="clear" (RFC 9788).  The same for what is signed
 * and what is sent, so the signature holds.
 */
static GMimeObject *
public_entity(const char *payload, size_t len)
{
	GMimeObject *o = parse_entity(payload, len);

	if (o != NULL && g_mime_object_get_content_type_parameter(o, "hp"))
		g_mime_object_set_content_type_parameter(o, "hp", "clear");
	return o;
}

int
msg_canonical(const char *payload, size_t len, char **out, size_t *out_len,
    struct pd_err *err)
{
	GMimeObject *o = public_entity(payload, len);

	*out = NULL;
	if (o == NULL)
		return pd_fail(err, PD_REFUSED, "the payload is not MIME");
	*out = canonical_bytes(o, out_len);
	g_object_unref(o);
	return *out ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}

int
msg_signed_copy(const struct msg_copy *c, const char *payload, size_t len,
    const char *sig, size_t sig_len, const char *micalg, char **out,
    size_t *out_len, struct pd_err *err)
{
	GMimeObject *content = public_entity(payload, len);
	GMimeMessage *m;
	GMimeMultipart *mp;
	GMimePart *sp;
	int rc;

	if (content == NULL)
		return pd_fail(err, PD_REFUSED, "the payload is not MIME");
	m = new_copy(c);
	mp = g_mime_multipart_new_with_subtype("signed");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(mp), "protocol",
	    "application/pgp-signature");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(mp), "micalg",
	    micalg);
	sp = leaf("application", "pgp-signature", sig, sig_len);
	g_mime_part_set_filename(sp, "signature.asc");
	g_mime_multipart_add(mp, content);
	g_mime_multipart_add(mp, GMIME_OBJECT(sp));
	g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
	rc = write_entity(GMIME_OBJECT(m), out, out_len, err);
	g_object_unref(sp);
	g_object_unref(content);
	g_object_unref(mp);
	g_object_unref(m);
	return rc;
}
