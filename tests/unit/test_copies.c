/*
 * tests/unit/test_copies.c: the copies of a list's advisories as the team's
 * report sees them (copies_collect(), report_delivered()), on a real LMDB
 * store: whatever state the ledger and the jobs give a copy is shown, and
 * only an accepted or sent copy counts as delivered.  And the order of the
 * advisories (adv_sort()) in the report and in the archive's index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/advisory_int.h"
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

/* The ids of recs in their order, "A B C". */
static const char *
ids(const json_t *recs)
{
	static char buf[200];
	const json_t *r;
	size_t i, used = 0;

	buf[0] = '\0';
	json_array_foreach(recs, i, r)
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
		    i > 0 ? " " : "", adv_str(r, "id"));
	return buf;
}

/* As the report (oldest end first) and the archive (newest published first). */
static void
test_sort(void)
{
	json_t *recs;

	recs = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, "
	    "{s:s}]",
	    "id", "XSA-3", "end", "2026-12-01T00:00:00Z",
	    "id", "XSA-2", "end", "2026-11-01T00:00:00Z",
	    "id", "XSA-10", "end", "2026-12-01T00:00:00Z",
	    "id", "XSA-1", "end", "2027-01-01T00:00:00Z",
	    "id", "XSA-0");
	ok(adv_sort(recs, "end", false) == 0, "adv_sort, oldest first");
	is_str(ids(recs), "XSA-0 XSA-2 XSA-10 XSA-3 XSA-1", "the report's "
	    "order: by end, one without first, the same end by id");
	json_decref(recs);

	recs = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
	    "id", "XSA-7", "published", "2026-11-28T10:00:00Z",
	    "id", "XSA-9", "published", "2026-11-28T10:00:01Z",
	    "id", "XSA-8", "published", "2026-11-28T10:00:00Z",
	    "id", "XSA-6", "published", "2026-11-27T10:00:00Z");
	ok(adv_sort(recs, "published", true) == 0, "adv_sort, newest first");
	is_str(ids(recs), "XSA-9 XSA-7 XSA-8 XSA-6", "the archive's order: "
	    "newest published first, the same second by id");
	json_decref(recs);

	recs = json_array();
	ok(adv_sort(recs, "end", false) == 0 && json_array_size(recs) == 0,
	    "adv_sort of nothing");
	json_decref(recs);
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
	test_sort();
	store_close(st);
	rm_tree(dir);
	return done_testing();
}
