/* listd/admin_list.c: lists, see admin.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "listd/admin_int.h"
#include "listd/list.h"
#include "listd/route.h"
#include "policy/policy.h"

/* ---- lists ---------------------------------------------------------- */

/* A profile as a list keeps it: its path, its bytes, what they say. */
struct profile {
	char		 path[1100];
	char		*text;
	size_t		 len;
	struct policy	*pol;
};

/*
 * Reads and checks the profile policy: a NAME in policy-dir, or a file
 * path.  The bytes judged are the bytes kept: read once.  Refusals are
 * PD_REFUSED; the caller frees pr with profile_free().
 */
static int
profile_load(const struct admin *a, const char *policy, struct profile *pr,
    struct pd_err *err)
{
	char perr[512];

	memset(pr, 0, sizeof *pr);
	if (strchr(policy, '/') != NULL || strstr(policy, ".conf") != NULL)
		snprintf(pr->path, sizeof pr->path, "%s", policy);
	else
		snprintf(pr->path, sizeof pr->path, "%s/%s.conf",
		    a->conf->policy_dir, policy);
	if (read_file(pr->path, 1 << 20, &pr->text, &pr->len, err) == -1) {
		err->status = PD_REFUSED;
		return -1;
	}
	if (pol_load_text(pr->path, pr->text, pr->len, &pr->pol, perr,
	    sizeof perr) == -1)
		return pd_fail(err, PD_REFUSED, "policy refused: %s", perr);
	return 0;
}

static void
profile_free(struct profile *pr)
{
	pol_free(pr->pol);
	free(pr->text);
	memset(pr, 0, sizeof *pr);
}

/*
 * Makes the list's files: directory, copy of its profile, key.  Sets *made
 * once the directory is ours, so that a failure removes exactly that.
 */
static int
make_list_files(struct admin *a, const struct admin_list_opts *o,
    const char *list, const char *profile_text, size_t profile_len,
    char fpr[41], bool *made, struct pd_err *err)
{
	struct list_paths p;
	struct keys_blob blob = { 0 };
	struct keys *k = NULL;
	char parent[1100];
	int rc = -1;

	list_paths(a->conf->datadir, list, &p);
	snprintf(parent, sizeof parent, "%s/lists", a->conf->datadir);
	if (mkdir_p(parent, 0700) == -1)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", parent,
		    strerror(errno));
	if (mkdir(p.dir, 0700) == -1) {
		if (errno == EEXIST)
			return pd_fail(err, PD_REFUSED, "%s exists but the store "
			    "has no such list: another create is running, or "
			    "an interrupted one left it (then remove it)", p.dir);
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", p.dir,
		    strerror(errno));
	}
	*made = true;
	if (write_file_atomic(p.policy, profile_text, profile_len, 0600,
	    err) == -1)
		goto out;
	if (o->keyfile != NULL && keys_blob_read(o->keyfile, &blob, err) == -1)
		goto out;
	if (keys_open(p.home, 1, &k, err) == -1)
		goto out;
	if (o->key != NULL)
		rc = keys_import_list_key(k, o->key, fpr, err);
	else if (o->keyfile != NULL)
		rc = keys_import_list_key(k, &blob, fpr, err);
	else
		rc = keys_generate_list_key(k, list, fpr, err);
out:
	keys_close(k);
	keys_blob_free(&blob);
	return rc;
}

static void
remove_list_files(struct admin *a, const char *list)
{
	struct list_paths p;

	list_paths(a->conf->datadir, list, &p);
	keys_stop_agent(p.home);
	rm_tree(p.dir);
}

void
list_uncreate(struct admin *a, const char *list)
{
	struct store_txn *t;
	struct pd_err e;

	if (store_begin(a->store, true, &t, &e) == 0 &&
	    store_end(t, store_del(t, STORE_LISTS, list, &e), &e) == 0)
		remove_list_files(a, list);
}

static json_t *
list_record(const struct admin *a, const char *list,
    const struct admin_list_opts *o, const struct policy *pol,
    const char *profile, const char *fpr, const char *publics[])
{
	char now[32];

	iso_time(time(NULL), now);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}",
	    "address", list, "policy", pol->name, "policy-source", profile,
	    "fingerprint", fpr, "public", str_array(publics, o->npublic),
	    "created-at", now, "created-by", a->actor);
}

/*
 * Whether addr is one of list's own addresses: LOCAL@DOMAIN, and
 * LOCAL-request@, LOCAL-owner@, LOCAL-bounces[+TOKEN]@ in its domain.
 */
