/*
 * tests/fuzz/fuzz_pgpsplit.c: arbitrary bytes into keys/pgpsplit: the
 * packet parser, every member's copy, the armor reader and writer.  Beyond
 * "no crash": every copy of a parsed message must parse again to exactly
 * one PKESK with its key ID, and armor must read back to the same bytes;
 * a broken promise aborts.  Built with libFuzzer by `make fuzz`;
 * otherwise replay.c replays the seeds in tests/fuzz/pgpsplit/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/pgpsplit.h"

#define MAX_COPIES	64	/* copies checked per input, to stay fast */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The copy for keyid holds one PKESK, for keyid, and the same data. */
static void
check_copy(const struct pgp_split *s, const char *keyid)
{
	struct pgp_data_info d, cd;
	struct pgp_split *c;
	struct pd_err err;
	char *copy;
	void *bin;
	size_t clen, blen;

	if (pgp_split_copy(s, keyid, &copy, &clen, &err) == -1)
		abort();
	if (pgp_dearmor(copy, clen, &bin, &blen, &err) == -1 ||
	    pgp_split_parse(bin, blen, &c, &err) == -1)
		abort();
	pgp_split_data_info(s, &d);
	pgp_split_data_info(c, &cd);
	if (pgp_split_count(c) != 1 || strcmp(pgp_split_keyid(c, 0), keyid) ||
	    cd.len != d.len || cd.body_len != d.body_len ||
	    cd.partials != d.partials || cd.off + cd.len != blen)
		abort();
	pgp_split_free(c);
	free(bin);
	free(copy);
}

static void
split(const void *data, size_t size)
{
	struct pgp_split *s;
	struct pd_err err;
	char *copy;
	size_t i, n, clen;

	if (pgp_split_parse(data, size, &s, &err) == -1)
		return;
	n = pgp_split_count(s);
	if (n == 0 || pgp_split_keyid(s, n) != NULL)
		abort();
	for (i = 0; i < n && i < MAX_COPIES; i++) {
		if (!pgp_split_has(s, pgp_split_keyid(s, i)))
			abort();
		check_copy(s, pgp_split_keyid(s, i));
	}
	if (pgp_split_copy(s, "0000000000000000", &copy, &clen, &err) == 0)
		abort();	/* a wildcard never parses */
	pgp_split_free(s);
}

static void
round_trip(const void *data, size_t size, const char *type)
{
	struct pd_err err;
	char *text;
	void *bin;
	size_t tlen, blen;

	if (pgp_armor(data, size, type, &text, &tlen, &err) == -1) {
		if (size > 0)
			abort();
		return;
	}
	if (strlen(text) != tlen ||
	    pgp_dearmor(text, tlen, &bin, &blen, &err) == -1 ||
	    blen != size || memcmp(bin, data, size) != 0)
		abort();
	free(bin);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_err err;
	void *bin;
	size_t blen;

	split(data, size);
	if (pgp_dearmor((const char *)data, size, &bin, &blen, &err) == 0) {
		split(bin, blen);
		round_trip(bin, blen, "SIGNATURE");
		free(bin);
	}
	round_trip(data, size, "MESSAGE");
	return 0;
}
