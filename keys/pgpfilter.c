/*
 * keys/pgpfilter.c: a fetched key cut down to the member's user IDs, see
 * pgpfilter.h.  Packet framing only (pgpsplit.c's); no crypto here: gpg
 * judges the signatures of what is left when it is inspected.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys/pgp_int.h"
#include "keys/pgpfilter.h"
#include "keys/pgpsplit.h"

#define TAG_SIG		2
#define TAG_SECKEY	5
#define TAG_PUBKEY	6
#define TAG_SECSUB	7
#define TAG_TRUST	12
#define TAG_UID		13
#define TAG_PUBSUB	14
#define TAG_UAT		17

/* The address in a user ID ("Name <a@b>" or "a@b"), compared to want. */
static bool
uid_is(const unsigned char *u, size_t len, const char *want)
{
	const unsigned char *lt = NULL, *gt = NULL, *p;
	size_t wl = strlen(want);

	for (p = u; p < u + len; p++)
		if (*p == '<')
			lt = p;
		else if (*p == '>' && lt != NULL)
			gt = p;
	if (lt != NULL && gt != NULL && gt > lt)
		return (size_t)(gt - lt - 1) == wl &&
		    strncasecmp((const char *)lt + 1, want, wl) == 0;
	return len == wl && strncasecmp((const char *)u, want, wl) == 0;
}

/* Whether text (after blanks) is armor rather than binary packets. */
static bool
armored(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)text[i]))
		i++;
	return len - i >= 10 && memcmp(text + i, "-----BEGIN", 10) == 0;
}

/* Copies the packets of m to keep into out (as large as m). */
static int
filter(const unsigned char *m, size_t len, const char *address,
    unsigned char *out, size_t *out_len, size_t *uids, struct pd_err *err)
{
	struct pgp_pkt p;
	size_t off = 0, n = 0;
	bool keep = true;

	*uids = 0;
	while (off < len) {
		if (pgp_pkt_read(m, len, off, &p, err) == -1)
			return -1;
		switch (p.tag) {
		case TAG_SECKEY:
		case TAG_SECSUB:
			return pd_fail(err, PD_REFUSED, "the key holds a secret "
			    "key: only public keys are taken");
		case TAG_PUBKEY:
		case TAG_PUBSUB:
			keep = true;
			break;
		case TAG_UID:
			keep = uid_is(m + p.body, p.body_len, address);
			*uids += keep;
			break;
		case TAG_UAT:
			keep = false;	/* photos: not the list's business */
			break;
		case TAG_SIG:
		case TAG_TRUST:
			break;		/* belongs with what precedes it */
		default:
			keep = true;	/* gpg judges what it does not know */
		}
		if (keep && p.tag != TAG_TRUST) {
			memcpy(out + n, m + off, p.end - off);
			n += p.end - off;
		}
		off = p.end;
	}
	*out_len = n;
	return 0;
}

int
pgp_keep_uids(const char *in, size_t len, const char *address, char **out,
    size_t *out_len, struct pd_err *err)
{
	void *bin = NULL;
	unsigned char *kept = NULL;
	size_t blen = len, klen = 0, uids = 0;
	int rc = -1;

	*out = NULL;
	if (armored(in, len)) {
		if (pgp_dearmor(in, len, &bin, &blen, err) == -1)
			return -1;
	} else if ((bin = malloc(len + 1)) != NULL)
		memcpy(bin, in, len);
	if (bin == NULL || (kept = malloc(blen + 1)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (blen == 0) {
		pd_fail(err, PD_REFUSED, "no key in what was fetched");
		goto out;
	}
	if (filter(bin, blen, address, kept, &klen, &uids, err) == -1)
		goto out;
	if (uids == 0) {
		pd_fail(err, PD_REFUSED, "the key has no user ID with %s",
		    address);
		goto out;
	}
	rc = pgp_armor(kept, klen, "PUBLIC KEY BLOCK", out, out_len, err);
out:
	free(bin);
	free(kept);
	return rc;
}

/* ---- a keyring cut into its keys ------------------------------------------ */

/* Appends the keys of the binary packets m to kr, each armored. */
static int
split_bin(const unsigned char *m, size_t len, struct pgp_keyring *kr,
    struct pd_err *err)
{
	struct pgp_pkt p;
	size_t off = 0, start = 0;
	char **k;
	size_t *l;

	while (off <= len) {
		if (off < len && pgp_pkt_read(m, len, off, &p, err) == -1)
			return -1;
		if (off == len || p.tag == TAG_PUBKEY || p.tag == TAG_SECKEY) {
			if (off > start) {
				if (kr->n == PGP_KEYRING_MAX)
					return pd_fail(err, PD_REFUSED, "the "
					    "keyring holds more than %d keys",
					    PGP_KEYRING_MAX);
				k = realloc(kr->key, (kr->n + 1) * sizeof *k);
				l = k ? realloc(kr->len, (kr->n + 1) *
				    sizeof *l) : NULL;
				if (k != NULL)
					kr->key = k;
				if (l == NULL)
					return pd_fail(err, PD_FAIL, "out of "
					    "memory");
				kr->len = l;
				if (pgp_armor(m + start, off - start, "PUBLIC "
				    "KEY BLOCK", &kr->key[kr->n], &kr->len[kr->n],
				    err) == -1)
					return -1;
				kr->n++;
			}
			start = off;
		}
		if (off == len)
			break;
		off = p.end;
	}
	return 0;
}

int
pgp_keyring_split(const char *in, size_t len, struct pgp_keyring *out,
    struct pd_err *err)
{
	const char *b = in, *end = in + len;
	void *bin;
	size_t blen;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!armored(in, len))
		rc = split_bin((const unsigned char *)in, len, out, err);
	/* Armored: every block in turn (gpg --export -a writes one). */
	while (rc == 0 && armored(in, len) && (b = memmem(b, (size_t)(end - b),
	    "-----BEGIN PGP", 14)) != NULL) {
		if ((rc = pgp_dearmor(b, (size_t)(end - b), &bin, &blen,
		    err)) == 0) {
			rc = split_bin(bin, blen, out, err);
			free(bin);
		}
		b += 14;
		if ((b = memmem(b, (size_t)(end - b), "-----END PGP", 12)) ==
		    NULL)
			break;
	}
	if (rc == 0 && out->n == 0)
		rc = pd_fail(err, PD_REFUSED, "no key in the keyring");
	if (rc == -1)
		pgp_keyring_free(out);
	return rc;
}

void
pgp_keyring_free(struct pgp_keyring *kr)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		free(kr->key[i]);
	free(kr->key);
	free(kr->len);
	memset(kr, 0, sizeof *kr);
}
