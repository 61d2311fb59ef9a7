/*
 * keys/pgpsplit.h: one encryption per post, one copy per member.
 *
 * The list signs and encrypts a post once, to every member's encryption
 * subkey together.  Each member's copy is then that message cut down to
 * the one public-key-encrypted session key packet (PKESK, tag 1) addressed
 * to the member's subkey, followed by the shared encrypted data unchanged.
 *
 * Pure OpenPGP packet framing (RFC 4880 4.2, RFC 9580 4.2) and ASCII armor
 * (RFC 4880 6): no crypto and no gpg here.  Every length read from the
 * input is checked against what is left of it; nothing recurses on input.
 *
 * Decisions:
 * - A v3 PKESK names the key by its 8-byte key ID.  A v6 PKESK (RFC 9580)
 *   names it by version and fingerprint; its key ID is what the key's
 *   version makes it (v4 key: the last 8 bytes of the fingerprint, v6 key:
 *   the first 8), which is what gpgme reports as the subkey's keyid.  An
 *   anonymous recipient (v3 key ID 0, v6 without a fingerprint) is
 *   refused: each copy must carry its member's own PKESK.
 * - The PKESKs must all be of one version, and match the encrypted data:
 *   v3 before SED (tag 9), SEIPD v1 (tag 18) or AEAD (tag 20, LibrePGP);
 *   v6 before SEIPD v2.
 * - Marker packets (tag 10) before the first PKESK are skipped and not
 *   copied.  Anything else (a symmetric session key packet, padding, a
 *   literal or compressed packet at the top) is refused.
 * - An old-format packet of indeterminate length is refused: its end can
 *   only be guessed, so a cut message would pass.  Partial body lengths
 *   (new format) are walked to find the end; the first partial length is
 *   not held to RFC 4880's 512-octet minimum.
 */
#ifndef PDLIST_PGPSPLIT_H
#define PDLIST_PGPSPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

#define PGP_KEYID_HEX	16		/* hex digits of a key ID */

struct pgp_split;	/* a parsed encrypted message: PKESKs and the rest */

/* The encrypted-data packet of a parsed message, for tests and logs. */
struct pgp_data_info {
	int	 tag;		/* 9 (SED), 18 (SEIPD) or 20 (AEAD) */
	int	 version;	/* of SEIPD and AEAD; 0 for SED */
	int	 new_format;	/* 1 for a new-format header, 0 for old */
	size_t	 off;		/* where the packet starts in the message */
	size_t	 len;		/* the packet, every length header included */
	size_t	 body_len;	/* its body, without the length headers */
	size_t	 partials;	/* partial body length headers walked */
};

/*
 * Parses a binary OpenPGP message (not armored): optional marker packets,
 * one or more PKESKs, then exactly one encrypted-data packet that ends
 * where the input ends.  Refused (PD_REFUSED, one line naming the byte
 * offset): truncated input, a length past the end, an unknown or
 * unexpected packet, trailing bytes, no PKESK, a PKESK of an unknown
 * version or with a wildcard key ID, two PKESKs for one key ID.  PD_FAIL
 * when out of memory.
 *
 * The split keeps its own copy of msg.  The caller frees *out with
 * pgp_split_free(); *out is NULL on failure.
 */
int	pgp_split_parse(const void *msg, size_t len, struct pgp_split **out,
	    struct pd_err *err);
void	pgp_split_free(struct pgp_split *);

/* The number of PKESKs, at least 1 in a parsed message. */
size_t	pgp_split_count(const struct pgp_split *);

/*
 * The i-th PKESK's key ID (input order), as 16 upper-case hex digits;
 * NULL when i is out of range.  Owned by the split.
 */
const char *pgp_split_keyid(const struct pgp_split *, size_t i);

/*
 * Whether a PKESK has keyid (16 hex digits, any case): a binary search,
 * so checking every member of a large list stays cheap.
 */
bool	pgp_split_has(const struct pgp_split *, const char *keyid);

/* Facts about the encrypted-data packet. */
void	pgp_split_data_info(const struct pgp_split *, struct pgp_data_info *);

/*
 * One member's copy: the PKESK for keyid (16 hex digits, any case)
 * followed by the encrypted-data packet, both byte for byte as parsed,
 * ASCII-armored as pgp_armor() does with type "MESSAGE".  PD_REFUSED when
 * keyid is not a key ID or no PKESK has it; PD_FAIL when out of memory.
 * *out is malloc'd and NUL-terminated (*out_len excludes the NUL); the
 * caller frees it.  The split is only read: copies may be made from
 * several threads at once.
 */
int	pgp_split_copy(const struct pgp_split *, const char *keyid, char **out,
	    size_t *out_len, struct pd_err *err);

/*
 * The same copy in three parts, for a sender that need not join them:
 * head (malloc'd: the armor's first line and the copy's own first lines,
 * LF line ends), tail (the split's, shared by every copy whose PKESK has
 * the same length, read-only, valid while the split lives: the rest of the
 * radix-64 lines with CRLF line ends, as SMTP's DATA carries them; NULL
 * when the copy has none) and end (the checksum line and the last line,
 * LF).  Free with pgp_copy_clear().
 */
struct pgp_copy {
	char		*head;
	size_t		 head_len;
	const char	*tail;
	size_t		 tail_len;
	char		 end[64];
	size_t		 end_len;
};
int	pgp_split_copy_parts(const struct pgp_split *, const char *keyid,
	    struct pgp_copy *out, struct pd_err *err);
void	pgp_copy_clear(struct pgp_copy *);

/*
 * Radix-64 armor (RFC 4880 6): "-----BEGIN PGP <type>-----", a blank line,
 * 64-column lines, "=" and the CRC24, "-----END PGP <type>-----", LF line
 * ends.  type is "MESSAGE", "SIGNATURE" or "PUBLIC KEY BLOCK"; empty
 * input is refused, as pgp_dearmor() refuses armor without data.  *out is
 * malloc'd and NUL-terminated (*out_len excludes the NUL); the caller
 * frees it.
 */
int	pgp_armor(const void *bin, size_t len, const char *type, char **out,
	    size_t *out_len, struct pd_err *err);

/*
 * The reverse: the first armored block in text (MESSAGE, SIGNATURE,
 * PUBLIC KEY BLOCK or PRIVATE KEY BLOCK; not a cleartext signature)
 * decoded into *out, malloc'd, which the caller frees.  Lines may end in
 * LF or CRLF and carry trailing blanks; armor headers are skipped; text
 * before the BEGIN line and after the END line is ignored.  The CRC24 is
 * optional but, when present, must match.  Refused (PD_REFUSED, with the
 * byte offset): no armor, a bad character or padding, a missing END line,
 * a CRC24 mismatch, no data.
 */
int	pgp_dearmor(const char *text, size_t len, void **out, size_t *out_len,
	    struct pd_err *err);

#endif
