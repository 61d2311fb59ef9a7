/*
 * tests/unit/test_copies.c: the copies of a list's advisories as the team's
 * report sees them (copies_collect(), report_delivered()), on a real LMDB
 * store: whatever state the ledger and the jobs give a copy is shown, and
 * only an accepted or sent copy counts as delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/record.h"
#include "listd/report.h"
#include "listd/store.h"
#include "tap.h"

static char dir[] = "/tmp/pdlist-copies.XXXXXX";
#define LIST	"l@lists.example.org"

/* A ledger entry for member of revision 1 of XSA-9; state NULL: none. */
static int
ledger(struct store_txn *t, const char *member, const char *state,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "list",
	    LIST, "post", "p1", "member", member, "time",
	    "2026-11-28T10:00:00Z", "reply", "250 ok", "advisory", "XSA-9",
	    "revision", 1);
	int rc;

	if (state != NULL)
		json_object_set_new(o, "state", json_string(state));
	snprintf(key, sizeof key, "%s\x1fp1\x1f%s", LIST, member);
	rc = store_put(t, STORE_LEDGER, key, o, false, err);
	json_decref(o);
	return rc;
}

/* The state copies_collect() gives member's copy, or "(none)". */
static const char *
state_of(const json_t *copies, const char *member)
{
	const json_t *c;
	size_t i;

	json_array_foreach(copies, i, c)
		if (strcmp(json_string_value(json_object_get(c, "member")),
		    member) == 0)
			return json_string_value(json_object_get(c, "state"));
	return "(none)";
}

int
main(void)
{
	struct pd_err err = { 0 };
	struct store *st;
	struct store_txn *t;
	struct job j;
	json_t *copies = NULL;
	struct keywords kw = { .present = true, .revision = 1 };

	if (mkdtemp(dir) == NULL || store_open(dir, 16, &st, &err) == -1)
		skip_all("no store");
	snprintf(kw.advisory, sizeof kw.advisory, "XSA-9");
	ok(store_begin(st, true, &t, &err) == 0 &&
	    ledger(t, "a@x.example", NULL, &err) == 0 &&
	    ledger(t, "b@x.example", "bounced", &err) == 0 &&
	    (job_init(&j, LIST, "p1", "c@x.example", false, &kw),
	    j.state = JOB_SKIPPED, job_put(t, &j, false, &err)) == 0 &&
	    (job_init(&j, LIST, "p1", "d@x.example", false, &kw),
	    j.state = JOB_SENT, job_put(t, &j, false, &err)) == 0 &&
	    (job_init(&j, LIST, "p1", "e@x.example", false, NULL),
	    j.state = JOB_FAILED, job_put(t, &j, false, &err)) == 0 &&
	    store_commit(t, &err) == 0, "a ledger and jobs: %s", err.text);
	ok(store_begin(st, false, &t, &err) == 0 &&
	    copies_collect(t, LIST, &copies, &err) == 0, "copies_collect");
	store_abort(t);
	is_str(state_of(copies, "a@x.example"), "accepted",
	    "a ledger entry is an accepted copy");
	is_str(state_of(copies, "b@x.example"), "bounced",
	    "a later state the ledger records (a bounce) is shown as it is");
	is_str(state_of(copies, "c@x.example"), "skipped", "a skipped job");
	is_str(state_of(copies, "d@x.example"), "(none)",
	    "a sent job is the ledger's to show");
	is_str(state_of(copies, "e@x.example"), "(none)",
	    "a copy of no advisory is not in the report");
	ok(report_delivered("accepted") && report_delivered("sent") &&
	    !report_delivered("bounced") && !report_delivered("skipped") &&
	    !report_delivered("failed") && !report_delivered("deferred"),
	    "only accepted and sent copies count as delivered");
	json_decref(copies);
	store_close(st);
	rm_tree(dir);
	return done_testing();
}
