/*
 * keys/pgparmor.c: see pgpsplit.h and pgp_int.h.  Radix-64 armor and its
 * CRC24 (RFC 4880 6), both ways; pgpsplit.c armors each member's copy
 * with it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/pgp_int.h"
#include "keys/pgpsplit.h"

#define CRC24_POLY	0x1864cfbU

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

int
pgp_refuse(struct pd_err *err, size_t off, const char *fmt, ...)
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

uint32_t
pgp_crc24(uint32_t crc, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		crc = ((crc << 8) ^ crc24_table[((crc >> 16) ^ p[i]) & 0xff]) &
		    0xffffff;
	return crc;
}

uint32_t
pgp_crc24_mulmod(uint32_t a, uint32_t b)
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

uint32_t
pgp_crc24_xpow(size_t n)
{
	uint32_t r = 1, base = 0x100;

	for (; n != 0; n >>= 1) {
		if (n & 1)
			r = pgp_crc24_mulmod(r, base);
		base = pgp_crc24_mulmod(base, base);
	}
	return r;
}

/* ---- armor -------------------------------------------------------------- */

struct b64w {
	char		*p;
	unsigned	 col;
	bool		 crlf;		/* lines end in CRLF, not LF */
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
		if (w->crlf)
			*w->p++ = '\r';
		*w->p++ = '\n';
		w->col = 0;
	}
}

/* Radix-64 of the segments one after the other, in 64-column lines. */
static void
b64_segs(struct b64w *w, const struct pgp_seg *sg, size_t nsg)
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
	if (w->col > 0 && w->crlf)
		*w->p++ = '\r';
	if (w->col > 0)
		*w->p++ = '\n';
}

static bool
armor_type_ok(const char *type)
{
	return strcmp(type, "MESSAGE") == 0 || strcmp(type, "SIGNATURE") == 0 ||
	    strcmp(type, "PUBLIC KEY BLOCK") == 0;
}

/* The radix-64 lines of the segments, no header; *out malloc'd. */
int
pgp_b64_lines(const struct pgp_seg *sg, size_t nsg, bool crlf, char **out,
    size_t *out_len, struct pd_err *err)
{
	struct b64w w;
	size_t i, n = 0, b64;

	for (i = 0; i < nsg; i++) {
		if (sg[i].len > SIZE_MAX / 4 - n)
			return pd_fail(err, PD_FAIL, "armor: input too large");
		n += sg[i].len;
	}
	b64 = (n / 3 + (n % 3 != 0)) * 4;	/* n < SIZE_MAX / 4 */
	if ((*out = malloc(b64 + 2 * (b64 / 64) + 3)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	w = (struct b64w){ .p = *out, .crlf = crlf };
	b64_segs(&w, sg, nsg);
	*out_len = (size_t)(w.p - *out);
	return 0;
}

int
pgp_armor_open(const struct pgp_seg *sg, size_t nsg, const char *type,
    char **out, size_t *out_len, struct pd_err *err)
{
	struct b64w w;
	size_t i, n = 0, b64, size;
	char *buf;

	*out = NULL;
	*out_len = 0;
	if (!armor_type_ok(type))
		return pd_fail(err, PD_FAIL, "armor: unknown type '%s'", type);
	for (i = 0; i < nsg; i++) {
		if (sg[i].len > SIZE_MAX / 4 - n)
			return pd_fail(err, PD_FAIL, "armor: input too large");
		n += sg[i].len;
	}
	b64 = (n / 3 + (n % 3 != 0)) * 4;	/* n < SIZE_MAX / 4 */
	size = strlen(type) + 32 + b64 + b64 / 64 + 2 + PGP_ARMOR_CLOSE_MAX;
	if ((buf = malloc(size)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	w = (struct b64w){ .p = buf + sprintf(buf, "-----BEGIN PGP %s-----\n\n",
	    type) };
	b64_segs(&w, sg, nsg);
	*out_len = (size_t)(w.p - buf);
	*w.p = '\0';
	*out = buf;
	return 0;
}

size_t
pgp_armor_close(uint32_t crc, const char *type, char buf[PGP_ARMOR_CLOSE_MAX])
{
	struct b64w w = { .p = buf + 1 };
	unsigned char c[3] = { crc >> 16, crc >> 8, crc };

	buf[0] = '=';
	b64_group(&w, c, 3);
	snprintf(w.p, PGP_ARMOR_CLOSE_MAX - 5, "\n-----END PGP %s-----\n",
	    type);
	return strlen(buf);
}

int
pgp_armor_segs(const struct pgp_seg *sg, size_t nsg, const char *type,
    uint32_t crc, char **out, size_t *out_len, struct pd_err *err)
{
	if (pgp_armor_open(sg, nsg, type, out, out_len, err) == -1)
		return -1;
	/* pgp_armor_open() left room for it */
	*out_len += pgp_armor_close(crc, type, *out + *out_len);
	return 0;
}

int
pgp_armor(const void *bin, size_t len, const char *type, char **out,
    size_t *out_len, struct pd_err *err)
{
	struct pgp_seg sg = { bin, len };

	if (len == 0)
		return pd_fail(err, PD_REFUSED, "armor: nothing to armor");
	return pgp_armor_segs(&sg, 1, type, pgp_crc24(PGP_CRC24_INIT, bin, len),
	    out, out_len, err);
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
		return pgp_refuse(err, off, "armor: 0x%02x is not a radix-64 "
		    "character", (unsigned char)c);
	if (r->done || (r->pad > 0 && c != '=') || (c == '=' && r->k < 2))
		return pgp_refuse(err, off, "armor: misplaced '=' padding");
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
		return pgp_refuse(err, l->off, "armor: a checksum line is '=' "
		    "and 4 radix-64 characters");
	for (i = 1; i < 5; i++) {
		if ((v = b64_value(l->p[i])) < 0)
			return pgp_refuse(err, l->off + i, "armor: 0x%02x is "
			    "not a radix-64 character", (unsigned char)l->p[i]);
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
		return pgp_refuse(err, l.off, "armor: not an armored message, "
		    "signature or key (%.*s)", (int)(n > 40 ? 40 : n),
		    l.p + 15);
	}
	return pgp_refuse(err, len, "armor: no '-----BEGIN PGP' line");
}

/* The END line, which must match the BEGIN line's type. */
static int
armor_end(const struct line *l, const char *end, const struct b64r *r,
    struct pd_err *err)
{
	if (l->len != strlen(end) || memcmp(l->p, end, l->len) != 0)
		return pgp_refuse(err, l->off, "armor: the END line is not "
		    "'%s'", end);
	if (r->k != 0)
		return pgp_refuse(err, l->off, "armor: the radix-64 data ends "
		    "in the middle of a group");
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
			return pgp_refuse(err, l.off, "armor: the END line "
			    "must follow the checksum");
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
	return pgp_refuse(err, len, "armor: no '%s' line", end);
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
		pgp_refuse(err, pos, "armor: no data");
		goto out;
	}
	want = pgp_crc24(PGP_CRC24_INIT, r.out, r.n);
	if (crc_off != SIZE_MAX && crc != want) {
		pgp_refuse(err, crc_off, "armor: CRC24 mismatch (%06X, "
		    "computed %06X): the text was damaged", (unsigned)crc,
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

