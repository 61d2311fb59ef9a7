/*
 * tests/unit/test_verp.c: finding the copy a VERP token names (verp.h), on
 * a real LMDB store with many posts and copies: every copy sampled is
 * found, exactly; a forged token, another list's, a token of a copy never
 * sent and one whose member part two members share name none; and a
 * member's copies (member_copies()) are its own, post by post, a copy the
 * relay refused among them.  VERP_POSTS and VERP_MEMBERS make the store
 * larger (defaults 40 and 50).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "listd/list.h"
#include "listd/record.h"
#include "listd/store.h"
#include "listd/verp.h"
#include "tap.h"

#define LIST	"sec@lists.example.org"
#define OTHER	"other@lists.example.org"

static char dir[] = "/tmp/pdlist-verp.XXXXXX";
static struct store *st;
static struct list_paths lp, other;

static void
post_id(int i, char id[POST_ID_MAX])
{
	snprintf(id, POST_ID_MAX, "20261128T1200%02dZ-%08x", i % 60, i);
}

static void
member(int i, char m[ADDR_MAX + 1])
{
	snprintf(m, ADDR_MAX + 1, "security@v%d.example", i);
}

/* Post id of list, with a copy in the ledger to each of members. */
static int
sent(const char *list, const char *id, char (*members)[ADDR_MAX + 1],
    size_t n, struct pd_err *err)
{
	struct store_txn *t;
	struct post p;
	struct job j;
	size_t i;
	int rc;

	post_init(&p, POST_RELEASE, POST_DONE);
	if (rec_set(&p.id, id) == -1 || rec_set(&p.list, list) == -1 ||
	    store_begin(st, true, &t, err) == -1) {
		post_clear(&p);
		return -1;
	}
	rc = post_put(t, &p, false, err);
	for (i = 0; rc == 0 && i < n; i++) {
		job_init(&j, list, id, members[i], false, NULL);
		/* post ids made here end in a number after 18 characters;
		   others ("twins") name their advisory whole */
		snprintf(j.advisory, sizeof j.advisory, "XSA-%s",
		    strlen(id) > 18 ? id + 18 : id);
		j.revision = 1;
		rc = ledger_put(t, &j, "250 2.0.0 Ok: queued as X", err);
	}
	post_clear(&p);
	return store_end(t, rc, err);
}

/* The copy token names on list: VERP_ONE with its post and member. */
static enum verp_match
find(const char *list, const char *token, struct ledger_entry *e)
{
	struct pd_err err = { 0 };
	struct store_txn *t;
	enum verp_match m = VERP_NONE;

	memset(e, 0, sizeof *e);
	if (store_begin(st, false, &t, &err) == -1 ||
	    verp_find(t, list, token, e, &m, &err) == -1)
		diag("verp_find: %s", err.text);
	store_abort(t);
	return m;
}

static char *
token(const struct list_paths *p, const char *list, const char *post,
    const char *m)
{
	static char tok[VERP_TOKEN_LEN + 1];
	struct pd_err err = { 0 };

	if (verp_token(p, list, post, m, tok, &err) == -1)
		diag("verp_token: %s", err.text);
	return tok;
}

static int
check(const struct list_paths *p, const char *list, const char *tok)
{
	struct pd_err err = { 0 };

	return verp_check(p, list, tok, &err);
}

/* The members of a large list, and every sampled copy found. */
static void
many(int np, int nm)
{
	char (*ms)[ADDR_MAX + 1] = calloc((size_t)nm, sizeof *ms);
	char id[POST_ID_MAX], tok[VERP_TOKEN_LEN + 1];
	struct pd_err err = { 0 };
	struct ledger_entry e;
	int i, k, right = 0, tries = 0, rc = 0;

	for (k = 0; k < nm; k++)
		member(k, ms[k]);
	for (i = 0; rc == 0 && i < np; i++) {
		post_id(i, id);
		rc = sent(LIST, id, ms, (size_t)nm, &err);
	}
	ok(rc == 0, "%d posts with %d copies each in the ledger", np, nm);
	for (i = 0; i < np; i += np / 7 + 1)
		for (k = 0; k < nm; k += nm / 5 + 1) {
			post_id(i, id);
			snprintf(tok, sizeof tok, "%s", token(&lp, LIST, id,
			    ms[k]));
			tries++;
			right += check(&lp, LIST, tok) == 1 && find(LIST, tok,
			    &e) == VERP_ONE && strcmp(e.post, id) == 0 &&
			    strcmp(e.member, ms[k]) == 0;
		}
	ok(right == tries, "each of %d tokens finds its own copy (%d did)",
	    tries, right);
	post_id(np - 1, id);
	snprintf(tok, sizeof tok, "%s", token(&lp, LIST, id, ms[nm - 1]));
	ok(find(LIST, tok, &e) == VERP_ONE && e.revision == 1 &&
	    strcmp(e.advisory, "XSA-") > 0 && !e.bounced,
	    "with the copy's record: advisory, revision, not bounced");

	tok[VERP_TOKEN_LEN - 1] = tok[VERP_TOKEN_LEN - 1] == 'a' ? 'b' : 'a';
	ok(check(&lp, LIST, tok) == 0, "a token with a forged proof does not "
	    "verify");
	snprintf(tok, sizeof tok, "%s", token(&other, OTHER, id, ms[0]));
	ok(check(&lp, LIST, tok) == 0, "nor another list's");
	ok(check(&lp, LIST, "short") == 0, "nor one of the wrong length");
	ok(find(OTHER, tok, &e) == VERP_NONE,
	    "another list's token names none of its copies on that list");
	snprintf(tok, sizeof tok, "%s", token(&lp, LIST, id,
	    "nobody@v.example"));
	ok(check(&lp, LIST, tok) == 1 && find(LIST, tok, &e) == VERP_NONE,
	    "the list's token of a copy never sent names none");
	post_id(np + 1, id);
	snprintf(tok, sizeof tok, "%s", token(&lp, LIST, id, ms[0]));
	ok(find(LIST, tok, &e) == VERP_NONE, "nor that of a post not sent");
	free(ms);
}

