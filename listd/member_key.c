/*
 * listd/member_key.c: a member's key replaced in place (listctl member
 * key), see admin.h.  The new key passes the checks member add makes of a
 * key; everything else of the member is kept; the member gets, in the same
 * transaction, the embargoed advisories it holds no copy of (adv_catch_up(),
 * the mechanism member resume uses): those its old key could not receive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys.h"
#include "listd/admin.h"
#include "listd/keyfetch.h"
#include "listd/list.h"
#include "listd/member_int.h"

int
member_key_blob(struct admin *a, const char *keyfile, const char *address,
    const char *fpr, struct keys_blob *blob, struct pd_err *err)
{
	if (keyfile != NULL)
		return keys_blob_read(keyfile, blob, err);
	return keyfetch(a->conf, address, fpr, blob, err);
}

struct key_change {
	const char	*keyfile;	/* NULL: fetched */
	struct keys_blob blob;		/* the new key, as read or fetched */
	json_t		*out;		/* the new record, or the verdict */
	size_t		 backfill;
};

/* The record's key fields from the key's facts and the chosen subkey. */
static void
set_key_fields(struct admin *a, json_t *rec, const struct keyfacts *kf,
    int enc)
{
	char now[32], expires[32] = "never";

	if (kf->sub[0].expires != 0)
		iso_time(kf->sub[0].expires, expires);
	if (strcmp(json_str(rec, "fingerprint"), kf->sub[0].fpr) != 0)
		json_object_set(rec, "previous-fingerprint",
		    json_object_get(rec, "fingerprint"));
	json_object_set_new(rec, "fingerprint", json_string(kf->sub[0].fpr));
	json_object_set_new(rec, "encryption-subkey",
	    json_string(kf->sub[enc].fpr));
	json_object_set_new(rec, "key-expires", json_string(expires));
	json_object_set_new(rec, "key-changed-at", json_string(iso_time(
	    time(NULL), now)));
	json_object_set_new(rec, "key-changed-by", json_string(a->actor));
	json_object_del(rec, "key-warned");	/* a new key, new warnings */
}

/* Judges, imports and records the new key.  Runs under the list's lock. */
static int
key_fn(struct admin *a, const char *list, const char *addr, const char *key,
    json_t *rec, void *arg, struct pd_err *err)
{
	struct key_change *kc = arg;
	struct catch_up cu = { 0, 0, NULL, false };
	struct list *l = NULL;
	struct keyfacts kf = { 0 };
	struct pol_verdict v;
	char old[41];
	int rc = -1;

	snprintf(old, sizeof old, "%s", json_str(rec, "fingerprint"));
	if (list_open(a->store, a->conf->datadir, list, LIST_KEYS, &l,
	    err) == -1 || member_key_blob(a, kc->keyfile, addr, NULL, &kc->blob,
	    err) == -1 || keys_inspect(l->keys, &kc->blob, &kf, err) == -1)
		goto out;
	pol_verdict_init(&v);
	pol_check_key(&kf, addr, l->pol, time(NULL), &v);
	if ((v.allow = v.n == 0) == false) {
		kc->out = verdict_json(addr, &v);
		refuse_verdict(&v, err);
		goto out;
	}
	if (catch_up_since(a, list, rec, &cu.since, err) == -1 ||
	    keys_import(l->keys, &kc->blob, kf.sub[0].fpr, err) == -1)
		goto out;
	set_key_fields(a, rec, &kf, v.enc_subkey);
	if (kc->keyfile == NULL)
		json_object_set_new(rec, "key-source",
		    json_string(kc->blob.name));
	cu.detail = json_pack("{s:s, s:s}", "from", old, "to", kf.sub[0].fpr);
	if (cu.detail == NULL)
		pd_fail(err, PD_TEMPFAIL, "out of memory");
	else if ((rc = change_member(a, list, addr, key, rec, "member key",
	    &cu, err)) == 0) {
		kc->backfill = cu.n;
		kc->out = json_incref(rec);
	}
	/* The key no member uses any more leaves the keyring. */
	if (rc == 0 && strcmp(old, kf.sub[0].fpr) != 0 &&
	    !fpr_in_use(a, list, old, addr))
		keys_delete(l->keys, old, NULL);
	else if (rc == -1 && strcmp(old, kf.sub[0].fpr) != 0 &&
	    !fpr_in_use(a, list, kf.sub[0].fpr, ""))
		keys_delete(l->keys, kf.sub[0].fpr, NULL);
out:
	json_decref(cu.detail);
	keyfacts_clear(&kf);
	list_close(l);
	return rc;
}

int
admin_member_key(struct admin *a, const char *list, const char *address,
    const char *keyfile, json_t **out, size_t *backfill, struct pd_err *err)
{
	struct key_change kc = { keyfile, { 0 }, NULL, 0 };
	int rc;

	rc = with_member(a, list, address, "member key", key_fn, &kc, err);
	keys_blob_free(&kc.blob);
	*out = kc.out;
	*backfill = kc.backfill;
	if (rc == -1 && kc.out != NULL) {	/* the policy's reasons: whose */
		char why[sizeof err->text];

		snprintf(why, sizeof why, "%s", err->text);
		pd_fail(err, PD_REFUSED, "%s's new key refused: %s", address,
		    why);
	}
	return rc;
}
