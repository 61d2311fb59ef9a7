/*
 * tests/unit/test_handoff.c: the LMTP intake's handoff to processing
 * (listd/handoff.h): a message is taken once, by its list and id only;
 * what waited too long or does not fit is not kept, and processing then
 * unseals the stored message as before.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "listd/handoff.h"
#include "tap.h"

static const char L1[] = "xsa@lists.example.org", L2[] = "other@lists.example.org";

int
main(void)
{
	char *raw, *big;
	size_t len;
	time_t now = 1800000000;

	handoff_put(L1, "m1", "Subject: one\r\n\r\nbody\r\n", 23, now);
	ok(!handoff_take(L2, "m1", &raw, &len, now) && raw == NULL,
	    "another list's message of the same id is not handed over");
	ok(!handoff_take(L1, "m2", &raw, &len, now), "nor another id");
	ok(handoff_take(L1, "m1", &raw, &len, now) && len == 23 &&
	    memcmp(raw, "Subject: one\r\n\r\nbody\r\n", 23) == 0 &&
	    raw[len] == '\0', "the message itself, whole, NUL-terminated");
	wipe_free(raw, len);
	ok(!handoff_take(L1, "m1", &raw, &len, now),
	    "taken once: a second take unseals from the store");
	ok(handoff_bytes() == 0, "nothing held once taken");

	handoff_put(L1, "old", "x", 1, now);
	ok(!handoff_take(L1, "old", &raw, &len, now + HANDOFF_MAX_AGE + 1),
	    "a message not taken within %d s is dropped", HANDOFF_MAX_AGE);
	handoff_put(L1, "back", "x", 1, now);
	ok(!handoff_take(L1, "back", &raw, &len, now - 60),
	    "and so is one when the clock went back");
	ok(handoff_bytes() == 0, "dropped means not held");

	handoff_put(L1, "held", "x", 1, now);
	ok(handoff_drop(L1, "held") && handoff_bytes() == 0,
	    "processing drops what it did not take (a held oversize message)");
	ok(!handoff_drop(L1, "held"), "and says when there was nothing");
	handoff_put(L1, "orphan", "x", 1, now);
	handoff_sweep(now + HANDOFF_MAX_AGE);
	ok(handoff_bytes() == 1, "a sweep leaves what is not too old");
	handoff_sweep(now + HANDOFF_MAX_AGE + 1);
	ok(handoff_bytes() == 0,
	    "and drops, by time alone, what waited longer than %d s",
	    HANDOFF_MAX_AGE);

	if ((big = malloc(HANDOFF_MAX_BYTES / 2 + 1)) == NULL)
		return 1;
	memset(big, 'a', HANDOFF_MAX_BYTES / 2 + 1);
	handoff_put(L1, "b1", big, HANDOFF_MAX_BYTES / 2 + 1, now);
	handoff_put(L1, "b2", big, HANDOFF_MAX_BYTES / 2 + 1, now);
	ok(handoff_bytes() == HANDOFF_MAX_BYTES / 2 + 1,
	    "past %u bytes in all, a message is not kept", HANDOFF_MAX_BYTES);
	ok(!handoff_take(L1, "b2", &raw, &len, now), "(it is unsealed later)");
	handoff_clear();
	ok(handoff_bytes() == 0 && !handoff_take(L1, "b1", &raw, &len, now),
	    "handoff_clear drops everything (listd's stop)");
	free(big);
	return done_testing();
}
