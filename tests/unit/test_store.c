/* tests/unit/test_store.c: the store on a real LMDB environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "listd/store.h"
#include "tap.h"

static char dir[] = "/tmp/pdlist-store.XXXXXX";

static int
put(struct store *st, enum store_db db, const char *key, json_t *v, bool excl,
    struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	if (store_begin(st, true, &t, err) == -1)
		return -1;
	if ((rc = store_put(t, db, key, v, excl, err)) == 0)
		return store_commit(t, err);
	store_abort(t);
	return rc;
}

static json_t *
get(struct store *st, enum store_db db, const char *key)
{
	struct store_txn *t;
	struct pd_err err;
	json_t *v = NULL;

	if (store_begin(st, false, &t, &err) == 0) {
		store_get(t, db, key, &v, &err);
		store_abort(t);
	}
	return v;
}

static int
count(const char *key, json_t *value, void *arg)
{
	(void)key;
	(void)value;
	++*(int *)arg;
	return 0;
}

struct seqs {
	json_int_t	last;
	int		n;
	bool		in_order;
};

static int
check_seq(const char *key, json_t *value, void *arg)
{
	struct seqs *s = arg;
	json_int_t seq = json_integer_value(json_object_get(value, "seq"));

	(void)key;
	if (seq != s->last + 1)
		s->in_order = false;
	s->last = seq;
	s->n++;
	return 0;
}

static void
test_records(struct store *st)
{
	struct pd_err err = { 0 };
	struct store_txn *t;
	json_t *v, *rec = json_pack("{s:s}", "role", "team");
	char k1[STORE_KEY_MAX], k2[STORE_KEY_MAX], k3[STORE_KEY_MAX];
	int n = 0;

	store_member_key("l@a.org", "x@v.example", k1);
	store_member_key("l@a.org.uk", "y@v.example", k2);
	store_member_key("l@a.org", "z@v.example", k3);
	ok(put(st, STORE_MEMBERS, k1, rec, true, &err) == 0, "put a record");
	ok(put(st, STORE_MEMBERS, k1, rec, true, &err) == -1 &&
	    err.status == PD_REFUSED, "an exclusive put of an existing key is refused");
	ok(put(st, STORE_MEMBERS, k2, rec, true, &err) == 0 &&
	    put(st, STORE_MEMBERS, k3, rec, true, &err) == 0, "put two more");
	v = get(st, STORE_MEMBERS, k1);
	is_str(json_string_value(json_object_get(v, "role")), "team",
	    "get returns what was put");
	json_decref(v);
	ok(get(st, STORE_MEMBERS, "nope") == NULL, "get of a missing key is NULL");

	store_member_key("l@a.org", "", k1);
	store_begin(st, false, &t, &err);
	store_scan(t, STORE_MEMBERS, k1, count, &n, &err);
	store_abort(t);
	ok(n == 2, "a prefix scan stops at the list's boundary (got %d)", n);

	/* store_values: the admin's listings and the archive's scans */
	ok(store_values(st, STORE_MEMBERS, "l@a.org", &v, &err) == 0 &&
	    json_array_size(v) == 2, "store_values: a list's records, not "
	    "those of a list whose name it begins");
	is_str(json_string_value(json_object_get(json_array_get(v, 1),
	    "role")), "team", "store_values: the records' values");
	json_decref(v);
	ok(store_values(st, STORE_MEMBERS, NULL, &v, &err) == 0 &&
	    json_array_size(v) == 3, "store_values: every record, without a "
	    "list");
	json_decref(v);
	ok(store_values(st, STORE_MEMBERS, "none@a.org", &v, &err) == 0 &&
	    v != NULL && json_array_size(v) == 0,
	    "store_values: none, an empty array");
	json_decref(v);

	store_begin(st, true, &t, &err);
	store_put(t, STORE_LISTS, "gone@a.org", rec, true, &err);
	store_abort(t);
	ok(get(st, STORE_LISTS, "gone@a.org") == NULL, "abort discards a change");

	store_begin(st, true, &t, &err);
	ok(store_del(t, STORE_LISTS, "gone@a.org", &err) == -1 &&
	    err.status == PD_REFUSED, "deleting a missing record is refused");
	ok(store_put(t, STORE_AUDIT, "x", rec, false, &err) == -1,
	    "store_put refuses the audit log");
	ok(store_del(t, STORE_AUDIT, "x", &err) == -1 &&
	    strstr(err.text, "append-only") != NULL, "the audit log is append-only");
	store_abort(t);
	json_decref(rec);
}