static bool
own_address(const char *list, const char *addr)
{
	static const char *const suffix[] = { "", "-request", "-owner",
	    "-bounces" };
	const char *la = strrchr(list, '@'), *aa = strrchr(addr, '@'), *rest;
	size_t ll, i, sl;

	if (la == NULL || aa == NULL || strcmp(la, aa) != 0)
		return false;
	ll = (size_t)(la - list);
	if ((size_t)(aa - addr) < ll || strncmp(addr, list, ll) != 0)
		return false;
	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		sl = strlen(suffix[i]);
		rest = addr + ll + sl;
		if (strncmp(addr + ll, suffix[i], sl) == 0 && (rest == aa ||
		    (i == 3 && *rest == '+')))
			return true;
	}
	return false;
}

/*
 * The public addresses in of list, normalized into out (ptrs pointing at
 * each): plain addresses, none twice, none of the list's own.
 */
static int
check_publics(const char *list, const char *const *in, size_t n,
    char (*out)[ADDR_MAX + 1], const char **ptrs, struct pd_err *err)
{
	char why[sizeof err->text];
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (addr_normalize(in[i], out[i], err) == -1) {
			snprintf(why, sizeof why, "%s", err->text);
			return pd_fail(err, PD_REFUSED, "--public: %s", why);
		}
		if (own_address(list, out[i]))
			return pd_fail(err, PD_REFUSED, "--public %s is an "
			    "address of the list itself: releases go to "
			    "addresses outside it", out[i]);
		for (j = 0; j < i; j++)
			if (strcmp(out[j], out[i]) == 0)
				return pd_fail(err, PD_REFUSED, "--public %s is "
				    "given twice", out[i]);
		ptrs[i] = out[i];
	}
	return 0;
}

