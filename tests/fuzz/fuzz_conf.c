/*
 * tests/fuzz/fuzz_conf.c: arbitrary bytes as a configuration file, into
 * both of pdlist's libconfuse loaders: a list's policy (pol_load_text(),
 * policy/pol_load.c) and listd.conf (conf_load_text(), listd/conf.c), each
 * through common/cfread.c (comments blanked, ${VAR} and NUL refused).
 *
 * Beyond "no crash": a refusal leaves nothing loaded and says one line
 * that names the file; a policy that loads leaves its error text empty; a
 * listd.conf that loads has an absolute datadir and positive numbers.  A
 * broken promise aborts.  Built with libFuzzer by `make fuzz`; otherwise
 * replay.c replays the seeds in tests/fuzz/conf/ under make check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listd/conf.h"
#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One line of printable text about name (or the lack of memory). */
static void
check_error(const char *text, const char *name)
{
	const char *p;

	if (strcmp(text, "out of memory") == 0)
		return;
	if (strncmp(text, name, strlen(name)) != 0 ||
	    (text[strlen(name)] != ':'))
		abort();
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			abort();
}

static void
policy(const uint8_t *data, size_t size)
{
	struct policy *pol = NULL;
	char err[512] = "not set";

	if (pol_load_text("policy.conf", (const char *)data, size, &pol, err,
	    sizeof err) == 0) {
		if (pol == NULL || err[0] != '\0')
			abort();
		pol_free(pol);
		return;
	}
	if (pol != NULL)
		abort();
	check_error(err, "policy.conf");
}

static void
listd_conf(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	struct pd_err err = { .text = "not set" };

	if (conf_load_text("listd.conf", (const char *)data, size, &c,
	    &err) == 0) {
		if (c == NULL || c->datadir[0] != '/' || c->workers == 0 ||
		    c->retry_first == 0 || c->store_map_mib == 0 ||
		    c->lmtp_idle_timeout == 0 || c->lmtp_txn_timeout == 0 ||
		    c->smtp_connect_timeout == 0 || c->smtp_reply_timeout == 0 ||
		    c->smtp_message_timeout == 0 || c->gpg_timeout == 0 ||
		    c->unpack_factor == 0 || c->process_attempts == 0)
			abort();
		conf_free(c);
		return;
	}
	if (c != NULL)
		abort();
	check_error(err.text, "listd.conf");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	policy(data, size);
	listd_conf(data, size);
	return 0;
}
