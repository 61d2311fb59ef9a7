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
	return msg_text_message_payload(text, text_len, NULL, 0, ph, out, len,
	    err);
}

/*
 * message (mlen bytes) as a message/rfc822 part, or NULL if unparsable;
 * the part reads *mem (the caller wipes and drops it after writing).
 */
static GMimeObject *
rfc822_part(const char *message, size_t mlen, GMimeStream **mem)
{
	GMimeParser *parser;
	GMimeMessagePart *mp = NULL;
	GMimeMessage *m;

	*mem = g_mime_stream_mem_new_with_buffer(message, mlen);
	parser = g_mime_parser_new_with_stream(*mem);
	m = g_mime_parser_construct_message(parser, NULL);
	if (m != NULL) {
		mp = g_mime_message_part_new_with_message("rfc822", m);
		g_mime_object_set_disposition(GMIME_OBJECT(mp), "inline");
		g_object_unref(m);
	}
	g_object_unref(parser);
	return GMIME_OBJECT(mp);
}

int
msg_text_message_payload(const char *text, size_t text_len,
    const char *message, size_t mlen, const struct msg_protected *ph,
    char **out, size_t *len, struct pd_err *err)
{
	GMimeMultipart *mixed = NULL;
	GMimeObject *top, *inner;
	GMimeTextPart *part;
	GMimeStream *mem, *mmem = NULL;
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
	top = GMIME_OBJECT(part);
	if (message != NULL && (inner = rfc822_part(message, mlen,
	    &mmem)) != NULL) {
		mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, top);
		g_mime_multipart_add(mixed, inner);
		g_object_unref(inner);
		top = GMIME_OBJECT(mixed);
	}
	protect(top, ph);
	rc = write_entity(top, out, len, err);
	wipe_stream(mem);
	g_object_unref(w);
	g_object_unref(mem);
	g_object_unref(part);
	if (mixed != NULL)
		g_object_unref(mixed);
	if (mmem != NULL) {
		wipe_stream(mmem);
		g_object_unref(mmem);
	}
	return rc;
}

/*
 * payload with the sender's signed OpenPGP message (armored) after it, in
 * a multipart/mixed that takes over its protected headers.
 */
int
msg_payload_add_signed(char **payload, size_t *plen, const char *armored,
    size_t alen, struct pd_err *err)
{
	static const char *const names[] = { "Subject", "From", "To", "Date",
	    "Message-ID" };
	struct msg_protected ph = { NULL, NULL, NULL, NULL, NULL };
	const char **v[] = { &ph.subject, &ph.from, &ph.to, &ph.date,
	    &ph.message_id };
	GMimeStream *mem;
	GMimeParser *parser;
	GMimeObject *e;
	GMimeMultipart *mixed;
	GMimeTextPart *sig;
	char *out;
	size_t i, len;
	int rc;

	msg_init();
	mem = g_mime_stream_mem_new_with_buffer(*payload, *plen);
	parser = g_mime_parser_new_with_stream(mem);
	e = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	if (e == NULL) {
		wipe_stream(mem);
		g_object_unref(mem);
		return pd_fail(err, PD_REFUSED, "the payload is not MIME");
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		*v[i] = g_mime_object_get_header(e, names[i]);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, e);
	sig = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(sig, armored);
	(void)alen;
	g_mime_object_set_header(GMIME_OBJECT(sig), "Content-Description",
	    "the sender's own signed message (inline OpenPGP)", NULL);
	g_mime_object_set_disposition(GMIME_OBJECT(sig), "inline");
	/* what mutt reads as traditional PGP, and verifies as it shows it */
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(sig), "x-action",
	    "pgp-signed");
	g_mime_multipart_add(mixed, GMIME_OBJECT(sig));
	protect(GMIME_OBJECT(mixed), &ph);
	rc = write_entity(GMIME_OBJECT(mixed), &out, &len, err);
	g_object_unref(sig);
	g_object_unref(mixed);
	g_object_unref(e);
	wipe_stream(mem);
	g_object_unref(mem);
	if (rc == 0) {
		explicit_bzero(*payload, *plen);
		free(*payload);
		*payload = out;
		*plen = len;
	}
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
	if (c->openpgp_fpr != NULL && c->openpgp_fpr[0] != '\0') {
		snprintf(v, sizeof v, "id=%s; preference=signencrypt",
		    c->openpgp_fpr);
		g_mime_object_set_header(o, "OpenPGP", v, NULL);
	}
	if (c->reply_to != NULL)
		g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_REPLY_TO, NULL,
		    c->reply_to);
	if (c->in_reply_to != NULL && c->in_reply_to[0] != '\0')
		g_mime_object_set_header(o, "In-Reply-To", c->in_reply_to, NULL);
	if (c->references != NULL && c->references[0] != '\0')
		g_mime_object_set_header(o, "References", c->references, NULL);
	return m;
}

