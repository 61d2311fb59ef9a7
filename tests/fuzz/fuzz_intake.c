/*
 * tests/fuzz/fuzz_intake.c: arbitrary bytes into the intake parser: MIME
 * parsing within limits, the OpenPGP structure, the body text and the
 * advisory keywords.  No gpg: what reaches gpgme is only the bytes found
 * here.  Built with libFuzzer by `make fuzz`; otherwise replay.c replays
 * the seeds (and past crashes) in tests/fuzz/intake/ under make check.
 */
#include <stdint.h>
#include <stdlib.h>

#include "policy/keywords.h"
#include "listd/msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
keywords_of(const char *text, size_t len)
{
	struct keywords kw;
	char err[256];

	kw_parse(text, len, &kw, err, sizeof err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg *m = NULL;
	struct msg_pgp p;
	struct pd_err err;
	char addr[ADDR_MAX + 1], *text;
	size_t len;
	int entity;

	keywords_of((const char *)data, size);
	for (entity = 0; entity < 2; entity++) {
		msg_parse((const char *)data, size, entity, &m, &err);
		if (m == NULL)
			continue;
		msg_address(m, "From", addr);
		(void)msg_subject(m);
		if (msg_pgp(m, &p, &err) == 0)
			msg_pgp_clear(&p);
		if (msg_text(m, entity, &text, &len, &err) == 0) {
			keywords_of(text, len);
			free(text);
		}
		msg_free(m);
		m = NULL;
	}
	return 0;
}
