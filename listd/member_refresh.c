/*
 * listd/member_refresh.c: members' keys fetched again (listctl member
 * refresh, and listd every key-refresh-days), see admin.h.  Only updates
 * to the member's own primary key are imported (new subkeys, a new expiry,
 * revocations); a different key served for the address is refused.  A key
 * that can receive mail again gets what it missed (adv_catch_up()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys.h"
#include "listd/admin.h"
#include "listd/keywarn.h"
#include "listd/list.h"
#include "listd/member_int.h"
#include "listd/record.h"

#define DAY		86400
#define REFRESH_RUN_MAX	50	/* members listd refreshes in one run */

/* What changed between the key before and after: into detail. */
static void
changes(const struct keyfacts *was, const struct keyfacts *now,
    const struct policy *pol, time_t t, json_t *detail)
{
	struct pol_verdict v0, v1;
	char a[32] = "never", b[32] = "never";

	if (was->sub != NULL && was->sub[0].expires != 0)
		iso_time(was->sub[0].expires, a);
	if (now->sub[0].expires != 0)
		iso_time(now->sub[0].expires, b);
	if (strcmp(a, b) != 0)
		json_object_set_new(detail, "expires", json_pack("{s:s, s:s}",
		    "from", a, "to", b));
	if (now->nsub != was->nsub)
		json_object_set_new(detail, "subkeys", json_pack("{s:I, s:I}",
		    "from", (json_int_t)was->nsub, "to", (json_int_t)now->nsub));
	if ((now->revoked || now->sub[0].revoked) && !(was->revoked ||
	    (was->sub != NULL && was->sub[0].revoked)))
		json_object_set_new(detail, "revoked", json_true());
	pol_verdict_init(&v0);
	pol_verdict_init(&v1);
	if (was->sub != NULL)
		pol_key_usable(was, pol, t, &v0);
	pol_key_usable(now, pol, t, &v1);
	if ((v0.n == 0) != (v1.n == 0) || (v1.n == 0 && v0.n == 0 &&
	    strcmp(was->sub[v0.enc_subkey].fpr, now->sub[v1.enc_subkey].fpr)))
		json_object_set_new(detail, "usable", json_boolean(v1.n == 0));
}

/* The record's key fields as the key now is. */
static void
set_fields(json_t *rec, const struct keyfacts *kf, const struct policy *pol,
    const char *source, time_t t)
{
	struct pol_verdict v;
	char when[32], expires[32] = "never";

	pol_verdict_init(&v);
	pol_key_usable(kf, pol, t, &v);
	if (kf->sub[0].expires != 0)
		iso_time(kf->sub[0].expires, expires);
	json_object_set_new(rec, "key-expires", json_string(expires));
	if (v.n == 0)
		json_object_set_new(rec, "encryption-subkey",
		    json_string(kf->sub[v.enc_subkey].fpr));
	json_object_set_new(rec, "key-refreshed-at", json_string(iso_time(t,
	    when)));
	json_object_set_new(rec, "key-source", json_string(source));
}

/* Fetches, checks it is the same key, imports, records.  Under the lock. */
static int
refresh_fn(struct admin *a, const char *list, const char *addr,
    const char *key, json_t *rec, void *arg, struct pd_err *err)
{
	const char *fpr = json_str(rec, "fingerprint");
	struct catch_up cu = { 0, 0, NULL, true };
	struct keyfacts was = { 0 }, got = { 0 }, now = { 0 };
	struct keys_blob blob = { 0 };
	struct list *l = NULL;
	time_t t = time(NULL);
	int rc = -1;

	if (list_open(a->store, a->conf->datadir, list, LIST_KEYS, &l,
	    err) == -1 || member_key_blob(a, NULL, addr, fpr, &blob,
	    err) == -1 || keys_inspect(l->keys, &blob, &got, err) == -1)
		goto out;
	if (strcmp(got.sub[0].fpr, fpr) != 0) {
		pd_fail(err, PD_REFUSED, "a different key (%s) is served for %s "
		    "(%s): not imported; its key stays %s (to change it: "
		    "listctl member key)", got.sub[0].fpr, addr, blob.name, fpr);
		goto out;
	}
	if (keys_facts(l->keys, fpr, &was, NULL) == -1)
		keyfacts_clear(&was);	/* gone from the keyring: all new */
	if (keys_import(l->keys, &blob, fpr, err) == -1 ||
	    keys_facts(l->keys, fpr, &now, err) == -1 ||
	    (cu.detail = json_pack("{s:s}", "source", blob.name)) == NULL ||
	    catch_up_since(a, list, rec, &cu.since, err) == -1)
		goto out;
	changes(&was, &now, l->pol, t, cu.detail);
	/* A key that works again gets what it missed meanwhile. */
	cu.none = !json_is_true(json_object_get(cu.detail, "usable"));
	set_fields(rec, &now, l->pol, blob.name, t);
	if (keywarn_tell_dead(l, rec, &now, t))	/* revoked, say */
		json_object_set_new(cu.detail, "admins-told", json_true());
	rc = change_member(a, list, addr, key, rec, "member refresh", &cu, err);
	if (rc == 0 && arg != NULL)
		json_array_append(arg, cu.detail);
out:
	json_decref(cu.detail);
	keyfacts_clear(&was);
	keyfacts_clear(&got);
	keyfacts_clear(&now);
	keys_blob_free(&blob);
	list_close(l);
	return rc;
}

