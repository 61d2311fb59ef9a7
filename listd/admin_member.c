/* listd/admin_member.c: members, see admin.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "listd/admin_int.h"
#include "listd/advisory.h"
#include "listd/list.h"
#include "listd/member_int.h"
#include "listd/reporter.h"
#include "policy/policy.h"

/* ---- members -------------------------------------------------------- */

int
parse_candidate(const struct admin_member_opts *o, struct candidate *c,
    struct pd_err *err)
{
	if (addr_normalize(o->address, c->address, err) == -1)
		return -1;
	if (o->role == NULL || pol_role_parse(o->role, &c->role) == -1)
		return pd_fail(err, PD_REFUSED, "unknown role '%s': use member, "
		    "team, moderator, admin or reporter", o->role ? o->role : "");
	if (o->vouched_by != NULL &&
	    addr_normalize(o->vouched_by, c->voucher, err) == -1)
		return -1;
	c->pc.address = c->address;
	c->pc.role = c->role;
	c->pc.org = o->org;
	c->pc.category = o->category;
	c->pc.installed_base = o->installed_base;
	c->pc.justification = o->justification;
	c->pc.vouched_by = o->vouched_by ? c->voucher : NULL;
	c->pc.evidence = o->evidence;
	c->pc.nevidence = o->nevidence;
	c->pc.agreed = o->agreed;
	c->pc.key = &c->key;
	return 0;
}

int
voucher_state(struct admin *a, const char *list, const char *voucher,
    enum pol_voucher *out, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *rec = NULL;

	*out = POL_VOUCHER_UNKNOWN;
	store_member_key(list, voucher, key);
	if (get_record(a, STORE_MEMBERS, key, &rec, err) == -1)
		return -1;
	if (rec != NULL)
		*out = strcmp(json_str(rec, "state"), "active") == 0 ?
		    POL_VOUCHER_ACTIVE : POL_VOUCHER_SUSPENDED;
	json_decref(rec);
	return 0;
}

json_t *
verdict_json(const char *address, const struct pol_verdict *v)
{
	json_t *o, *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < v->n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "rule",
		    pol_rule_name(v->reason[i].rule), "text", v->reason[i].text));
	o = json_pack("{s:s, s:b, s:o}", "address", address, "allow", v->allow,
	    "reasons", arr);
	if (o != NULL && v->note[0] != '\0')
		json_object_set_new(o, "note", json_string(v->note));
	return o;
}

int
refuse_verdict(const struct pol_verdict *v, struct pd_err *err)
{
	char line[sizeof err->text];
	size_t i, off;

	line[0] = '\0';
	for (i = 0, off = 0; i < v->n && off < sizeof line; i++)
		off += (size_t)snprintf(line + off, sizeof line - off, "%s%s",
		    i ? "; " : "", v->reason[i].text);
	return pd_fail(err, PD_REFUSED, "%s", line);
}

json_t *
member_record(const struct admin *a, const struct admin_member_opts *o,
    const struct candidate *c)
{
	const struct kf_subkey *enc = &c->key.sub[c->verdict.enc_subkey];
	char now[32], expires[32] = "never";
	json_t *r;

	iso_time(time(NULL), now);
	if (c->key.sub[0].expires != 0)
		iso_time(c->key.sub[0].expires, expires);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:s, s:s}",
	    "list", c->list, "address", c->address,
	    "role", pol_role_name(c->role), "state", "active",
	    "fingerprint", c->key.sub[0].fpr, "encryption-subkey", enc->fpr,
	    "key-expires", expires,
	    "evidence", str_array(o->evidence, o->nevidence),
	    "agreed", o->agreed, "added-at", now, "added-by", a->actor);
	if (r == NULL)
		return NULL;
	if (o->org)
		json_object_set_new(r, "org", json_string(o->org));
	if (o->category)
		json_object_set_new(r, "category", json_string(o->category));
	if (o->installed_base >= 0)
		json_object_set_new(r, "installed-base",
		    json_integer(o->installed_base));
	if (o->vouched_by)
		json_object_set_new(r, "vouched-by", json_string(c->voucher));
	if (o->justification)
		json_object_set_new(r, "justification",
		    json_string(o->justification));
	if (o->keyfile == NULL)		/* looked up: where from */
		json_object_set_new(r, "key-source", json_string(c->source));
	if (c->verdict.note[0] != '\0')
		json_object_set_new(r, "note", json_string(c->verdict.note));
	return r;
}

