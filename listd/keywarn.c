/* listd/keywarn.c: see keywarn.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/keywarn.h"
#include "listd/list.h"
#include "listd/notice.h"
#include "listd/record.h"

#define DAY	86400

static time_t last_run;		/* this process's last look */

/* What is due for one member's key: a threshold, or "dead". */
struct key_state {
	char	 fpr[41];
	char	 expires[32];	/* ISO, or "dead" when it cannot receive */
	unsigned days;		/* the threshold reached; 0 when dead */
	char	 why[200];	/* dead: why */
};

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/*
 * Whether the key kf of a member is due a warning at now under pol, into
 * *ks.  The smallest threshold the time left is within is the one due.
 */
static bool
due(const struct keyfacts *kf, const struct policy *pol, time_t now,
    struct key_state *ks)
{
	struct pol_verdict v;
	time_t until;
	size_t i;

	memset(ks, 0, sizeof *ks);
	snprintf(ks->fpr, sizeof ks->fpr, "%s", kf->sub[0].fpr);
	pol_verdict_init(&v);
	pol_key_usable(kf, pol, now, &v);
	if (v.n > 0) {
		snprintf(ks->expires, sizeof ks->expires, "dead");
		snprintf(ks->why, sizeof ks->why, "%s", v.reason[0].text);
		return true;
	}
	if ((until = pol_key_expires(kf, v.enc_subkey)) == 0)
		return false;
	iso_time(until, ks->expires);
	for (i = 0; i < pol->nkey_warn_days; i++)
		if (until - now <= (time_t)pol->key_warn_days[i] * DAY)
			ks->days = pol->key_warn_days[i];
	return ks->days > 0;
}

/* Whether rec's last warning already covers ks. */
static bool
warned(const json_t *rec, const struct key_state *ks)
{
	const json_t *w = json_object_get(rec, "key-warned");

	return w != NULL && strcmp(jstr(w, "fingerprint"), ks->fpr) == 0 &&
	    strcmp(jstr(w, "expires"), ks->expires) == 0 &&
	    (ks->days == 0 || (unsigned)json_integer_value(json_object_get(w,
	    "days")) <= ks->days);
}

/* The notices: the member to its key (unless dead), the admins. */
static int
tell(struct list *l, const char *address, const struct key_state *ks,
    struct pd_err *err)
{
	char text[1200], subject[160];

	if (ks->days == 0) {
		snprintf(subject, sizeof subject, "pdlist: the key of %s no "
		    "longer works", address);
		snprintf(text, sizeof text, "The key %s of %s on %s can no "
		    "longer receive mail from the list: %s.\n\nIts copies are "
		    "skipped, never sent in plaintext, until it is renewed or "
		    "replaced: listctl member key %s %s --key FILE (it then "
		    "gets the embargoed advisories it missed).\n", ks->fpr,
		    address, l->address, ks->why, l->address, address);
		return notice_send(l, NULL, false, subject, text, err);
	}
	snprintf(subject, sizeof subject, "pdlist: your key expires within "
	    "%u day%s", ks->days, ks->days == 1 ? "" : "s");
	snprintf(text, sizeof text, "Your OpenPGP key %s, which %s encrypts "
	    "its mail to you with, expires on %s.\n\nOnce it expires you "
	    "receive nothing from the list (it never sends in plaintext).  "
	    "Extend its expiry (gpg --quick-set-expire) and send the updated "
	    "public key to the list's admins.\n", ks->fpr, l->address,
	    ks->expires);
	if (notice_send(l, address, false, subject, text, err) == -1)
		return -1;
	snprintf(subject, sizeof subject, "pdlist: a member's key expires "
	    "within %u day%s", ks->days, ks->days == 1 ? "" : "s");
	snprintf(text, sizeof text, "The key %s of %s on %s expires on %s "
	    "(the policy warns %u day%s before).  The member was told.\n\n"
	    "Once the member sends the key with a later expiry: listctl "
	    "member key %s %s --key FILE.\n", ks->fpr, address, l->address,
	    ks->expires, ks->days, ks->days == 1 ? "" : "s", l->address,
	    address);
	return notice_send(l, NULL, false, subject, text, err);
}

