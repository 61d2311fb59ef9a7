/*
 * keys/pgp_int.h: what the packet splitter (pgpsplit.c) and the armor
 * (pgparmor.c) share.  Not for other modules: their API is pgpsplit.h.
 */
#ifndef PDLIST_PGP_INT_H
#define PDLIST_PGP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

#define PGP_CRC24_INIT	0xb704ceU

/* "OpenPGP message, offset N: why" in err, PD_REFUSED; returns -1. */
int	pgp_refuse(struct pd_err *err, size_t off, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* CRC24 (RFC 4880 6.1) of p, continuing from crc (PGP_CRC24_INIT first). */
uint32_t pgp_crc24(uint32_t crc, const unsigned char *p, size_t len);
/* a * b in GF(2)[x] modulo the CRC24 polynomial. */
uint32_t pgp_crc24_mulmod(uint32_t a, uint32_t b);
/* x^(8 * n) modulo the CRC24 polynomial: what n zero bytes do to a CRC. */
uint32_t pgp_crc24_xpow(size_t n);

/* One packet as framed in the input. */
struct pgp_pkt {
	int	 tag;
	int	 new_format;
	size_t	 off;		/* its first header byte */
	size_t	 body;		/* the first body byte */
	size_t	 end;		/* one past its last byte */
	size_t	 body_len;
	size_t	 partials;
};

/*
 * Frames the packet at off of m (len bytes): finds its end, walking
 * partial body lengths (data packets only).  PD_REFUSED with the offset.
 */
int	pgp_pkt_read(const unsigned char *m, size_t len, size_t off,
	    struct pgp_pkt *p, struct pd_err *err);

/* Bytes armored one after the other as if they were one buffer. */
struct pgp_seg {
	const unsigned char	*p;
	size_t			 len;
};

/*
 * The armored text of the nsg segments, whose CRC24 is crc (as pgp_armor(),
 * which is this with one segment).  *out is malloc'd, NUL-terminated.
 */
int	pgp_armor_segs(const struct pgp_seg *sg, size_t nsg, const char *type,
	    uint32_t crc, char **out, size_t *out_len, struct pd_err *err);
/*
 * The armor's first line, its blank line and the radix-64 lines of the
 * segments (LF line ends), without the checksum and the last line, with
 * room after them for pgp_armor_close().  *out is malloc'd,
 * NUL-terminated.
 */
int	pgp_armor_open(const struct pgp_seg *sg, size_t nsg, const char *type,
	    char **out, size_t *out_len, struct pd_err *err);
#define PGP_ARMOR_CLOSE_MAX	64
/* "=CRC24\n-----END PGP type-----\n" into buf; its length. */
size_t	pgp_armor_close(uint32_t crc, const char *type,
	    char buf[PGP_ARMOR_CLOSE_MAX]);
/*
 * The radix-64 lines of the segments (64 columns, LF or, with crlf, CRLF
 * line ends), no header.
 */
int	pgp_b64_lines(const struct pgp_seg *sg, size_t nsg, bool crlf,
	    char **out, size_t *out_len, struct pd_err *err);

#endif