/* Is fpr the key of a member of list other than except? */
struct fpr_use {
	const char	*fpr;
	const char	*except;
};

static int
uses_fpr(const char *key, json_t *value, void *arg)
{
	const struct fpr_use *u = arg;

	(void)key;
	return strcmp(json_str(value, "fingerprint"), u->fpr) == 0 &&
	    strcmp(json_str(value, "address"), u->except) != 0;
}

bool
fpr_in_use(struct admin *a, const char *list, const char *fpr,
    const char *except)
{
	struct fpr_use u = { fpr, except };
	struct store_txn *t;
	char prefix[STORE_KEY_MAX];
	int rc;

	store_member_key(list, "", prefix);
	if (store_begin(a->store, false, &t, NULL) == -1)
		return true;	/* when unsure, keep the key */
	rc = store_scan(t, STORE_MEMBERS, prefix, uses_fpr, &u, NULL);
	store_abort(t);
	return rc != 0;
}

int
new_member_catch_up(struct store_txn *t, const struct candidate *c, json_t *rec,
    bool backfill, struct pd_err *err)
{
	size_t n = 0;

	if (c->role == POL_ROLE_REPORTER) {
		if (reporter_key_added(t, c->list, c->address, &n, err) == -1)
			return -1;
		if (n > 0)
			json_object_set_new(rec, "replies-released",
			    json_integer((json_int_t)n));
		return 0;
	}
	if (backfill && adv_backfill(t, c->list, c->address, &n, err) == -1)
		return -1;
	if (n > 0)
		json_object_set_new(rec, "backfill", json_integer((json_int_t)n));
	return 0;
}

/* Commits the member and its audit entry; the key is already imported. */
static int
commit_member(struct admin *a, struct candidate *c, json_t *rec,
    bool backfill, struct pd_err *err)
{
	struct store_txn *t;
	char key[STORE_KEY_MAX];

	store_member_key(c->list, c->address, key);
	if (store_begin(a->store, true, &t, err) == -1)
		return -1;
	if (store_put(t, STORE_MEMBERS, key, rec, true, err) == -1 ||
	    new_member_catch_up(t, c, rec, backfill, err) == -1 ||
	    audit_done(a, t, c->list, "member add", c->address, rec, err) == -1) {
		store_abort(t);
		return -1;
	}
	return store_commit(t, err);
}

/* Decides and, when allowed, imports and records.  Runs under the lock. */
static int
add_locked(struct admin *a, const struct admin_member_opts *o,
    struct candidate *c, json_t **out, struct pd_err *err)
{
	struct list *l = NULL;
	struct keys_blob blob = { 0 };
	char key[STORE_KEY_MAX];
	json_t *rec = NULL;
	int rc = -1;