/* What a member record keeps of its last warning. */
static json_t *
warned_json(const struct key_state *ks)
{
	return json_pack("{s:s, s:s, s:i}", "fingerprint", ks->fpr, "expires",
	    ks->expires, "days", (int)ks->days);
}

bool
keywarn_tell_dead(struct list *l, json_t *rec, const struct keyfacts *kf,
    time_t now)
{
	struct key_state ks;
	struct pd_err e;

	if (!due(kf, l->pol, now, &ks) || ks.days != 0 || warned(rec, &ks) ||
	    tell(l, jstr(rec, "address"), &ks, &e) == -1)
		return false;
	json_object_set_new(rec, "key-warned", warned_json(&ks));
	return true;
}

/* Records the warning in the member's record, audited. */
static int
record(struct store *st, const char *list, const char *address,
    const struct key_state *ks, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	struct store_txn *t;
	json_t *rec = NULL, *w;
	int rc;

	if ((w = warned_json(ks)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	store_member_key(list, address, key);
	if (store_begin(st, true, &t, err) == -1) {
		json_decref(w);
		return -1;
	}
	rc = store_get(t, STORE_MEMBERS, key, &rec, err);
	if (rc == 0 && rec != NULL) {	/* not removed meanwhile */
		json_object_set(rec, "key-warned", w);
		rc = store_put(t, STORE_MEMBERS, key, rec, false, err);
	}
	if (rc == 0)
		rc = audit_append(t, &(struct audit){ .list = list, .actor =
		    "listd", .action = "member key warning", .subject = address,
		    .outcome = ks->days ? "expires soon" : "unusable",
		    .detail = w }, err);
	json_decref(rec);
	json_decref(w);
	return store_end(t, rc, err);
}

/* One member record: warned when due and not warned before. */
static int
warn_one(struct list_cache *lists, const json_t *rec, time_t now,
    unsigned *n, struct pd_err *err)
{
	const struct keyfacts *kf;
	struct key_state ks;
	struct list *l;

	if (strcmp(jstr(rec, "state"), "active") != 0 ||
	    strcmp(jstr(rec, "role"), "reporter") == 0)
		return 0;
	if (list_cache_get(lists, jstr(rec, "list"), &l, err) == -1)
		return err->status == PD_FAIL ? -1 : 0;
	if (l->pol->nkey_warn_days == 0)
		return 0;
	if (l->facts == NULL && keys_facts_all(l->keys, &l->facts, &l->nfacts,
	    err) == -1)
		return -1;
	l->facts_fresh = true;
	kf = keys_facts_find(l->facts, l->nfacts, jstr(rec, "fingerprint"));
	if (kf == NULL || !due(kf, l->pol, now, &ks) || warned(rec, &ks))
		return 0;
	if (tell(l, jstr(rec, "address"), &ks, err) == -1 ||
	    record(l->st, l->address, jstr(rec, "address"), &ks, err) == -1)
		return -1;
	++*n;
	return 0;
}

int
keywarn_members_hourly(struct store *st, time_t *last, time_t now,
    store_scan_fn fn, void *arg, struct pd_err *err)
{
	/* A daemon looks hourly: keys' lives are counted in days. */
	if (*last != 0 && now >= *last && now - *last < 3600)
		return 0;
	*last = now;
	return store_walk(st, STORE_MEMBERS, "", fn, arg, err);
}

struct warn_run {
	struct list_cache lists;
	time_t		 now;
	unsigned	*n;
	struct pd_err	*err;
};

static int
warn_rec(const char *key, json_t *rec, void *arg)
{
	struct warn_run *w = arg;

	(void)key;
	return warn_one(&w->lists, rec, w->now, w->n, w->err);
}

int
keywarn_due_all(const struct conf *conf, struct store *st, unsigned *n,
    struct pd_err *err)
{
	struct warn_run w = { .now = time(NULL), .n = n, .err = err };
	int rc;

	*n = 0;
	list_cache_init(&w.lists, st, conf->datadir, LIST_KEYS);
	rc = keywarn_members_hourly(st, &last_run, w.now, warn_rec, &w, err);
	list_cache_free(&w.lists);
	return rc;
}