/*
 * Two members of one post whose member parts agree (found by trying, as
 * the parts need no secret): a token of either names more than one copy,
 * and neither is taken.
 */
static void
ambiguous(void)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	char ms[2][ADDR_MAX + 1], part[VERP_TOKEN_LEN + 1], *tok;
	struct pd_err err = { 0 };
	struct ledger_entry e;
	const char *twin = NULL;
	int i;

	for (i = 0; twin == NULL && i < 400000; i++) {
		snprintf(ms[1], sizeof ms[1], "m%d@twins.example", i);
		tok = token(&lp, LIST, "twins", ms[1]);
		snprintf(part, sizeof part, "%.*s", VERP_ID_LEN, tok);
		if ((twin = g_hash_table_lookup(seen, part)) == NULL)
			g_hash_table_insert(seen, g_strdup(part),
			    g_strdup(ms[1]));
	}
	if (!ok(twin != NULL, "two members of a post whose parts agree")) {
		g_hash_table_destroy(seen);
		return;
	}
	snprintf(ms[0], sizeof ms[0], "%s", twin);
	g_hash_table_destroy(seen);
	ok(sent(LIST, "twins", ms, 2, &err) == 0, "both sent a copy");
	tok = token(&lp, LIST, "twins", ms[0]);
	ok(check(&lp, LIST, tok) == 1 && find(LIST, tok, &e) == VERP_MANY,
	    "their token names more than one copy: none is taken");
}

/* Job j, and member's copies as member_copies() gives them, into *ls. */
static int
refuse(struct job *j, long long when, struct ledger_set *ls)
{
	struct pd_err err = { 0 };
	struct store_txn *t;

	j->state = JOB_FAILED;
	j->refused_us = when;
	if (store_begin(st, true, &t, &err) == -1 ||
	    store_end(t, job_put(t, j, false, &err), &err) == -1 ||
	    store_begin(st, false, &t, &err) == -1)
		return ok(0, "a store: %s", err.text) ? 0 : -1;
	if (member_copies(t, LIST, j->member, ls, &err) == -1) {
		store_abort(t);
		return ok(0, "member_copies: %s", err.text) ? 0 : -1;
	}
	store_abort(t);
	return 0;
}

/* How many of ls are of member, and how many refused on post. */
static void
count(const struct ledger_set *ls, const char *m, const char *post,
    size_t *own, size_t *refused)
{
	size_t i;

	*own = *refused = 0;
	for (i = 0; i < ls->n; i++) {
		*own += strcmp(ls->v[i].member, m) == 0;
		*refused += ls->v[i].refused && strcmp(ls->v[i].post,
		    post) == 0;
	}
}

/*
 * A member's copies, post by post: its own, one a post, and a copy the
 * relay refused among them, also where it was refused when sent again.
 */
static void
copies(int np)
{
	char m[ADDR_MAX + 1], id[POST_ID_MAX];
	struct ledger_set ls;
	struct job j;
	size_t own, refused;

	member(0, m);
	job_init(&j, LIST, "twins", m, false, NULL);
	if (refuse(&j, 1, &ls) == -1)
		return;
	count(&ls, m, "twins", &own, &refused);
	ok(ls.n == (size_t)np + 1 && own == ls.n && refused == 1,
	    "a member's copies: one a post, its own, the refused one too "
	    "(%zu of %d)", ls.n, np + 1);
	ledger_set_free(&ls);
	post_id(0, id);
	job_init(&j, LIST, id, m, false, NULL);
	if (refuse(&j, 9000000000000000LL, &ls) == -1)
		return;
	count(&ls, m, id, &own, &refused);
	ok(ls.n == (size_t)np + 1 && refused == 1,
	    "a copy sent again and refused for good counts as refused");
	ledger_set_free(&ls);
	if (refuse(&j, 1, &ls) == -1)
		return;
	count(&ls, m, id, &own, &refused);
	ok(refused == 0, "a refusal older than the copy in the ledger does "
	    "not hide it");
	ledger_set_free(&ls);
}

int
main(void)
{
	struct pd_err err = { 0 };
	const char *ep = getenv("VERP_POSTS"), *em = getenv("VERP_MEMBERS");
	int np = ep ? atoi(ep) : 40, nm = em ? atoi(em) : 50;
	char path[1200];

	if (np < 2 || nm < 2 || mkdtemp(dir) == NULL ||
	    store_open(dir, 64 + (unsigned long)np * (unsigned long)nm / 2000,
	    &st, &err) == -1) {
		ok(0, "a store: %s", err.text);
		return done_testing();
	}
	store_ring_on_commit(st, false);
	snprintf(path, sizeof path, "%s/lists", dir);
	mkdir(path, 0700);
	list_paths(dir, LIST, &lp);
	list_paths(dir, OTHER, &other);
	mkdir(lp.dir, 0700);
	mkdir(other.dir, 0700);
	many(np, nm);
	ambiguous();
	copies(np);
	store_close(st);
	rm_tree(dir);
	return done_testing();
}
