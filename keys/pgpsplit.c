/*
 * keys/pgpsplit.c: see pgpsplit.h.  OpenPGP packet framing and the split
 * into one copy per member; the armor is pgparmor.c's.  No crypto here.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/pgp_int.h"
#include "keys/pgpsplit.h"

#define TAG_PKESK	1
#define TAG_SKESK	3
#define TAG_SED		9
#define TAG_MARKER	10
#define TAG_SEIPD	18
#define TAG_AEAD	20

struct pkesk {
	uint64_t	 keyid;
	size_t		 off;		/* the packet, header included */
	size_t		 len;
	char		 hex[PGP_KEYID_HEX + 1];
};

struct byid {
	uint64_t	 keyid;
	size_t		 i;		/* index into pk */
};

#define TAILS_MAX	4	/* PKESK lengths with a shared armored tail */
#define LINE_BYTES	48	/* bytes in a 64-column radix-64 line */

struct pgp_split {
	unsigned char	*msg;		/* owned copy of the input */
	size_t		 len;
	struct pkesk	*pk;		/* input order */
	size_t		 npk;
	size_t		 cap;
	struct byid	*byid;		/* the PKESKs sorted by key ID */
	int		 pk_version;
	struct pgp_data_info data;
	uint32_t	 data_crc;	/* CRC24 of the data packet from 0 */
	uint32_t	 data_xpow;	/* x^(8 * data.len) mod CRC24's poly */
	/*
	 * Bytes once: the copies' armor after their first whole lines is
	 * the same for every PKESK of one length (all of them, for keys of
	 * one algorithm), so it is made once per length, in parse.
	 */
	struct tail {
		size_t	 pk_len;	/* the PKESK's length */
		size_t	 head;		/* data bytes armored per copy */
		char	*lines;		/* the rest of the data, armored:
					   CRLF, as SMTP's DATA carries it */
		size_t	 lines_len;
	} tail[TAILS_MAX];
	size_t		 ntail;
};

/* ---- packet framing ----------------------------------------------------- */

/*
 * A new-format length at *pos: 1, 2 or 5 octets, or a partial body length.
 * Advances *pos past it.
 */
static int
new_len(const unsigned char *m, size_t len, size_t *pos, size_t *n,
    bool *partial, struct pd_err *err)
{
	size_t p = *pos;
	unsigned o1;

	if (p >= len)
		return pgp_refuse(err, p, "the input ends in a length");
	o1 = m[p];
	*partial = false;
	if (o1 < 192) {
		*n = o1;
		*pos = p + 1;
	} else if (o1 < 224) {
		if (len - p < 2)
			return pgp_refuse(err, p, "the input ends in a length");
		*n = ((size_t)(o1 - 192) << 8) + m[p + 1] + 192;
		*pos = p + 2;
	} else if (o1 == 255) {
		if (len - p < 5)
			return pgp_refuse(err, p, "the input ends in a length");
		*n = (size_t)m[p + 1] << 24 | (size_t)m[p + 2] << 16 |
		    (size_t)m[p + 3] << 8 | m[p + 4];
		*pos = p + 5;
	} else {
		*n = (size_t)1 << (o1 & 0x1f);
		*partial = true;
		*pos = p + 1;
	}
	return 0;
}

/* An old-format length: 1, 2 or 4 octets; 3 (indeterminate) is refused. */
static int
old_len(const unsigned char *m, size_t len, size_t off, size_t *pos,
    size_t *n, struct pd_err *err)
{
	static const size_t width[3] = { 1, 2, 4 };
	unsigned type = m[off] & 3;
	size_t i;

	if (type == 3)
		return pgp_refuse(err, off, "an old-format packet of "
		    "indeterminate length: its end cannot be checked");
	if (len - *pos < width[type])
		return pgp_refuse(err, *pos, "the input ends in a length");
	*n = 0;
	for (i = 0; i < width[type]; i++)
		*n = *n << 8 | m[*pos + i];
	*pos += width[type];
	return 0;
}

static bool
data_tag(int tag)
{
	return tag == 8 || tag == TAG_SED || tag == 11 || tag == TAG_SEIPD ||
	    tag == TAG_AEAD;
}

int
pgp_pkt_read(const unsigned char *m, size_t len, size_t off, struct pgp_pkt *p,
    struct pd_err *err)
{
	size_t pos = off + 1, n = 0;
	bool partial = false;