/* Children append to the audit log and add records at the same time. */
static void
test_concurrent(void)
{
	enum { KIDS = 4, EACH = 50 };
	struct pd_err err = { 0 };
	struct store *st;
	struct store_txn *t;
	struct seqs s = { 0, 0, true };
	int i, j, status, kids_ok = 0, n = 0;
	pid_t pid;

	for (i = 0; i < KIDS; i++) {
		if ((pid = fork()) != 0)
			continue;
		if (store_open(dir, 64, &st, &err) == -1)
			_exit(1);
		for (j = 0; j < EACH; j++) {
			char key[64];
			json_t *e = json_pack("{s:i, s:i}", "kid", i, "n", j);

			snprintf(key, sizeof key, "kid%d-%d@x.org", i, j);
			if (store_begin(st, true, &t, &err) == -1 ||
			    store_put(t, STORE_LISTS, key, e, true, &err) == -1 ||
			    store_audit(t, e, &err) == -1 ||
			    store_commit(t, &err) == -1)
				_exit(1);
			json_decref(e);
		}
		store_close(st);
		_exit(0);
	}
	while (wait(&status) > 0)
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			kids_ok++;
	ok(kids_ok == KIDS, "%d processes wrote at once without error", KIDS);
	store_open(dir, 64, &st, &err);
	store_begin(st, false, &t, &err);
	store_scan(t, STORE_LISTS, "kid", count, &n, &err);
	store_audit_scan(t, check_seq, &s, &err);
	store_abort(t);
	store_close(st);
	ok(n == KIDS * EACH, "every record is there (%d)", n);
	ok(s.n == KIDS * EACH && s.in_order,
	    "the audit log has every entry, numbered without a gap (%d)", s.n);
}

static void
test_schema(void)
{
	struct pd_err err = { 0 };
	struct store *st;
	json_t *v = json_integer(99);

	store_open(dir, 64, &st, &err);
	put(st, STORE_META, "schema", v, false, &err);
	store_close(st);
	json_decref(v);
	ok(store_open(dir, 64, &st, &err) == -1, "a store of another schema is refused");
	like(err.text, "schema 99", "and the error names the schema");
}

static void
test_full(void)
{
	char small[] = "/tmp/pdlist-full.XXXXXX";
	struct pd_err err = { 0 };
	struct store *st;
	json_t *big;
	char *blob, key[32];
	int i, rc = 0;

	if (mkdtemp(small) == NULL || store_open(small, 1, &st, &err) == -1) {
		ok(0, "open a 1 MiB store: %s", err.text);
		return;
	}
	blob = calloc(1, 64 * 1024);
	memset(blob, 'x', 64 * 1024 - 1);
	big = json_pack("{s:s}", "x", blob);
	for (i = 0; i < 64 && rc == 0; i++) {
		snprintf(key, sizeof key, "k%d", i);
		rc = put(st, STORE_LISTS, key, big, true, &err);
	}
	ok(rc == -1 && err.status == PD_TEMPFAIL, "a full store says so");
	like(err.text, "store-map-size", "and says what to raise");
	store_close(st);
	json_decref(big);
	free(blob);
	rm_tree(small);
}

/* This process's resident pages of mapped files, in KiB; -1 unknown. */
static long
rss_file_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "RssFile: %ld", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

/*
 * store_shed(): the store's pages that reads brought into this process
 * leave its resident set, and reads after it still find every byte.
 */