	store_member_key(c->list, c->address, key);
	if (get_record(a, STORE_MEMBERS, key, &rec, err) == -1)
		goto out;
	if (rec != NULL) {
		pd_fail(err, PD_REFUSED, "%s is already a member of %s (role %s): "
		    "remove it first to change it", c->address, c->list,
		    json_str(rec, "role"));
		goto out;
	}
	if (c->pc.vouched_by != NULL && voucher_state(a, c->list, c->voucher,
	    &c->pc.voucher, err) == -1)
		goto out;
	if (list_open(a->store, a->conf->datadir, c->list, LIST_KEYS, &l,
	    err) == -1 || member_key_blob(a, o->keyfile, c->address, NULL,
	    &blob, err) == -1 || keys_inspect(l->keys, &blob, &c->key, err) == -1)
		goto out;
	snprintf(c->source, sizeof c->source, "%s", blob.name);
	pol_eligible(&c->pc, l->pol, time(NULL), &c->verdict);
	if (!c->verdict.allow) {
		*out = verdict_json(c->address, &c->verdict);
		refuse_verdict(&c->verdict, err);
		goto out;
	}
	if (keys_import(l->keys, &blob, c->key.sub[0].fpr, err) == -1)
		goto out;
	if ((rec = member_record(a, o, c)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
	} else if (commit_member(a, c, rec, l->pol->backfill_new_members,
	    err) == 0) {
		*out = rec;
		rec = NULL;
		rc = 0;
	}
	if (rc == -1 && !fpr_in_use(a, c->list, c->key.sub[0].fpr, c->address))
		keys_delete(l->keys, c->key.sub[0].fpr, NULL);
out:
	json_decref(rec);
	list_close(l);
	keys_blob_free(&blob);
	return rc;
}

int
admin_member_add(struct admin *a, const char *list,
    const struct admin_member_opts *o, json_t **out, struct pd_err *err)
{
	struct candidate c;
	json_t *lrec = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	memset(&c, 0, sizeof c);
	if (addr_normalize(list, c.list, err) == -1) {
		snprintf(c.list, sizeof c.list, "%s", list);
		goto out;
	}
	if (parse_candidate(o, &c, err) == -1 ||
	    need_list(a, c.list, &lrec, err) == -1 ||
	    lock_list(a, c.list, &fd, err) == -1)
		goto out;
	rc = add_locked(a, o, &c, out, err);
out:
	if (rc == -1 && err->status == PD_REFUSED) {
		audit_refusal(a, c.list, "member add", c.address[0] ? c.address :
		    o->address, err, *out);
		if (*out != NULL) {	/* the policy's reasons: say whose */
			char why[sizeof err->text];

			snprintf(why, sizeof why, "%s", err->text);
			pd_fail(err, PD_REFUSED, "%s refused: %s", c.address, why);
		}
	}
	if (fd != -1)
		close(fd);
	json_decref(lrec);
	keyfacts_clear(&c.key);
	return rc;
}

/* Loads the member record of address on list under the list's lock. */
static int
need_member(struct admin *a, const char *list, const char *address,
    char key[STORE_KEY_MAX], json_t **rec, struct pd_err *err)
{
	store_member_key(list, address, key);
	if (get_record(a, STORE_MEMBERS, key, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "%s is not a member of %s",
		    address, list);
	return 0;
}

int
change_member(struct admin *a, const char *list, const char *address,
    const char *key, json_t *rec, const char *action, struct catch_up *cu,
    struct pd_err *err)
{
	struct store_txn *t;
	json_t *detail = cu != NULL && cu->detail != NULL ?
	    json_incref(cu->detail) : NULL;
	int rc = -1;

	if (store_begin(a->store, true, &t, err) == -1)
		return -1;
	if ((rec != NULL ? store_put(t, STORE_MEMBERS, key, rec, false, err) :
	    store_del(t, STORE_MEMBERS, key, err)) == -1)
		goto out;
	if (cu != NULL && !cu->none) {
		if (adv_catch_up(t, list, address, cu->since, &cu->n,
		    err) == -1)
			goto out;
		if (detail == NULL)
			detail = json_object();
		if (detail == NULL || json_object_set_new(detail, "backfill",
		    json_integer((json_int_t)cu->n)) == -1) {
			pd_fail(err, PD_FAIL, "out of memory");
			goto out;
		}
	}
	if (audit_done(a, t, list, action, address, detail, err) == -1)
		goto out;
	rc = store_commit(t, err);
	t = NULL;
out:
	store_abort(t);
	json_decref(detail);
	return rc;
}

int
with_member(struct admin *a, const char *list_in, const char *addr_in,
    const char *action, member_fn fn, void *arg, struct pd_err *err)
{
	char list[ADDR_MAX + 1], addr[ADDR_MAX + 1] = "", key[STORE_KEY_MAX];
	json_t *lrec = NULL, *rec = NULL;
	int fd = -1, rc = -1;

	if (addr_normalize(list_in, list, err) == -1) {
		snprintf(list, sizeof list, "%s", list_in);
		goto out;
	}
	if (addr_normalize(addr_in, addr, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1 ||
	    lock_list(a, list, &fd, err) == -1 ||
	    need_member(a, list, addr, key, &rec, err) == -1)
		goto out;
	rc = fn(a, list, addr, key, rec, arg, err);
out:
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, action, addr[0] ? addr : addr_in, err, NULL);
	if (fd != -1)
		close(fd);
	json_decref(lrec);
	json_decref(rec);
	return rc;
}

static int
remove_fn(struct admin *a, const char *list, const char *addr, const char *key,
    json_t *rec, void *arg, struct pd_err *err)
{
	struct list_paths p;
	struct keys *k;
	const char *fpr = json_str(rec, "fingerprint");

	(void)arg;
	if (change_member(a, list, addr, key, NULL, "member remove", NULL,
	    err) == -1)
		return -1;
	/* The record is gone; a key left behind in the keyring is harmless. */
	list_paths(a->conf->datadir, list, &p);
	if (!fpr_in_use(a, list, fpr, addr) &&
	    keys_open(p.home, 0, &k, NULL) == 0) {
		keys_delete(k, fpr, NULL);
		keys_close(k);
	}
	return 0;
}

int
admin_member_remove(struct admin *a, const char *list, const char *address,
    struct pd_err *err)
{
	return with_member(a, list, address, "member remove", remove_fn, NULL,
	    err);
}

/*
 * What a resumed member missed, counted from when: where the list's policy
 * backfills new members, anything (what went out before the member joined
 * came with its addition); otherwise what went out once it was a member.
 */
int
catch_up_since(struct admin *a, const char *list, const json_t *rec,
    time_t *since, struct pd_err *err)
{
	struct list *l;

	if (list_open(a->store, a->conf->datadir, list, 0, &l, err) == -1)
		return -1;
	*since = l->pol->backfill_new_members ? 0 :
	    parse_iso(json_str(rec, "added-at"));
	list_close(l);
	return 0;
}

static int
state_fn(struct admin *a, const char *list, const char *addr, const char *key,
    json_t *rec, void *arg, struct pd_err *err)
{
	struct catch_up *cu = arg;
	const char *want = cu != NULL ? "active" : "suspended";
	char now[32];

	if (strcmp(json_str(rec, "state"), want) == 0)
		return pd_fail(err, PD_REFUSED, "%s is already %s", addr, want);
	if (cu != NULL && catch_up_since(a, list, rec, &cu->since, err) == -1)
		return -1;
	iso_time(time(NULL), now);
	json_object_set_new(rec, "state", json_string(want));
	json_object_set_new(rec, "state-changed-at", json_string(now));
	json_object_set_new(rec, "state-changed-by", json_string(a->actor));
	return change_member(a, list, addr, key, rec, cu != NULL ?
	    "member resume" : "member suspend", cu, err);
}

int
admin_member_set_state(struct admin *a, const char *list, const char *address,
    bool active, size_t *caught_up, struct pd_err *err)
{
	struct catch_up cu = { 0, 0, NULL, false };
	int rc;

	rc = with_member(a, list, address, active ? "member resume" :
	    "member suspend", state_fn, active ? &cu : NULL, err);
	if (caught_up != NULL)
		*caught_up = cu.n;
	return rc;
}

static json_t *check_one(const struct keyfacts *, const struct policy *,
    json_t *, time_t);

/* ---- member set: a record completed or corrected in place ---------- */

struct member_set_arg {
	const struct admin_member_opts	*o;
	json_t				*changed;	/* {field: {from, to}} */
	json_t				**out;
};

/* Sets field of rec to v (taken), noting in changed what it was and is. */
static void
set_field(json_t *rec, json_t *changed, const char *field, json_t *v)
{
	json_t *was = json_object_get(rec, field);

	json_object_set_new(changed, field, json_pack("{s:O, s:O}", "from",
	    was != NULL ? was : json_null(), "to", v));
	json_object_set_new(rec, field, v);
}

/* The fields o gives, into rec; -1 when a change is not one set can make. */
static int
apply_fields(struct admin *a, const char *list, const struct admin_member_opts *o,
    json_t *rec, json_t *changed, struct pd_err *err)
{
	enum pol_role now = POL_ROLE_MEMBER, want;
	enum pol_voucher vs;
	char voucher[ADDR_MAX + 1];

	if (o->role != NULL) {
		if (pol_role_parse(o->role, &want) == -1)
			return pd_fail(err, PD_REFUSED, "unknown role '%s': use "
			    "member, team, moderator or admin", o->role);
		if (pol_role_parse(json_str(rec, "role"), &now) == -1)
			return pd_fail(err, PD_REFUSED, "the record of %s has no "
			    "known role: remove the member and add it again",
			    json_str(rec, "address"));
		if ((want == POL_ROLE_REPORTER) != (now == POL_ROLE_REPORTER))
			return pd_fail(err, PD_REFUSED, "a reporter is not made "
			    "or unmade by member set: remove the member and add "
			    "it again with --role %s", o->role);
		set_field(rec, changed, "role", json_string(pol_role_name(want)));
	}
	if (o->vouched_by != NULL) {
		if (addr_normalize(o->vouched_by, voucher, err) == -1 ||
		    voucher_state(a, list, voucher, &vs, err) == -1)
			return -1;
		if (vs != POL_VOUCHER_ACTIVE)
			return pd_fail(err, PD_REFUSED, "%s cannot vouch: it is "
			    "not an active member of %s", voucher, list);
		set_field(rec, changed, "vouched-by", json_string(voucher));
	}
	if (o->org != NULL)
		set_field(rec, changed, "org", json_string(o->org));
	if (o->category != NULL)
		set_field(rec, changed, "category", json_string(o->category));
	if (o->installed_base >= 0)
		set_field(rec, changed, "installed-base",
		    json_integer(o->installed_base));
	if (o->nevidence > 0)
		set_field(rec, changed, "evidence", str_array(o->evidence,
		    o->nevidence));
	if (o->agreed)
		set_field(rec, changed, "agreed", json_true());
	if (o->justification != NULL)
		set_field(rec, changed, "justification",
		    json_string(o->justification));
	if (json_object_size(changed) == 0)
		return pd_fail(err, PD_REFUSED, "nothing to change: give --role, "
		    "--org, --category, --installed-base, --vouched-by, "
		    "--evidence, --agreed or --justification");
	return 0;
}

static int
set_fn(struct admin *a, const char *list, const char *addr, const char *key,
    json_t *rec, void *arg, struct pd_err *err)
{
	struct member_set_arg *sa = arg;
	struct list *l = NULL;
	struct keyfacts kf;
	json_t *verdict = NULL, *detail;
	char now[32];
	int rc = -1;

	memset(&kf, 0, sizeof kf);
	if (apply_fields(a, list, sa->o, rec, sa->changed, err) == -1)
		return -1;
	/* Judged as member add judges, with the key the member has now. */
	json_object_del(rec, "vetting");
	if (list_open(a->store, a->conf->datadir, list, LIST_KEYS, &l,
	    err) == -1 || keys_facts(l->keys, json_str(rec, "fingerprint"), &kf,
	    err) == -1)
		goto out;
	if ((verdict = check_one(&kf, l->pol, rec, time(NULL))) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (!json_is_true(json_object_get(verdict, "ok"))) {
		char why[sizeof err->text] = "";
		size_t i, off = 0;
		json_t *r;

		json_array_foreach(json_object_get(verdict, "reasons"), i, r)
			if (off < sizeof why)
				off += (size_t)snprintf(why + off, sizeof why -
				    off, "%s%s", i ? "; " : "", json_str(r, "text"));
		pd_fail(err, PD_REFUSED, "%s refused: %s (nothing changed)",
		    addr, why);
		*sa->out = verdict;
		verdict = NULL;
		goto out;
	}
	iso_time(time(NULL), now);
	json_object_set_new(rec, "changed-at", json_string(now));
	json_object_set_new(rec, "changed-by", json_string(a->actor));
	detail = json_pack("{s:O}", "changed", sa->changed);
	rc = change_member(a, list, addr, key, rec, "member set",
	    &(struct catch_up){ 0, 0, detail, true }, err);
	json_decref(detail);
	/* what the caller prints: the record, and what changed in it */
	if (rc == 0 && (*sa->out = json_deep_copy(rec)) != NULL)
		json_object_set(*sa->out, "changed", sa->changed);
out:
	json_decref(verdict);
	keyfacts_clear(&kf);
	list_close(l);
	return rc;
}

int
admin_member_set(struct admin *a, const char *list,
    const struct admin_member_opts *o, json_t **out, struct pd_err *err)
{
	struct member_set_arg sa = { o, json_object(), out };
	int rc;

	*out = NULL;
	if (sa.changed == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	rc = with_member(a, list, o->address, "member set", set_fn, &sa, err);
	json_decref(sa.changed);
	return rc;
}

int
admin_member_ls(struct admin *a, const char *list, json_t **members,
    struct pd_err *err)
{
	return list_records(a, STORE_MEMBERS, list, members, err);
}

/*
 * Re-judges one stored member with its key's facts kf (NULL: not in the
 * keyring); returns its {address, ok, reasons} entry.
 */
static json_t *
check_one(const struct keyfacts *kf, const struct policy *pol, json_t *m,
    time_t now)
{
	struct pol_candidate pc;
	struct pol_verdict v;
	const char **ev = NULL;
	json_t *evj = json_object_get(m, "evidence"), *x, *res, *ib;
	size_t i, nev = json_array_size(evj);

	memset(&pc, 0, sizeof pc);
	ev = calloc(nev + 1, sizeof *ev);
	json_array_foreach(evj, i, x)
		if (ev != NULL)
			ev[i] = json_string_value(x);
	pc.address = json_str(m, "address");
	pol_role_parse(json_str(m, "role"), &pc.role);
	pc.org = json_string_value(json_object_get(m, "org"));
	pc.category = json_string_value(json_object_get(m, "category"));
	ib = json_object_get(m, "installed-base");
	pc.installed_base = ib ? (long)json_integer_value(ib) : -1;
	pc.justification = json_string_value(json_object_get(m, "justification"));
	pc.vouched_by = json_string_value(json_object_get(m, "vouched-by"));
	/* Vouching happened at admission: the voucher need not stay. */
	pc.voucher = pc.vouched_by ? POL_VOUCHER_ACTIVE : POL_VOUCHER_NONE;
	pc.evidence = ev;
	pc.nevidence = ev ? nev : 0;
	pc.agreed = json_is_true(json_object_get(m, "agreed"));
	pc.key = kf;
	pol_eligible(&pc, pol, now, &v);
	res = verdict_json(pc.address, &v);
	json_object_set_new(res, "ok", json_boolean(v.allow));
	if (json_object_get(m, "vetting") != NULL) {	/* imported, unjudged */
		json_array_append_new(json_object_get(res, "reasons"),
		    json_pack("{s:s, s:O}", "rule", "vetting", "text",
		    json_object_get(m, "vetting")));
		json_object_set_new(res, "ok", json_false());
	}
	json_object_set(res, "role", json_object_get(m, "role"));
	json_object_set(res, "state", json_object_get(m, "state"));
	json_object_set(res, "fingerprint", json_object_get(m, "fingerprint"));
	if (v.allow && strcmp(kf->sub[v.enc_subkey].fpr,
	    json_str(m, "encryption-subkey")) != 0)
		json_object_set_new(res, "encryption-subkey-now",
		    json_string(kf->sub[v.enc_subkey].fpr));
	free(ev);
	return res;
}

int
admin_member_check(struct admin *a, const char *list_in, json_t **out,
    bool *all_ok, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct list *l = NULL;
	struct store_txn *t = NULL;
	json_t *members = NULL, *m, *failing = NULL;
	struct keyfacts *facts = NULL;
	time_t now = time(NULL);
	size_t i, nfacts = 0;
	int rc = -1;

	*out = NULL;
	*all_ok = true;
	if (admin_member_ls(a, list_in, &members, err) == -1)
		return -1;
	addr_normalize(list_in, list, err);
	if (list_open(a->store, a->conf->datadir, list, LIST_KEYS, &l,
	    err) == -1 ||
	    keys_facts_all(l->keys, &facts, &nfacts, err) == -1 ||
	    (*out = json_array()) == NULL || (failing = json_array()) == NULL)
		goto out;
	/* The keyring is listed once: a lookup per member starts gpg each. */
	json_array_foreach(members, i, m) {
		json_t *r = check_one(keys_facts_find(facts, nfacts,
		    json_str(m, "fingerprint")), l->pol, m, now);

		if (r == NULL) {
			pd_fail(err, PD_FAIL, "out of memory");
			goto out;
		}
		if (!json_is_true(json_object_get(r, "ok"))) {
			*all_ok = false;
			json_array_append(failing, json_object_get(r, "address"));
		}
		json_array_append_new(*out, r);
	}
	/* The check decides about members: it lands in the audit log. */
	m = json_pack("{s:I, s:O}", "checked", (json_int_t)json_array_size(*out),
	    "failing", failing);
	if (store_begin(a->store, true, &t, err) == -1 ||
	    audit_done(a, t, list, "member check", *all_ok ? "all pass" :
	    "some fail", m, err) == -1) {
		json_decref(m);
		goto out;
	}
	json_decref(m);
	rc = store_commit(t, err);
	t = NULL;
out:
	store_abort(t);
	if (rc == -1) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(failing);
	json_decref(members);
	keys_facts_free_all(facts, nfacts);
	list_close(l);
	return rc;
}