	memset(p, 0, sizeof *p);
	p->off = off;
	if ((m[off] & 0x80) == 0)
		return pgp_refuse(err, off, "not an OpenPGP packet header "
		    "(0x%02x)", m[off]);
	p->new_format = (m[off] & 0x40) != 0;
	p->tag = p->new_format ? m[off] & 0x3f : (m[off] >> 2) & 0x0f;
	if (p->new_format) {
		if (new_len(m, len, &pos, &n, &partial, err) == -1)
			return -1;
	} else if (old_len(m, len, off, &pos, &n, err) == -1)
		return -1;
	if (partial && !data_tag(p->tag))
		return pgp_refuse(err, off, "a partial body length on a packet "
		    "of tag %d", p->tag);
	p->body = pos;
	for (;;) {
		if (n > len - pos)
			return pgp_refuse(err, off, "the packet (tag %d) runs "
			    "%zu bytes past the end of the input", p->tag,
			    n - (len - pos));
		pos += n;
		p->body_len += n;
		if (!partial)
			break;
		p->partials++;
		if (new_len(m, len, &pos, &n, &partial, err) == -1)
			return -1;
	}
	p->end = pos;
	return 0;
}

/* ---- the split ---------------------------------------------------------- */

static uint64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The key ID a PKESK is addressed to; refuses wildcards and unknown forms. */
static int
pkesk_keyid(const unsigned char *m, const struct pgp_pkt *p, int *version,
    uint64_t *keyid, struct pd_err *err)
{
	const unsigned char *b = m + p->body;
	size_t n;

	if (p->body_len < 1)
		return pgp_refuse(err, p->off, "an empty PKESK");
	*version = b[0];
	if (b[0] == 3) {
		if (p->body_len < 11)
			return pgp_refuse(err, p->off, "a v3 PKESK too short "
			    "(%zu bytes)", p->body_len);
		*keyid = be64(b + 1);
	} else if (b[0] == 6) {
		n = p->body_len >= 2 ? b[1] : 0;
		if (p->body_len >= 2 && n == 0)
			return pgp_refuse(err, p->off, "a v6 PKESK for an "
			    "anonymous recipient: each member's copy must "
			    "name its key");
		if (p->body_len < n + 4)
			return pgp_refuse(err, p->off, "a v6 PKESK too short "
			    "(%zu bytes)", p->body_len);
		if (b[2] == 4 && n == 21)
			*keyid = be64(b + 3 + 12);
		else if (b[2] == 6 && n == 33)
			*keyid = be64(b + 3);
		else
			return pgp_refuse(err, p->off, "a v6 PKESK for a key "
			    "of version %u with a %zu-byte fingerprint", b[2],
			    n - 1);
	} else
		return pgp_refuse(err, p->off, "a PKESK of unknown version %u",
		    b[0]);
	if (*keyid == 0)
		return pgp_refuse(err, p->off, "a PKESK with the wildcard key "
		    "ID (hidden recipient, --throw-keyids): each member's copy "
		    "must name its key");
	return 0;
}

static int
pkesk_add(struct pgp_split *s, const unsigned char *m, const struct pgp_pkt *p,
    struct pd_err *err)
{
	struct pkesk *k;
	uint64_t keyid = 0;
	size_t cap;
	int version = 0;

	if (pkesk_keyid(m, p, &version, &keyid, err) == -1)
		return -1;
	if (s->npk > 0 && version != s->pk_version)
		return pgp_refuse(err, p->off, "a v%d PKESK after v%d ones",
		    version, s->pk_version);
	s->pk_version = version;
	if (s->npk == s->cap) {
		cap = s->cap ? s->cap * 2 : 16;
		if (cap > SIZE_MAX / sizeof *k ||
		    (k = realloc(s->pk, cap * sizeof *k)) == NULL)
			return pd_fail(err, PD_FAIL, "out of memory");
		s->pk = k;
		s->cap = cap;
	}
	k = &s->pk[s->npk++];
	k->keyid = keyid;
	k->off = p->off;
	k->len = p->end - p->off;
	snprintf(k->hex, sizeof k->hex, "%016llX", (unsigned long long)keyid);
	return 0;
}

/* The encrypted-data packet: its version, and the PKESKs' version with it. */
static int
data_check(struct pgp_split *s, const unsigned char *m, const struct pgp_pkt *p,
    struct pd_err *err)
{
	int want = 3;

	if (s->npk == 0)
		return pgp_refuse(err, p->off, "encrypted data without a "
		    "public-key encrypted session key packet (PKESK)");
	if (p->body_len == 0)
		return pgp_refuse(err, p->off, "an empty encrypted data "
		    "packet");
	s->data.version = p->tag == TAG_SED ? 0 : m[p->body];
	if (p->tag == TAG_SEIPD && s->data.version == 2)
		want = 6;
	else if (p->tag != TAG_SED && s->data.version != 1)
		return pgp_refuse(err, p->off, "encrypted data (tag %d) of "
		    "unknown version %d", p->tag, s->data.version);
	if (s->pk_version != want)
		return pgp_refuse(err, p->off, "v%d PKESKs before encrypted "
		    "data (tag %d) of version %d", s->pk_version, p->tag,
		    s->data.version);
	s->data.tag = p->tag;
	s->data.new_format = p->new_format;
	s->data.off = p->off;
	s->data.len = p->end - p->off;
	s->data.body_len = p->body_len;
	s->data.partials = p->partials;
	return 0;
}