static void
test_shed(struct store *st)
{
	enum { N = 48, SIZE = 256 * 1024 };
	struct store_txn *t;
	struct pd_err err;
	char key[32], *data, *back;
	size_t len;
	long before, after;
	int i, good = 0;

	if ((data = malloc(SIZE)) == NULL)
		return;
	for (i = 0; i < N; i++) {
		memset(data, 'a' + i % 26, SIZE);
		snprintf(key, sizeof key, "shed-%02d", i);
		if (store_begin(st, true, &t, &err) == 0)
			store_end(t, store_put_bytes(t, STORE_MESSAGES, key,
			    data, SIZE, false, &err), &err);
	}
	if (store_begin(st, false, &t, &err) == 0) {
		for (i = 0; i < N; i++) {
			snprintf(key, sizeof key, "shed-%02d", i);
			if (store_get_bytes(t, STORE_MESSAGES, key, &back,
			    &len, &err) == 0 && back != NULL)
				good += len == SIZE && back[SIZE - 1] == 'a' + i % 26;
			free(back);
		}
		store_abort(t);
	}
	before = rss_file_kib();
	store_shed(st);
	after = rss_file_kib();
	if (before < 0) {
		diag("no RssFile in /proc/self/status: store_shed not measured");
		ok(1, "store_shed: not measured here");
	} else
		ok(before - after >= (long)N * SIZE / 1024 / 2, "store_shed "
		    "lets the %d MiB read go from the resident set (%ld -> %ld "
		    "KiB of mapped files)", N * SIZE >> 20, before, after);
	if (store_begin(st, false, &t, &err) == 0) {
		for (i = 0; i < N; i++) {
			snprintf(key, sizeof key, "shed-%02d", i);
			if (store_get_bytes(t, STORE_MESSAGES, key, &back,
			    &len, &err) == 0 && back != NULL)
				good += len == SIZE && back[0] == 'a' + i % 26;
			free(back);
		}
		store_abort(t);
	}
	ok(good == 2 * N, "and every record reads the same before and after "
	    "(%d of %d)", good, 2 * N);
	free(data);
}

static int
count_record(const char *key, json_t *value, void *arg)
{
	(void)key;
	*(int *)arg += json_string_length(value) == 8000;
	return 0;
}

/*
 * Reads let the store's pages go on their own, every 1,024 records: a
 * walk or a run of gets over thousands of records (a post to thousands of
 * members) leaves at most the last 1,024 resident, not all of them.
 */
static void
test_read_sheds(struct store *st)
{
	enum { N = 3072 };
	struct store_txn *t;
	struct pd_err err;
	char key[32], *big, *back;
	json_t *v;
	size_t len;
	long before, after;
	int i, got = 0, scanned = 0, rc = 0;

	if ((big = malloc(8001)) == NULL)
		return;
	memset(big, 'r', 8000);
	big[8000] = '\0';
	v = json_string(big);
	if (store_begin(st, true, &t, &err) == 0) {
		for (i = 0; rc == 0 && i < N; i++) {
			snprintf(key, sizeof key, "walk\x1f%04d", i);
			rc = store_put(t, STORE_POSTS, key, v, false, &err);
			snprintf(key, sizeof key, "read-%04d", i);
			if (rc == 0)
				rc = store_put_bytes(t, STORE_MESSAGES, key, big,
				    8000, false, &err);
		}
		store_end(t, rc, &err);
	}
	json_decref(v);
	store_shed(st);
	before = rss_file_kib();
	if (store_begin(st, false, &t, &err) == 0) {
		store_scan(t, STORE_POSTS, "walk\x1f", count_record, &scanned,
		    &err);
		for (i = 0; i < N; i++) {
			snprintf(key, sizeof key, "read-%04d", i);
			if (store_get_bytes(t, STORE_MESSAGES, key, &back,
			    &len, &err) == 0 && back != NULL)
				got += len == 8000 && back[7999] == 'r';
			free(back);
		}
		after = rss_file_kib();
		store_abort(t);
	} else
		after = before;
	ok(scanned == N && got == N, "a scan and %d gets read every record "
	    "(%d, %d)", N, scanned, got);
	if (before < 0)
		ok(1, "reads shed: not measured here");
	else
		ok(after - before < 2L * N * 8 / 2, "and leave at most the last "
		    "1,024 of them resident, not the %d MiB read (%ld -> %ld KiB "
		    "of mapped files)", 2 * N * 8 >> 10, before, after);
	free(big);
}

int
main(void)
{
	struct pd_err err = { 0 };
	struct store *st;

	if (mkdtemp(dir) == NULL)
		skip_all("cannot make a temporary directory");
	ok(store_open(dir, 64, &st, &err) == 0, "open a new store: %s", err.text);
	store_close(st);
	ok(store_open(dir, 64, &st, &err) == 0, "reopen it with its schema");
	test_records(st);
	test_shed(st);
	test_read_sheds(st);
	store_close(st);
	test_concurrent();
	test_schema();
	test_full();
	rm_tree(dir);
	return done_testing();
}
