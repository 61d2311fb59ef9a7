/*
 * tests/unit/test_route.c: which list, and which of its addresses, an
 * address is (listd/route.c), and which new list addresses would clash.
 */
#include <stdio.h>
#include <string.h>

#include "listd/route.h"
#include "tests/unit/tap.h"

/* The lists that exist here. */
static const char *const lists[] = {
	"sec@d.example", "a+b@d.example", "team-owner@d.example",
	"x-bounces+1@d.example", NULL
};

static int
exists(void *arg, const char *list, struct pd_err *err)
{
	size_t i;

	(void)arg;
	if (strcmp(list, "tmp@d.example") == 0)
		return pd_fail(err, PD_TEMPFAIL, "the store is busy");
	for (i = 0; lists[i] != NULL; i++)
		if (strcmp(lists[i], list) == 0)
			return 1;
	return 0;
}

/* resolves ADDRESS to LIST, KIND and TOKEN ("" for no list). */
static void
resolves(const char *address, const char *list, enum rcpt_kind kind,
    const char *token)
{
	struct pd_err err = { 0 };
	struct route r;
	int rc = route_resolve(address, exists, NULL, &r, &err);

	if (list[0] == '\0') {
		ok(rc == -1 && err.status == PD_REFUSED && strstr(err.text,
		    "no list") != NULL, "%s: no list's (%s)", address, err.text);
		return;
	}
	ok(rc == 0 && strcmp(r.list, list) == 0 && r.kind == kind &&
	    strcmp(r.token, token) == 0, "%s: %s of %s, token '%s' (got %s "
	    "of %s, '%s')", address, rcpt_kind_name(kind), list, token,
	    rcpt_kind_name(r.kind), r.list, r.token);
}

int
main(void)
{
	struct pd_err err = { 0 };
	char out[ADDR_MAX + 1];
	struct route r;
	enum rcpt_kind k;

	resolves("sec@d.example", "sec@d.example", RCPT_POST, "");
	resolves("sec-bounces@d.example", "sec@d.example", RCPT_BOUNCES, "");
	resolves("sec-bounces+ab12cd@d.example", "sec@d.example",
	    RCPT_BOUNCES, "ab12cd");
	resolves("sec-owner@d.example", "sec@d.example", RCPT_OWNER, "");
	resolves("sec-request@d.example", "sec@d.example", RCPT_REQUEST, "");
	/* other suffixes, and tokens that are not tokens, are no address */
	resolves("sec-admin@d.example", "", 0, "");
	resolves("sec-owner+x@d.example", "", 0, "");
	resolves("sec-request+x@d.example", "", 0, "");
	resolves("sec-bounces+@d.example", "", 0, "");
	resolves("sec-bounces+a.b@d.example", "", 0, "");
	resolves("sec+x@d.example", "", 0, "");
	resolves("-owner@d.example", "", 0, "");
	resolves("sec-owner@other.example", "", 0, "");
	resolves("nosuch-owner@d.example", "", 0, "");
	/* a list whose own local part ends in -owner is that list */
	resolves("team-owner@d.example", "team-owner@d.example", RCPT_POST, "");
	resolves("team-owner-owner@d.example", "team-owner@d.example",
	    RCPT_OWNER, "");
	resolves("team@d.example", "", 0, "");
	/* '+' in a list's own local part */
	resolves("a+b-bounces+z9@d.example", "a+b@d.example", RCPT_BOUNCES,
	    "z9");
	resolves("a+b-request@d.example", "a+b@d.example", RCPT_REQUEST, "");
	resolves("x-bounces+1@d.example", "x-bounces+1@d.example", RCPT_POST,
	    "");
	ok(route_resolve("tmp@d.example", exists, NULL, &r, &err) == -1 &&
	    err.status == PD_TEMPFAIL, "the store's trouble is temporary");

	route_address("sec@d.example", RCPT_BOUNCES, "ab12", out);
	is_str(out, "sec-bounces+ab12@d.example", "a VERP address");
	route_address("sec@d.example", RCPT_BOUNCES, "", out);
	is_str(out, "sec-bounces@d.example", "the plain bounce address");
	route_address("sec@d.example", RCPT_OWNER, NULL, out);
	is_str(out, "sec-owner@d.example", "the owner address");
	route_address("sec@d.example", RCPT_POST, NULL, out);
	is_str(out, "sec@d.example", "the post address");

	ok(route_clash("sec@d.example", "sec-owner@d.example") &&
	    route_clash("sec-request@d.example", "sec@d.example") &&
	    route_clash("sec@d.example", "sec-bounces+ab@d.example") &&
	    route_clash("sec@d.example", "sec@d.example"),
	    "a list's own addresses clash with it");
	ok(!route_clash("sec@d.example", "sec-admin@d.example") &&
	    !route_clash("sec@d.example", "sec-owner@e.example") &&
	    !route_clash("sec@d.example", "secret@d.example") &&
	    !route_clash("sec-owner@d.example", "sec-request@d.example"),
	    "other addresses do not");

	for (k = RCPT_POST; k < RCPT_NKINDS; k++) {
		enum rcpt_kind back;

		ok(rcpt_kind_parse(rcpt_kind_name(k), &back) == 0 && back == k,
		    "kind %s parses back", rcpt_kind_name(k));
	}
	return done_testing();
}