/* What one packet does to the split; sets *done at the encrypted data. */
static int
parse_packet(struct pgp_split *s, const unsigned char *m, size_t len,
    const struct pgp_pkt *p, bool *done, struct pd_err *err)
{
	switch (p->tag) {
	case TAG_MARKER:
		if (s->npk > 0)
			return pgp_refuse(err, p->off, "a marker packet after "
			    "a PKESK");
		return 0;
	case TAG_PKESK:
		return pkesk_add(s, m, p, err);
	case TAG_SED:
	case TAG_SEIPD:
	case TAG_AEAD:
		if (data_check(s, m, p, err) == -1)
			return -1;
		if (p->end != len)
			return pgp_refuse(err, p->end, "%zu bytes after the "
			    "encrypted data", len - p->end);
		*done = true;
		return 0;
	case TAG_SKESK:
		return pgp_refuse(err, p->off, "a symmetric-key encrypted "
		    "session key (tag 3): only a message encrypted to the "
		    "members' keys alone can be split");
	default:
		return pgp_refuse(err, p->off, "an unexpected packet (tag %d) "
		    "in an encrypted message", p->tag);
	}
}

static int
by_keyid(const void *a, const void *b)
{
	const struct byid *x = a, *y = b;

	if (x->keyid != y->keyid)
		return x->keyid < y->keyid ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sorts the PKESKs by key ID for the look-ups; refuses a key ID twice. */
static int
index_keyids(struct pgp_split *s, struct pd_err *err)
{
	size_t i;

	if ((s->byid = calloc(s->npk, sizeof *s->byid)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	for (i = 0; i < s->npk; i++) {
		s->byid[i].keyid = s->pk[i].keyid;
		s->byid[i].i = i;
	}
	qsort(s->byid, s->npk, sizeof *s->byid, by_keyid);
	for (i = 1; i < s->npk; i++)
		if (s->byid[i].keyid == s->byid[i - 1].keyid)
			return pgp_refuse(err, s->pk[s->byid[i].i].off, "a "
			    "second PKESK for key ID %s",
			    s->pk[s->byid[i].i].hex);
	return 0;
}

/*
 * For each PKESK length (the first TAILS_MAX): the data after the copy's
 * first whole lines, armored once.  A copy is PKESK || data; its first
 * head = (the PKESK's length rounded up to whole lines) - that length
 * bytes of data complete those lines, and the rest starts a line.
 */
static int
make_tails(struct pgp_split *s, struct pd_err *err)
{
	struct pgp_seg sg;
	struct tail *t;
	size_t i, k, lines;

	for (i = 0; i < s->npk && s->ntail < TAILS_MAX; i++) {
		for (k = 0; k < s->ntail && s->tail[k].pk_len != s->pk[i].len;
		    k++)
			;
		if (k < s->ntail)
			continue;
		lines = (s->pk[i].len + LINE_BYTES - 1) / LINE_BYTES;
		if (lines * LINE_BYTES - s->pk[i].len >= s->data.len)
			continue;	/* no tail: armored whole per copy */
		t = &s->tail[s->ntail];
		t->pk_len = s->pk[i].len;
		t->head = lines * LINE_BYTES - s->pk[i].len;
		sg.p = s->msg + s->data.off + t->head;
		sg.len = s->data.len - t->head;
		if (pgp_b64_lines(&sg, 1, true, &t->lines, &t->lines_len,
		    err) == -1)
			return -1;
		s->ntail++;
	}
	return 0;
}

int
pgp_split_parse(const void *msg, size_t len, struct pgp_split **out,
    struct pd_err *err)
{
	const unsigned char *m = msg;
	struct pgp_split *s;
	struct pgp_pkt p;
	size_t off = 0;
	bool done = false;
	int rc = -1;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (len == 0) {
		pgp_refuse(err, 0, "empty input");
		goto out;
	}
	while (!done && off < len) {
		if (pgp_pkt_read(m, len, off, &p, err) == -1 ||
		    parse_packet(s, m, len, &p, &done, err) == -1)
			goto out;
		off = p.end;
	}
	if (!done) {
		pgp_refuse(err, len, "the input ends before the encrypted "
		    "data");
		goto out;
	}
	if (index_keyids(s, err) == -1)
		goto out;
	if ((s->msg = malloc(len)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	memcpy(s->msg, m, len);
	s->len = len;
	s->data_crc = pgp_crc24(0, s->msg + s->data.off, s->data.len);
	s->data_xpow = pgp_crc24_xpow(s->data.len);
	if (make_tails(s, err) == -1)
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	pgp_split_free(s);
	return rc;
}

void
pgp_split_free(struct pgp_split *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntail; i++)
		free(s->tail[i].lines);
	free(s->msg);
	free(s->pk);
	free(s->byid);
	free(s);
}

size_t
pgp_split_count(const struct pgp_split *s)
{
	return s->npk;
}

const char *
pgp_split_keyid(const struct pgp_split *s, size_t i)
{
	return i < s->npk ? s->pk[i].hex : NULL;
}

void
pgp_split_data_info(const struct pgp_split *s, struct pgp_data_info *info)
{
	*info = s->data;
}

/* 16 hex digits, any case, into *v. */
static bool
keyid_parse(const char *hex, uint64_t *v)
{
	size_t i;
	int c, d;

	*v = 0;
	for (i = 0; i < PGP_KEYID_HEX; i++) {
		c = (unsigned char)hex[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		*v = *v << 4 | (uint64_t)d;
	}
	return hex[i] == '\0';
}

static const struct pkesk *
pkesk_find(const struct pgp_split *s, uint64_t keyid)
{
	size_t lo = 0, hi = s->npk, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->byid[mid].keyid < keyid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->npk && s->byid[lo].keyid == keyid ?
	    &s->pk[s->byid[lo].i] : NULL;
}

bool
pgp_split_has(const struct pgp_split *s, const char *keyid)
{
	uint64_t v;

	return keyid_parse(keyid, &v) && pkesk_find(s, v) != NULL;
}

int
pgp_split_copy_parts(const struct pgp_split *s, const char *keyid,
    struct pgp_copy *out, struct pd_err *err)
{
	const struct pkesk *k;
	struct pgp_seg sg[2];
	uint64_t v;
	uint32_t crc;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!keyid_parse(keyid, &v))
		return pd_fail(err, PD_REFUSED, "'%.40s' is not a key ID: give "
		    "16 hex digits", keyid);
	if ((k = pkesk_find(s, v)) == NULL)
		return pd_fail(err, PD_REFUSED, "the message is not encrypted "
		    "to key ID %016llX", (unsigned long long)v);
	sg[0].p = s->msg + k->off;
	sg[0].len = k->len;
	sg[1].p = s->msg + s->data.off;
	sg[1].len = s->data.len;
	/* CRC24 is linear: the data's share was computed once, in parse. */
	crc = pgp_crc24(PGP_CRC24_INIT, sg[0].p, sg[0].len);
	crc = pgp_crc24_mulmod(crc, s->data_xpow) ^ s->data_crc;
	for (i = 0; i < s->ntail && s->tail[i].pk_len != k->len; i++)
		;
	if (i < s->ntail) {	/* the rest is armored already */
		sg[1].len = s->tail[i].head;
		out->tail = s->tail[i].lines;
		out->tail_len = s->tail[i].lines_len;
	}
	if (pgp_armor_open(sg, 2, "MESSAGE", &out->head, &out->head_len,
	    err) == -1)
		return -1;
	out->end_len = pgp_armor_close(crc, "MESSAGE", out->end);
	return 0;
}

_Static_assert(sizeof ((struct pgp_copy *)0)->end >= PGP_ARMOR_CLOSE_MAX,
    "room for pgp_armor_close()");

void
pgp_copy_clear(struct pgp_copy *c)
{
	free(c->head);
	memset(c, 0, sizeof *c);
}

int
pgp_split_copy(const struct pgp_split *s, const char *keyid, char **out,
    size_t *out_len, struct pd_err *err)
{
	struct pgp_copy c;
	const char *t, *end;
	char *p;

	*out = NULL;
	*out_len = 0;
	if (pgp_split_copy_parts(s, keyid, &c, err) == -1)
		return -1;
	if ((p = *out = malloc(c.head_len + c.tail_len + c.end_len + 1)) ==
	    NULL) {
		pgp_copy_clear(&c);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	memcpy(p, c.head, c.head_len);
	p += c.head_len;
	for (t = c.tail, end = t + c.tail_len; t < end; t++)
		if (*t != '\r')	/* the tail's CRLF made LF */
			*p++ = *t;
	memcpy(p, c.end, c.end_len + 1);
	*out_len = (size_t)(p - *out) + c.end_len;
	pgp_copy_clear(&c);
	return 0;
}