/*
 * Bytes once: GMime builds the copy around this stand-in, whose place
 * the armored text takes on the wire, instead of passing through GMime's
 * streams or being copied into each copy.
 */
#define ARMOR_STAND_IN	"pdlist-armored-copy-8c1f0e27d4b9\n"

/*
 * The armor's place in the copy's text: found once, else the text is
 * not what was built (a stand-in that a header could have carried too).
 */
static int
armor_place(const char *text, size_t len, size_t *at, struct pd_err *err)
{
	size_t sl = sizeof ARMOR_STAND_IN - 1;
	const char *hit;

	if ((hit = memmem(text, len, ARMOR_STAND_IN, sl)) == NULL ||
	    memmem(hit + sl, len - (size_t)(hit - text) - sl, ARMOR_STAND_IN,
	    sl) != NULL)
		return pd_fail(err, PD_TEMPFAIL, "building a copy: the armor's "
		    "place is not found once");
	*at = (size_t)(hit - text);
	return 0;
}

int
msg_encrypted_frame(const struct msg_copy *c, char **frame, size_t *len,
    size_t *at, struct pd_err *err)
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
	data = leaf("application", "octet-stream", ARMOR_STAND_IN,
	    sizeof ARMOR_STAND_IN - 1);
	g_mime_object_set_disposition(GMIME_OBJECT(data), "inline");
	g_mime_part_set_filename(data, "encrypted.asc");
	g_mime_multipart_add(mp, GMIME_OBJECT(version));
	g_mime_multipart_add(mp, GMIME_OBJECT(data));
	g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
	rc = write_entity(GMIME_OBJECT(m), frame, len, err);
	if (rc == 0 && (rc = armor_place(*frame, *len, at, err)) == -1) {
		free(*frame);
		*frame = NULL;
	}
	if (rc == 0) {	/* the stand-in out: the armor goes there */
		memmove(*frame + *at, *frame + *at + sizeof ARMOR_STAND_IN - 1,
		    *len - *at - (sizeof ARMOR_STAND_IN - 1) + 1);
		*len -= sizeof ARMOR_STAND_IN - 1;
	}
	g_object_unref(version);
	g_object_unref(data);
	g_object_unref(mp);
	g_object_unref(m);
	return rc;
}

/* ---- one frame for a post's copies ---------------------------------------- */

/* c's headers but its Message-ID, as one string (NULLs told apart). */
static char *
frame_key(const struct msg_copy *c)
{
	const char *f[] = { c->list, c->to, c->subject, c->in_reply_to,
	    c->references, c->auto_submitted, c->openpgp_fpr, c->reply_to };
	size_t i, n = 2;
	char *k, *p;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		n += (f[i] != NULL ? strlen(f[i]) : 0) + 2;
	if ((k = p = malloc(n)) == NULL)
		return NULL;
	*p++ = c->precedence ? 'P' : '-';
	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		*p++ = f[i] != NULL ? '+' : '0';
		if (f[i] != NULL)
			p = stpcpy(p, f[i]);
		*p++ = '\n';	/* no header value has one */
	}
	*p = '\0';
	return k;
}

/* A Message-ID whose bytes GMime writes as they are (no quoting). */
static bool
plain_id(const char *id)
{
	return id[0] != '\0' && id[strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+@")] == '\0';
}

void
msg_frame_clear(struct msg_frame *f)
{
	free(f->key);
	free(f->text);
	memset(f, 0, sizeof *f);
}

bool
msg_frame_make(struct msg_frame *f, const struct msg_copy *c,
    struct pd_err *err)
{
	const char *hit;

	memset(f, 0, sizeof *f);
	if (!plain_id(c->message_id) || msg_encrypted_frame(c, &f->text,
	    &f->len, &f->at, err) == -1)
		return false;
	f->mid_len = strlen(c->message_id);
	/* once, among the headers: the place each copy writes its own */
	hit = memmem(f->text, f->at, c->message_id, f->mid_len);
	if (hit == NULL || memmem(hit + 1, f->at - (size_t)(hit + 1 - f->text),
	    c->message_id, f->mid_len) != NULL ||
	    (f->key = frame_key(c)) == NULL) {
		msg_frame_clear(f);
		return false;
	}
	f->mid_at = (size_t)(hit - f->text);
	return true;
}

bool
msg_frame_from(const struct msg_frame *f, const struct msg_copy *c,
    char **frame, size_t *len, size_t *at)
{
	char *key;
	bool same;

	if (f->key == NULL || strlen(c->message_id) != f->mid_len ||
	    !plain_id(c->message_id) || (key = frame_key(c)) == NULL)
		return false;
	same = strcmp(key, f->key) == 0;
	free(key);
	if (!same || (*frame = malloc(f->len + 1)) == NULL)
		return false;
	memcpy(*frame, f->text, f->len + 1);
	memcpy(*frame + f->mid_at, c->message_id, f->mid_len);
	*len = f->len;
	*at = f->at;
	return true;
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
