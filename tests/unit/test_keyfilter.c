/*
 * tests/unit/test_keyfilter.c: WKD's hash (keyfetch_wkd_hash) against the
 * draft's example, and keys/pgpfilter on keys framed here packet by packet
 * (the packet bodies are opaque to the filter: no crypto is needed to
 * check which packets it keeps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/pgpfilter.h"
#include "keys/pgpsplit.h"
#include "listd/keyfetch.h"
#include "tap.h"

#define TAG_SIG		2
#define TAG_SECKEY	5
#define TAG_PUBKEY	6
#define TAG_UID		13
#define TAG_PUBSUB	14
#define TAG_UAT		17

struct buf {
	unsigned char	 b[4096];
	size_t		 n;
};

/* A new-format packet with a one-octet length. */
static void
pkt(struct buf *k, int tag, const char *body)
{
	size_t len = strlen(body);

	k->b[k->n++] = (unsigned char)(0xc0 | tag);
	k->b[k->n++] = (unsigned char)len;
	memcpy(k->b + k->n, body, len);
	k->n += len;
}

/* A key: primary, two user IDs (one of them a@x.example), a photo, a subkey. */
static void
key(struct buf *k, const char *tagname)
{
	char body[64];

	snprintf(body, sizeof body, "primary %s", tagname);
	pkt(k, TAG_PUBKEY, body);
	pkt(k, TAG_SIG, "direct-key sig");
	pkt(k, TAG_UID, "Alice <A@X.example>");
	pkt(k, TAG_SIG, "sig on alice");
	pkt(k, TAG_UID, "Mallory <m@y.example>");
	pkt(k, TAG_SIG, "sig on mallory");
	pkt(k, TAG_UAT, "photo");
	pkt(k, TAG_SIG, "sig on photo");
	pkt(k, TAG_PUBSUB, "subkey");
	pkt(k, TAG_SIG, "binding sig");
}

/* The tags and bodies of the packets of armored text, "tag:body|...". */
static void
walk(const char *armored, char *out, size_t len)
{
	unsigned char *bin = NULL;
	size_t blen = 0, off = 0, n = 0;
	struct pd_err err;

	out[0] = '\0';
	if (pgp_dearmor(armored, strlen(armored), (void **)&bin, &blen,
	    &err) == -1)
		return;
	while (off + 2 <= blen && n < len) {
		n += (size_t)snprintf(out + n, len - n, "%d:%.*s|",
		    bin[off] & 0x3f, bin[off + 1], (char *)bin + off + 2);
		off += 2 + bin[off + 1];
	}
	free(bin);
}

int
main(void)
{
	struct pgp_keyring kr;
	struct pd_err err = { 0 };
	struct buf k = { .n = 0 }, two = { .n = 0 }, sec = { .n = 0 };
	char hash[33], *out = NULL, w[1024];
	size_t len;

	keyfetch_wkd_hash("Joe.Doe", 7, hash);
	is_str(hash, "iy9q119eutrkn8s1mk4r39qejnbu3n5q",
	    "WKD hash of Joe.Doe: the draft's example");
	keyfetch_wkd_hash("security", 8, hash);
	ok(strlen(hash) == 32, "a WKD hash is 32 z-base-32 characters");

	key(&k, "one");
	ok(pgp_keep_uids((char *)k.b, k.n, "a@x.example", &out, &len,
	    &err) == 0, "a key with the address is kept: %s", err.text);
	walk(out, w, sizeof w);
	is_str(w, "6:primary one|2:direct-key sig|13:Alice <A@X.example>|"
	    "2:sig on alice|14:subkey|2:binding sig|",
	    "only the address's user ID and its signature, every key and "
	    "subkey with theirs; no other user ID, no photo");
	free(out);
	out = NULL;
	ok(pgp_keep_uids((char *)k.b, k.n, "nobody@x.example", &out, &len,
	    &err) == -1 && err.status == PD_REFUSED && strstr(err.text,
	    "no user ID with nobody@x.example") != NULL,
	    "no user ID with the address: refused, saying so");
	pkt(&sec, TAG_SECKEY, "secret");
	pkt(&sec, TAG_UID, "a@x.example");
	ok(pgp_keep_uids((char *)sec.b, sec.n, "a@x.example", &out, &len,
	    &err) == -1 && strstr(err.text, "secret key") != NULL,
	    "a secret key is refused");
	ok(pgp_keep_uids("\xc0", 1, "a@x.example", &out, &len, &err) == -1 &&
	    err.status == PD_REFUSED, "broken framing is refused");

	key(&two, "one");
	key(&two, "two");
	ok(pgp_keyring_split((char *)two.b, two.n, &kr, &err) == 0 &&
	    kr.n == 2, "a keyring of two keys is cut in two");
	walk(kr.n == 2 ? kr.key[1] : "", w, sizeof w);
	ok(strncmp(w, "6:primary two|", 14) == 0, "the second begins at its "
	    "primary key");
	pgp_keyring_free(&kr);
	ok(pgp_armor(two.b, two.n, "PUBLIC KEY BLOCK", &out, &len, &err) == 0,
	    "armored");
	ok(pgp_keyring_split(out, len, &kr, &err) == 0 && kr.n == 2,
	    "an armored keyring too");
	pgp_keyring_free(&kr);
	free(out);
	return done_testing();
}