int
admin_member_refresh(struct admin *a, const char *list, const char *address,
    json_t **out, struct pd_err *err)
{
	json_t *members = NULL, *m;
	struct pd_err e1;
	size_t i;
	int rc = 0;

	if ((*out = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (address != NULL)
		return with_member(a, list, address, "member refresh",
		    refresh_fn, *out, err);
	if (admin_member_ls(a, list, &members, err) == -1)
		return -1;
	json_array_foreach(members, i, m) {
		json_t *r = json_pack("{s:s}", "address", json_str(m, "address"));

		memset(&e1, 0, sizeof e1);
		if (with_member(a, list, json_str(m, "address"),
		    "member refresh", refresh_fn, *out, &e1) == -1) {
			json_object_set_new(r, "error", json_string(e1.text));
			json_array_append(*out, r);
			rc = -1;
			*err = e1;
		}
		json_decref(r);
	}
	json_decref(members);
	return rc;
}

/* Whether member record m of a list refreshing every days is due at t. */
static bool
refresh_due(const json_t *m, unsigned days, time_t t)
{
	const char *last = json_str(m, "key-refresh-tried-at");

	if (days == 0 || strcmp(json_str(m, "state"), "active") != 0 ||
	    strcmp(json_str(m, "role"), "reporter") == 0)
		return false;
	if (last[0] == '\0')
		last = json_str(m, "added-at");
	return t - parse_iso(last) >= (time_t)days * DAY;
}

/* Stamps the attempt first: a key no source has is not asked for hourly. */
static int
stamp_try(struct store *st, const json_t *m, time_t t, struct pd_err *err)
{
	char key[STORE_KEY_MAX], when[32];
	struct store_txn *txn;
	json_t *rec = NULL;
	int rc;

	store_member_key(json_str(m, "list"), json_str(m, "address"), key);
	if (store_begin(st, true, &txn, err) == -1)
		return -1;
	rc = store_get(txn, STORE_MEMBERS, key, &rec, err);
	if (rc == 0 && rec != NULL) {
		json_object_set_new(rec, "key-refresh-tried-at",
		    json_string(iso_time(t, when)));
		rc = store_put(txn, STORE_MEMBERS, key, rec, false, err);
	}
	json_decref(rec);
	return store_end(txn, rc, err);
}

struct refresh_run {
	struct admin	 a;
	struct list_cache lists;
	time_t		 now;
	size_t		 tried;
	unsigned	*n;
};

/* One member record: its key fetched again when due. */
static int
refresh_rec(const char *key, json_t *m, void *arg)
{
	struct refresh_run *r = arg;
	struct list *l;
	struct pd_err e1;

	(void)key;
	if (r->tried >= REFRESH_RUN_MAX)
		return 1;	/* enough for this run */
	if (list_cache_get(&r->lists, json_str(m, "list"), &l, &e1) == -1 ||
	    !refresh_due(m, l->pol->key_refresh_days, r->now))
		return 0;
	r->tried++;
	/* Each outcome is audited; a failure waits its days again. */
	if (stamp_try(r->a.store, m, r->now, &e1) == 0 && with_member(&r->a,
	    json_str(m, "list"), json_str(m, "address"), "member refresh",
	    refresh_fn, NULL, &e1) == 0)
		++*r->n;
	return 0;
}

int
keyrefresh_due_all(const struct conf *conf, struct store *st, unsigned *n,
    struct pd_err *err)
{
	static time_t last_run;
	struct refresh_run r = { .a = { .conf = conf, .store = st, .actor =
	    "listd" }, .now = time(NULL), .n = n };
	int rc;

	*n = 0;
	list_cache_init(&r.lists, st, conf->datadir, 0);
	rc = keywarn_members_hourly(st, &last_run, r.now, refresh_rec, &r,
	    err);
	list_cache_free(&r.lists);
	return rc == -1 ? -1 : 0;
}
