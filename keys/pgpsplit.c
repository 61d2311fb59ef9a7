/*
 * keys/pgpsplit.c: see pgpsplit.h.  OpenPGP packet framing and radix-64
 * armor only; the crypto stays in gpg.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/pgpsplit.h"

#define TAG_PKESK	1
#define TAG_SKESK	3
#define TAG_SED		9
#define TAG_MARKER	10
#define TAG_SEIPD	18
#define TAG_AEAD	20

#define CRC24_INIT	0xb704ceU
#define CRC24_POLY	0x1864cfbU

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
};

/* One packet as framed in the input. */
struct pkt {
	int	 tag;
	int	 new_format;
	size_t	 off;		/* its first header byte */
	size_t	 body;		/* the first body byte */
	size_t	 end;		/* one past its last byte */
	size_t	 body_len;
	size_t	 partials;
};

static const uint32_t crc24_table[256] = {
	0x000000, 0x864cfb, 0x8ad50d, 0x0c99f6, 0x93e6e1, 0x15aa1a,
	0x1933ec, 0x9f7f17, 0xa18139, 0x27cdc2, 0x2b5434, 0xad18cf,
	0x3267d8, 0xb42b23, 0xb8b2d5, 0x3efe2e, 0xc54e89, 0x430272,
	0x4f9b84, 0xc9d77f, 0x56a868, 0xd0e493, 0xdc7d65, 0x5a319e,
	0x64cfb0, 0xe2834b, 0xee1abd, 0x685646, 0xf72951, 0x7165aa,
	0x7dfc5c, 0xfbb0a7, 0x0cd1e9, 0x8a9d12, 0x8604e4, 0x00481f,
	0x9f3708, 0x197bf3, 0x15e205, 0x93aefe, 0xad50d0, 0x2b1c2b,
	0x2785dd, 0xa1c926, 0x3eb631, 0xb8faca, 0xb4633c, 0x322fc7,
	0xc99f60, 0x4fd39b, 0x434a6d, 0xc50696, 0x5a7981, 0xdc357a,
	0xd0ac8c, 0x56e077, 0x681e59, 0xee52a2, 0xe2cb54, 0x6487af,
	0xfbf8b8, 0x7db443, 0x712db5, 0xf7614e, 0x19a3d2, 0x9fef29,
	0x9376df, 0x153a24, 0x8a4533, 0x0c09c8, 0x00903e, 0x86dcc5,
	0xb822eb, 0x3e6e10, 0x32f7e6, 0xb4bb1d, 0x2bc40a, 0xad88f1,
	0xa11107, 0x275dfc, 0xdced5b, 0x5aa1a0, 0x563856, 0xd074ad,
	0x4f0bba, 0xc94741, 0xc5deb7, 0x43924c, 0x7d6c62, 0xfb2099,
	0xf7b96f, 0x71f594, 0xee8a83, 0x68c678, 0x645f8e, 0xe21375,
	0x15723b, 0x933ec0, 0x9fa736, 0x19ebcd, 0x8694da, 0x00d821,
	0x0c41d7, 0x8a0d2c, 0xb4f302, 0x32bff9, 0x3e260f, 0xb86af4,
	0x2715e3, 0xa15918, 0xadc0ee, 0x2b8c15, 0xd03cb2, 0x567049,
	0x5ae9bf, 0xdca544, 0x43da53, 0xc596a8, 0xc90f5e, 0x4f43a5,
	0x71bd8b, 0xf7f170, 0xfb6886, 0x7d247d, 0xe25b6a, 0x641791,
	0x688e67, 0xeec29c, 0x3347a4, 0xb50b5f, 0xb992a9, 0x3fde52,
	0xa0a145, 0x26edbe, 0x2a7448, 0xac38b3, 0x92c69d, 0x148a66,
	0x181390, 0x9e5f6b, 0x01207c, 0x876c87, 0x8bf571, 0x0db98a,
	0xf6092d, 0x7045d6, 0x7cdc20, 0xfa90db, 0x65efcc, 0xe3a337,
	0xef3ac1, 0x69763a, 0x578814, 0xd1c4ef, 0xdd5d19, 0x5b11e2,
	0xc46ef5, 0x42220e, 0x4ebbf8, 0xc8f703, 0x3f964d, 0xb9dab6,
	0xb54340, 0x330fbb, 0xac70ac, 0x2a3c57, 0x26a5a1, 0xa0e95a,
	0x9e1774, 0x185b8f, 0x14c279, 0x928e82, 0x0df195, 0x8bbd6e,
	0x872498, 0x016863, 0xfad8c4, 0x7c943f, 0x700dc9, 0xf64132,
	0x693e25, 0xef72de, 0xe3eb28, 0x65a7d3, 0x5b59fd, 0xdd1506,
	0xd18cf0, 0x57c00b, 0xc8bf1c, 0x4ef3e7, 0x426a11, 0xc426ea,
	0x2ae476, 0xaca88d, 0xa0317b, 0x267d80, 0xb90297, 0x3f4e6c,
	0x33d79a, 0xb59b61, 0x8b654f, 0x0d29b4, 0x01b042, 0x87fcb9,
	0x1883ae, 0x9ecf55, 0x9256a3, 0x141a58, 0xefaaff, 0x69e604,
	0x657ff2, 0xe33309, 0x7c4c1e, 0xfa00e5, 0xf69913, 0x70d5e8,
	0x4e2bc6, 0xc8673d, 0xc4fecb, 0x42b230, 0xddcd27, 0x5b81dc,
	0x57182a, 0xd154d1, 0x26359f, 0xa07964, 0xace092, 0x2aac69,
	0xb5d37e, 0x339f85, 0x3f0673, 0xb94a88, 0x87b4a6, 0x01f85d,
	0x0d61ab, 0x8b2d50, 0x145247, 0x921ebc, 0x9e874a, 0x18cbb1,
	0xe37b16, 0x6537ed, 0x69ae1b, 0xefe2e0, 0x709df7, 0xf6d10c,
	0xfa48fa, 0x7c0401, 0x42fa2f, 0xc4b6d4, 0xc82f22, 0x4e63d9,
	0xd11cce, 0x575035, 0x5bc9c3, 0xdd8538,
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
refuse(struct pd_err *err, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "OpenPGP message, offset N: why", PD_REFUSED. */
static int
refuse(struct pd_err *err, size_t off, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return pd_fail(err, PD_REFUSED, "OpenPGP message, offset %zu: %s",
	    off, why);
}

/* ---- CRC24 -------------------------------------------------------------- */

static uint32_t
crc24_update(uint32_t crc, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		crc = ((crc << 8) ^ crc24_table[((crc >> 16) ^ p[i]) & 0xff]) &
		    0xffffff;
	return crc;
}

/* a * b in GF(2)[x] modulo the CRC24 polynomial. */
static uint32_t
crc24_mulmod(uint32_t a, uint32_t b)
{
	uint32_t r = 0;
	int i;

	for (i = 23; i >= 0; i--) {
		r <<= 1;
		if (r & 0x1000000)
			r ^= CRC24_POLY;
		if ((b >> i) & 1)
			r ^= a;
	}
	return r;
}

/* x^(8 * n) modulo the CRC24 polynomial: what n zero bytes do to a CRC. */
static uint32_t
crc24_xpow(size_t n)
{
	uint32_t r = 1, base = 0x100;

	for (; n != 0; n >>= 1) {
		if (n & 1)
			r = crc24_mulmod(r, base);
		base = crc24_mulmod(base, base);
	}
	return r;
}

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
		return refuse(err, p, "the input ends in a length");
	o1 = m[p];
	*partial = false;
	if (o1 < 192) {
		*n = o1;
		*pos = p + 1;
	} else if (o1 < 224) {
		if (len - p < 2)
			return refuse(err, p, "the input ends in a length");
		*n = ((size_t)(o1 - 192) << 8) + m[p + 1] + 192;
		*pos = p + 2;
	} else if (o1 == 255) {
		if (len - p < 5)
			return refuse(err, p, "the input ends in a length");
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
		return refuse(err, off, "an old-format packet of indeterminate "
		    "length: its end cannot be checked");
	if (len - *pos < width[type])
		return refuse(err, *pos, "the input ends in a length");
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

/* Frames the packet at off: finds its end, walking partial body lengths. */
static int
pkt_read(const unsigned char *m, size_t len, size_t off, struct pkt *p,
    struct pd_err *err)
{
	size_t pos = off + 1, n = 0;
	bool partial = false;

	memset(p, 0, sizeof *p);
	p->off = off;
	if ((m[off] & 0x80) == 0)
		return refuse(err, off, "not an OpenPGP packet header (0x%02x)",
		    m[off]);
	p->new_format = (m[off] & 0x40) != 0;
	p->tag = p->new_format ? m[off] & 0x3f : (m[off] >> 2) & 0x0f;
	if (p->new_format) {
		if (new_len(m, len, &pos, &n, &partial, err) == -1)
			return -1;
	} else if (old_len(m, len, off, &pos, &n, err) == -1)
		return -1;
	if (partial && !data_tag(p->tag))
		return refuse(err, off, "a partial body length on a packet of "
		    "tag %d", p->tag);
	p->body = pos;
	for (;;) {
		if (n > len - pos)
			return refuse(err, off, "the packet (tag %d) runs %zu "
			    "bytes past the end of the input", p->tag,
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
pkesk_keyid(const unsigned char *m, const struct pkt *p, int *version,
    uint64_t *keyid, struct pd_err *err)
{
	const unsigned char *b = m + p->body;
	size_t n;

	if (p->body_len < 1)
		return refuse(err, p->off, "an empty PKESK");
	*version = b[0];
	if (b[0] == 3) {
		if (p->body_len < 11)
			return refuse(err, p->off, "a v3 PKESK too short "
			    "(%zu bytes)", p->body_len);
		*keyid = be64(b + 1);
	} else if (b[0] == 6) {
		n = p->body_len >= 2 ? b[1] : 0;
		if (p->body_len >= 2 && n == 0)
			return refuse(err, p->off, "a v6 PKESK for an "
			    "anonymous recipient: each member's copy must "
			    "name its key");
		if (p->body_len < n + 4)
			return refuse(err, p->off, "a v6 PKESK too short "
			    "(%zu bytes)", p->body_len);
		if (b[2] == 4 && n == 21)
			*keyid = be64(b + 3 + 12);
		else if (b[2] == 6 && n == 33)
			*keyid = be64(b + 3);
		else
			return refuse(err, p->off, "a v6 PKESK for a key of "
			    "version %u with a %zu-byte fingerprint", b[2],
			    n - 1);
	} else
		return refuse(err, p->off, "a PKESK of unknown version %u",
		    b[0]);
	if (*keyid == 0)
		return refuse(err, p->off, "a PKESK with the wildcard key ID "
		    "(hidden recipient, --throw-keyids): each member's copy "
		    "must name its key");
	return 0;
}

static int
pkesk_add(struct pgp_split *s, const unsigned char *m, const struct pkt *p,
    struct pd_err *err)
{
	struct pkesk *k;
	uint64_t keyid = 0;
	size_t cap;
	int version = 0;

	if (pkesk_keyid(m, p, &version, &keyid, err) == -1)
		return -1;
	if (s->npk > 0 && version != s->pk_version)
		return refuse(err, p->off, "a v%d PKESK after v%d ones",
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
data_check(struct pgp_split *s, const unsigned char *m, const struct pkt *p,
    struct pd_err *err)
{
	int want = 3;

	if (s->npk == 0)
		return refuse(err, p->off, "encrypted data without a "
		    "public-key encrypted session key packet (PKESK)");
	if (p->body_len == 0)
		return refuse(err, p->off, "an empty encrypted data packet");
	s->data.version = p->tag == TAG_SED ? 0 : m[p->body];
	if (p->tag == TAG_SEIPD && s->data.version == 2)
		want = 6;
	else if (p->tag != TAG_SED && s->data.version != 1)
		return refuse(err, p->off, "encrypted data (tag %d) of unknown "
		    "version %d", p->tag, s->data.version);
	if (s->pk_version != want)
		return refuse(err, p->off, "v%d PKESKs before encrypted data "
		    "(tag %d) of version %d", s->pk_version, p->tag,
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
    const struct pkt *p, bool *done, struct pd_err *err)
{
	switch (p->tag) {
	case TAG_MARKER:
		if (s->npk > 0)
			return refuse(err, p->off, "a marker packet after a "
			    "PKESK");
		return 0;
	case TAG_PKESK:
		return pkesk_add(s, m, p, err);
	case TAG_SED:
	case TAG_SEIPD:
	case TAG_AEAD:
		if (data_check(s, m, p, err) == -1)
			return -1;
		if (p->end != len)
			return refuse(err, p->end, "%zu bytes after the "
			    "encrypted data", len - p->end);
		*done = true;
		return 0;
	case TAG_SKESK:
		return refuse(err, p->off, "a symmetric-key encrypted session "
		    "key (tag 3): only a message encrypted to the members' "
		    "keys alone can be split");
	default:
		return refuse(err, p->off, "an unexpected packet (tag %d) in "
		    "an encrypted message", p->tag);
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
			return refuse(err, s->pk[s->byid[i].i].off, "a second "
			    "PKESK for key ID %s", s->pk[s->byid[i].i].hex);
	return 0;
}

int
pgp_split_parse(const void *msg, size_t len, struct pgp_split **out,
    struct pd_err *err)
{
	const unsigned char *m = msg;
	struct pgp_split *s;
	struct pkt p;
	size_t off = 0;
	bool done = false;
	int rc = -1;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (len == 0) {
		refuse(err, 0, "empty input");
		goto out;
	}
	while (!done && off < len) {
		if (pkt_read(m, len, off, &p, err) == -1 ||
		    parse_packet(s, m, len, &p, &done, err) == -1)
			goto out;
		off = p.end;
	}
	if (!done) {
		refuse(err, len, "the input ends before the encrypted data");
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
	s->data_crc = crc24_update(0, s->msg + s->data.off, s->data.len);
	s->data_xpow = crc24_xpow(s->data.len);
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
	if (s == NULL)
		return;
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

/* ---- armor -------------------------------------------------------------- */

struct seg {
	const unsigned char	*p;
	size_t			 len;
};

struct b64w {
	char		*p;
	unsigned	 col;
};

static void
b64_group(struct b64w *w, const unsigned char *t, size_t n)
{
	uint32_t v = (uint32_t)t[0] << 16 |
	    (uint32_t)(n > 1 ? t[1] : 0) << 8 | (n > 2 ? t[2] : 0);

	w->p[0] = b64_alphabet[v >> 18];
	w->p[1] = b64_alphabet[(v >> 12) & 63];
	w->p[2] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
	w->p[3] = n > 2 ? b64_alphabet[v & 63] : '=';
	w->p += 4;
	if ((w->col += 4) == 64) {
		*w->p++ = '\n';
		w->col = 0;
	}
}

/* Radix-64 of the segments one after the other, in 64-column lines. */
static void
b64_segs(struct b64w *w, const struct seg *sg, size_t nsg)
{
	unsigned char carry[3];
	size_t i, j, nc = 0;

	for (i = 0; i < nsg; i++) {
		j = 0;
		while (nc > 0 && nc < 3 && j < sg[i].len)
			carry[nc++] = sg[i].p[j++];
		if (nc == 3) {
			b64_group(w, carry, 3);
			nc = 0;
		}
		for (; sg[i].len - j >= 3; j += 3)
			b64_group(w, sg[i].p + j, 3);
		while (j < sg[i].len)
			carry[nc++] = sg[i].p[j++];
	}
	if (nc > 0)
		b64_group(w, carry, nc);
	if (w->col > 0)
		*w->p++ = '\n';
}

static bool
armor_type_ok(const char *type)
{
	return strcmp(type, "MESSAGE") == 0 || strcmp(type, "SIGNATURE") == 0 ||
	    strcmp(type, "PUBLIC KEY BLOCK") == 0;
}

/* The armored text of the segments, whose CRC24 is crc. */
static int
armor_segs(const struct seg *sg, size_t nsg, const char *type, uint32_t crc,
    char **out, size_t *out_len, struct pd_err *err)
{
	struct b64w w;
	size_t i, n = 0, b64, size;
	unsigned char c[3];
	char *buf;

	*out = NULL;
	*out_len = 0;
	if (!armor_type_ok(type))
		return pd_fail(err, PD_FAIL, "armor: unknown type '%s'", type);
	for (i = 0; i < nsg; i++) {
		if (sg[i].len > SIZE_MAX / 2 - n)
			return pd_fail(err, PD_FAIL, "armor: input too large");
		n += sg[i].len;
	}
	b64 = (n / 3 + (n % 3 != 0)) * 4;	/* n < SIZE_MAX / 2 */
	size = 2 * (strlen(type) + 32) + b64 + b64 / 64 + 1 + 8;
	if (size < b64 || (buf = malloc(size)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	w.p = buf + sprintf(buf, "-----BEGIN PGP %s-----\n\n", type);
	w.col = 0;
	b64_segs(&w, sg, nsg);
	c[0] = crc >> 16;
	c[1] = crc >> 8;
	c[2] = crc;
	*w.p++ = '=';
	w.col = 0;
	b64_group(&w, c, 3);
	w.p += sprintf(w.p, "\n-----END PGP %s-----\n", type);
	*out_len = (size_t)(w.p - buf);
	*out = buf;
	return 0;
}

int
pgp_armor(const void *bin, size_t len, const char *type, char **out,
    size_t *out_len, struct pd_err *err)
{
	struct seg sg = { bin, len };

	if (len == 0)
		return pd_fail(err, PD_REFUSED, "armor: nothing to armor");
	return armor_segs(&sg, 1, type, crc24_update(CRC24_INIT, bin, len),
	    out, out_len, err);
}

int
pgp_split_copy(const struct pgp_split *s, const char *keyid, char **out,
    size_t *out_len, struct pd_err *err)
{
	const struct pkesk *k;
	struct seg sg[2];
	uint64_t v;
	uint32_t crc;

	*out = NULL;
	*out_len = 0;
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
	crc = crc24_update(CRC24_INIT, sg[0].p, sg[0].len);
	crc = crc24_mulmod(crc, s->data_xpow) ^ s->data_crc;
	return armor_segs(sg, 2, "MESSAGE", crc, out, out_len, err);
}

/* ---- dearmor ------------------------------------------------------------ */

struct line {
	const char	*p;
	size_t		 len;		/* trailing blanks and CR left out */
	size_t		 off;
};

struct b64r {
	unsigned char	*out;
	size_t		 n;
	uint32_t	 acc;
	int		 k;		/* characters in the current group */
	int		 pad;		/* '=' in the current group */
	bool		 done;		/* a padded group ended the data */
};

static bool
next_line(const char *t, size_t len, size_t *pos, struct line *l)
{
	const char *nl;

	if (*pos >= len)
		return false;
	l->off = *pos;
	l->p = t + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	l->len = nl != NULL ? (size_t)(nl - l->p) : len - *pos;
	*pos += l->len + (nl != NULL);
	while (l->len > 0 && (l->p[l->len - 1] == '\r' ||
	    l->p[l->len - 1] == ' ' || l->p[l->len - 1] == '\t'))
		l->len--;
	return true;
}

static bool
line_is(const struct line *l, const char *s)
{
	size_t n = strlen(s);

	return l->len >= n && memcmp(l->p, s, n) == 0;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
b64_char(struct b64r *r, int c, size_t off, struct pd_err *err)
{
	int v = c == '=' ? 0 : b64_value(c);

	if (v < 0)
		return refuse(err, off, "armor: 0x%02x is not a radix-64 "
		    "character", (unsigned char)c);
	if (r->done || (r->pad > 0 && c != '=') || (c == '=' && r->k < 2))
		return refuse(err, off, "armor: misplaced '=' padding");
	r->pad += c == '=';
	r->acc = r->acc << 6 | (uint32_t)v;
	if (++r->k < 4)
		return 0;
	r->out[r->n++] = r->acc >> 16;
	if (r->pad < 2)
		r->out[r->n++] = r->acc >> 8;
	if (r->pad < 1)
		r->out[r->n++] = r->acc;
	r->done = r->pad > 0;
	r->k = r->pad = 0;
	r->acc = 0;
	return 0;
}

/* "=XXXX": the CRC24 in radix-64. */
static int
crc_line(const struct line *l, uint32_t *crc, struct pd_err *err)
{
	size_t i;
	int v;

	*crc = 0;
	if (l->len != 5)
		return refuse(err, l->off, "armor: a checksum line is '=' and "
		    "4 radix-64 characters");
	for (i = 1; i < 5; i++) {
		if ((v = b64_value(l->p[i])) < 0)
			return refuse(err, l->off + i, "armor: 0x%02x is not a "
			    "radix-64 character", (unsigned char)l->p[i]);
		*crc = *crc << 6 | (uint32_t)v;
	}
	return 0;
}

/* The BEGIN line: its type, which must be one we can dearmor. */
static int
begin_line(const char *text, size_t len, size_t *pos, char *type,
    size_t tsize, struct pd_err *err)
{
	static const char *const types[] = { "MESSAGE", "SIGNATURE",
	    "PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK" };
	struct line l;
	size_t i, n;

	while (next_line(text, len, pos, &l)) {
		if (!line_is(&l, "-----BEGIN PGP "))
			continue;
		n = l.len - 15;
		if (n < 5 || memcmp(l.p + l.len - 5, "-----", 5) != 0)
			break;
		n -= 5;
		for (i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strlen(types[i]) == n &&
			    memcmp(l.p + 15, types[i], n) == 0) {
				snprintf(type, tsize, "%s", types[i]);
				return 0;
			}
		return refuse(err, l.off, "armor: not an armored message, "
		    "signature or key (%.*s)", (int)(n > 40 ? 40 : n),
		    l.p + 15);
	}
	return refuse(err, len, "armor: no '-----BEGIN PGP' line");
}

/* The END line, which must match the BEGIN line's type. */
static int
armor_end(const struct line *l, const char *end, const struct b64r *r,
    struct pd_err *err)
{
	if (l->len != strlen(end) || memcmp(l->p, end, l->len) != 0)
		return refuse(err, l->off, "armor: the END line is not '%s'",
		    end);
	if (r->k != 0)
		return refuse(err, l->off, "armor: the radix-64 data ends in "
		    "the middle of a group");
	return 0;
}

/* The lines after BEGIN: headers, data, the checksum, the END line. */
static int
armor_body(const char *text, size_t len, size_t pos, const char *type,
    struct b64r *r, size_t *crc_off, uint32_t *crc, struct pd_err *err)
{
	char end[64];
	struct line l;
	size_t i;
	bool data = false;

	snprintf(end, sizeof end, "-----END PGP %s-----", type);
	while (next_line(text, len, &pos, &l)) {
		if (line_is(&l, "-----"))
			return armor_end(&l, end, r, err);
		if (l.len == 0)
			continue;
		if (*crc_off != SIZE_MAX)
			return refuse(err, l.off, "armor: the END line must "
			    "follow the checksum");
		if (!data && memchr(l.p, ':', l.len) != NULL)
			continue;	/* an armor header */
		data = true;
		if (l.p[0] == '=' && r->k == 0) {
			if (crc_line(&l, crc, err) == -1)
				return -1;
			*crc_off = l.off;
			continue;
		}
		for (i = 0; i < l.len; i++)
			if (b64_char(r, l.p[i], l.off + i, err) == -1)
				return -1;
	}
	return refuse(err, len, "armor: no '%s' line", end);
}

int
pgp_dearmor(const char *text, size_t len, void **out, size_t *out_len,
    struct pd_err *err)
{
	struct b64r r = { 0 };
	char type[32];
	size_t pos = 0, crc_off = SIZE_MAX;
	uint32_t crc = 0, want;
	int rc = -1;

	*out = NULL;
	*out_len = 0;
	if (begin_line(text, len, &pos, type, sizeof type, err) == -1)
		return -1;
	if ((r.out = malloc(len / 4 * 3 + 3)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (armor_body(text, len, pos, type, &r, &crc_off, &crc, err) == -1)
		goto out;
	if (r.n == 0) {
		refuse(err, pos, "armor: no data");
		goto out;
	}
	want = crc24_update(CRC24_INIT, r.out, r.n);
	if (crc_off != SIZE_MAX && crc != want) {
		refuse(err, crc_off, "armor: CRC24 mismatch (%06X, computed "
		    "%06X): the text was damaged", (unsigned)crc,
		    (unsigned)want);
		goto out;
	}
	*out = r.out;
	*out_len = r.n;
	r.out = NULL;
	rc = 0;
out:
	free(r.out);
	return rc;
}