/* Room for n public addresses, normalized, and pointers to them. */
static int
publics_alloc(size_t n, char (**pubs)[ADDR_MAX + 1], const char ***ptrs,
    struct pd_err *err)
{
	*pubs = calloc(n + 1, sizeof **pubs);
	*ptrs = calloc(n + 1, sizeof **ptrs);
	if (*pubs == NULL || *ptrs == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	return 0;
}

struct clash {
	const char	*list;
	char		 other[ADDR_MAX + 1];
};

static int
clash_one(const char *key, json_t *value, void *arg)
{
	struct clash *c = arg;

	(void)value;
	if (!route_clash(c->list, key))
		return 0;
	snprintf(c->other, sizeof c->other, "%s", key);
	return 1;
}

/*
 * A new list's addresses (route.h) must be no other list's: refused when
 * list is another's LIST-owner@ (-request@, -bounces@) or the other way.
 */
static int
check_clash(struct admin *a, const char *list, struct pd_err *err)
{
	struct clash c = { list, "" };
	struct store_txn *t;
	int rc;

	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = store_scan(t, STORE_LISTS, "", clash_one, &c, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	if (rc == 0)
		return 0;
	return pd_fail(err, PD_REFUSED, "%s would share an address with list "
	    "%s (each list LOCAL@DOMAIN takes LOCAL-bounces@, LOCAL-owner@ "
	    "and LOCAL-request@ too): choose another address", list, c.other);
}

static int
create_list(struct admin *a, const struct admin_list_opts *o, const char *list,
    json_t **record, struct pd_err *err)
{
	char fpr[41] = "";
	char (*pubs)[ADDR_MAX + 1] = NULL;
	const char **pubp = NULL;
	struct profile pr = { .text = NULL };
	struct store_txn *t = NULL;
	json_t *rec = NULL;
	bool made = false;
	int rc = -1;

	if (publics_alloc(o->npublic, &pubs, &pubp, err) == -1 ||
	    check_publics(list, o->public, o->npublic, pubs, pubp, err) == -1)
		goto out;
	if (get_record(a, STORE_LISTS, list, &rec, err) == -1)
		goto out;
	if (rec != NULL) {
		pd_fail(err, PD_REFUSED, "list %s exists", list);
		goto out;
	}
	if (check_clash(a, list, err) == -1 || profile_load(a, o->policy, &pr, err) == -1 ||
	    make_list_files(a, o, list, pr.text, pr.len, fpr, &made, err) == -1)
		goto out;
	if ((rec = list_record(a, list, o, pr.pol, pr.path, fpr,
	    pubp)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (store_begin(a->store, true, &t, err) == -1 ||
	    store_put(t, STORE_LISTS, list, rec, true, err) == -1 ||
	    audit_done(a, t, list, "list create", list, rec, err) == -1)
		goto out;
	rc = store_commit(t, err);
	t = NULL;
out:
	store_abort(t);
	if (rc == -1 && made)
		remove_list_files(a, list);
	if (rc == 0)
		*record = rec;
	else
		json_decref(rec);
	profile_free(&pr);
	free(pubs);
	free(pubp);
	return rc;
}

int
admin_list_create(struct admin *a, const struct admin_list_opts *o,
    json_t **record, struct pd_err *err)
{
	char list[ADDR_MAX + 1];

	*record = NULL;
	if (addr_normalize(o->address, list, err) == -1) {
		snprintf(list, sizeof list, "%s", o->address);
		audit_refusal(a, list, "list create", list, err, NULL);
		return -1;
	}
	if (create_list(a, o, list, record, err) == -1) {
		if (err->status == PD_REFUSED)
			audit_refusal(a, list, "list create", list, err, NULL);
		return -1;
	}
	return 0;
}

/* ---- list set ------------------------------------------------------------ */

/* Records in changed that what goes from from to to (both borrowed). */
static int
note_change(json_t *changed, const char *what, json_t *from, json_t *to)
{
	return json_object_set_new(changed, what, json_pack("{s:O?, s:O}",
	    "from", from, "to", to));
}

/* The new public addresses into rec, noted in changed when they differ. */
static int
set_publics(const char *list, const struct admin_list_set_opts *o,
    json_t *rec, json_t *changed, struct pd_err *err)
{
	char (*pubs)[ADDR_MAX + 1] = NULL;
	const char **pubp = NULL;
	json_t *v = NULL;
	int rc = -1;

	if (publics_alloc(o->npublic, &pubs, &pubp, err) == -1 ||
	    check_publics(list, o->public, o->npublic, pubs, pubp, err) == -1)
		goto out;
	if ((v = str_array(pubp, o->npublic)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	rc = 0;
	if (!json_equal(v, json_object_get(rec, "public")) &&
	    (note_change(changed, "public", json_object_get(rec, "public"),
	    v) == -1 || json_object_set(rec, "public", v) == -1))
		rc = pd_fail(err, PD_FAIL, "out of memory");
out:
	json_decref(v);
	free(pubs);
	free(pubp);
	return rc;
}

/*
 * The new publish directory into rec ("" removes it), noted in changed
 * when it differs: an absolute path to a directory that exists.
 */
static int
set_publish_dir(const struct admin_list_set_opts *o, json_t *rec,
    json_t *changed, struct pd_err *err)
{
	const char *dir = o->publish_dir;
	json_t *to;
	struct stat st;
	int rc;

	if (dir[0] != '\0' && (dir[0] != '/' || stat(dir, &st) == -1 ||
	    !S_ISDIR(st.st_mode)))
		return pd_fail(err, PD_REFUSED, "--publish-dir %s: %s", dir,
		    dir[0] != '/' ? "give an absolute path" :
		    "not a directory: create it first");
	if (strcmp(json_str(rec, "publish-dir"), dir) == 0)
		return 0;
	to = json_string(dir);
	rc = to ? note_change(changed, "publish-dir", json_object_get(rec,
	    "publish-dir"), to) : -1;
	json_decref(to);
	if (rc == -1)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (dir[0] == '\0')
		json_object_del(rec, "publish-dir");
	else
		json_object_set_new(rec, "publish-dir", json_string(dir));
	return 0;
}

/*
 * The new profile into pr and its name into rec, noted in changed when
 * its bytes differ from the list's copy (old: those, NULL when unread).
 */
static int
set_policy(struct admin *a, const char *list,
    const struct admin_list_set_opts *o, json_t *rec, json_t *changed,
    struct profile *pr, char **old, size_t *olen, struct pd_err *err)
{
	struct list_paths p;
	struct pd_err ignore;
	json_t *from, *to;
	int rc;

	if (profile_load(a, o->policy, pr, err) == -1)
		return -1;
	list_paths(a->conf->datadir, list, &p);
	if (read_file(p.policy, 1 << 20, old, olen, &ignore) == 0 &&
	    *olen == pr->len && memcmp(*old, pr->text, pr->len) == 0)
		return 0;	/* the same bytes: no change */
	from = json_pack("{s:O?, s:O?}", "name", json_object_get(rec,
	    "policy"), "source", json_object_get(rec, "policy-source"));
	to = json_pack("{s:s, s:s}", "name", pr->pol->name, "source",
	    pr->path);
	rc = from == NULL || to == NULL ||
	    note_change(changed, "policy", from, to) == -1 ||
	    json_object_set(rec, "policy", json_object_get(to, "name")) == -1 ||
	    json_object_set(rec, "policy-source", json_object_get(to,
	    "source")) == -1 ? -1 : 0;
	json_decref(from);
	json_decref(to);
	return rc == 0 ? 0 : pd_fail(err, PD_FAIL, "out of memory");
}

/* Stores rec with its audit entry (changed) in one transaction. */
static int
commit_set(struct admin *a, const char *list, json_t *rec,
    const json_t *changed, struct pd_err *err)
{
	struct store_txn *t;

	if (store_begin(a->store, true, &t, err) == -1)
		return -1;
	if (store_put(t, STORE_LISTS, list, rec, false, err) == -1 ||
	    audit_done(a, t, list, "list set", list, changed, err) == -1) {
		store_abort(t);
		return -1;
	}
	return store_commit(t, err);
}

/*
 * Checks everything, then replaces the list's copy of its profile (put
 * back when the store refuses the record) and commits.  Under the lock.
 */
static int
set_locked(struct admin *a, const char *list,
    const struct admin_list_set_opts *o, json_t **out, struct pd_err *err)
{
	struct profile pr = { .text = NULL };
	struct list_paths p;
	struct pd_err ignore;
	char now[32], *old = NULL;
	size_t olen = 0;
	json_t *rec = NULL, *changed = json_object();
	bool new_policy;
	int rc = -1;

	if (changed == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (need_list(a, list, &rec, err) == -1 || (o->set_public &&
	    set_publics(list, o, rec, changed, err) == -1) || (o->policy &&
	    set_policy(a, list, o, rec, changed, &pr, &old, &olen, err) == -1) ||
	    (o->publish_dir && set_publish_dir(o, rec, changed, err) == -1))
		goto out;
	if (json_object_size(changed) == 0) {
		pd_fail(err, PD_REFUSED, "nothing to change: %s has these "
		    "settings already", list);
		goto out;
	}
	iso_time(time(NULL), now);
	json_object_set_new(rec, "changed-at", json_string(now));
	json_object_set_new(rec, "changed-by", json_string(a->actor));
	list_paths(a->conf->datadir, list, &p);
	new_policy = json_object_get(changed, "policy") != NULL;
	if (new_policy && write_file_atomic(p.policy, pr.text, pr.len,
	    0600, err) == -1)
		goto out;
	if ((rc = commit_set(a, list, rec, changed, err)) == -1 &&
	    new_policy && old != NULL)
		write_file_atomic(p.policy, old, olen, 0600, &ignore);
	if (rc == 0) {
		json_object_set(rec, "changed", changed);
		*out = rec;
		rec = NULL;
	}
out:
	json_decref(rec);
	json_decref(changed);
	profile_free(&pr);
	free(old);
	return rc;
}

int
admin_list_set(struct admin *a, const char *list_in,
    const struct admin_list_set_opts *o, json_t **out, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	json_t *lrec = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	if (addr_normalize(list_in, list, err) == -1) {
		snprintf(list, sizeof list, "%s", list_in);
		goto out;
	}
	if (need_list(a, list, &lrec, err) == -1 ||
	    lock_list(a, list, &fd, err) == -1)
		goto out;
	rc = set_locked(a, list, o, out, err);
out:
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, "list set", list, err, NULL);
	if (fd != -1)
		close(fd);
	json_decref(lrec);
	return rc;
}

int
admin_list_ls(struct admin *a, json_t **lists, struct pd_err *err)
{
	return store_values(a->store, STORE_LISTS, NULL, lists, err);
}

int
admin_list_show(struct admin *a, const char *address, json_t **out,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	json_t *members = NULL, *m, *summary;
	size_t i;

	*out = NULL;
	if (addr_normalize(address, list, err) == -1 ||
	    need_list(a, list, out, err) == -1)
		return -1;
	if (store_values(a->store, STORE_MEMBERS, list, &members, err) == -1) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	summary = json_object();
	json_array_foreach(members, i, m) {
		char k[64];
		json_t *c;

		snprintf(k, sizeof k, "%s/%s", json_str(m, "role"),
		    json_str(m, "state"));
		c = json_object_get(summary, k);
		json_object_set_new(summary, k,
		    json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	json_object_set_new(*out, "members", summary);
	json_object_set_new(*out, "member-count", json_integer((json_int_t)
	    json_array_size(members)));
	json_decref(members);
	return 0;
}

