/* listd/admin.c: see admin.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "listd/admin.h"
#include "listd/advisory.h"
#include "listd/jobs.h"
#include "listd/inbox.h"
#include "listd/reporter.h"
#include "listd/store.h"
#include "policy/policy.h"

struct admin {
	const struct conf *conf;
	struct store	*store;
	char		 actor[128];	/* who the audit log names */
	char		 unix_user[64];	/* who ran the command, always */
};

/* Paths of one list's own files under the datadir. */
struct list_paths {
	char	dir[1024];
	char	home[1100];	/* GnuPG home, mode 0700 */
	char	policy[1100];	/* the list's copy of its profile */
	char	lock[1100];
};

static void
list_paths(const struct admin *a, const char *list, struct list_paths *p)
{
	snprintf(p->dir, sizeof p->dir, "%s/lists/%s", a->conf->datadir, list);
	snprintf(p->home, sizeof p->home, "%s/gnupg", p->dir);
	snprintf(p->policy, sizeof p->policy, "%s/policy.conf", p->dir);
	snprintf(p->lock, sizeof p->lock, "%s/lock", p->dir);
}

static void
iso_now(char buf[32])
{
	iso_time(time(NULL), buf);
}

int
admin_open(const struct conf *conf, const char *actor, struct admin **out,
    struct pd_err *err)
{
	struct admin *a;
	struct passwd *pw;

	*out = NULL;
	if (keys_init(err) == -1)
		return -1;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	a->conf = conf;
	if ((pw = getpwuid(getuid())) != NULL)
		snprintf(a->unix_user, sizeof a->unix_user, "%s", pw->pw_name);
	else
		snprintf(a->unix_user, sizeof a->unix_user, "uid %u",
		    (unsigned)getuid());
	snprintf(a->actor, sizeof a->actor, "%s", actor ? actor : a->unix_user);
	if (store_open(conf->datadir, conf->store_map_mib, &a->store, err) == -1) {
		free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void
admin_close(struct admin *a)
{
	if (a == NULL)
		return;
	store_close(a->store);
	free(a);
}

/* ---- audit ---------------------------------------------------------- */

static json_t *
audit_entry(const struct admin *a, const char *list, const char *action,
    const char *subject)
{
	char now[32];

	iso_now(now);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "time", now,
	    "list", list, "actor", a->actor, "unix-user", a->unix_user,
	    "action", action, "subject", subject ? subject : "");
}

/*
 * Records a refusal in its own transaction.  The refusal itself is what the
 * caller reports; a failure to record it is logged into err only when err
 * holds nothing more useful.
 */
static void
audit_refusal(struct admin *a, const char *list, const char *action,
    const char *subject, const struct pd_err *why, json_t *detail)
{
	struct store_txn *t;
	struct pd_err e2;
	json_t *e;

	if ((e = audit_entry(a, list, action, subject)) == NULL)
		return;
	json_object_set_new(e, "outcome", json_string("refused"));
	json_object_set_new(e, "reason", json_string(why->text));
	if (detail != NULL)
		json_object_set(e, "detail", detail);
	if (store_begin(a->store, true, &t, &e2) == 0) {
		if (store_audit(t, e, &e2) == 0)
			store_commit(t, &e2);
		else
			store_abort(t);
	}
	json_decref(e);
}

/* Appends a "done" entry to the audit log inside t. */
static int
audit_done(struct admin *a, struct store_txn *t, const char *list,
    const char *action, const char *subject, json_t *detail,
    struct pd_err *err)
{
	json_t *e;
	int rc;

	if ((e = audit_entry(a, list, action, subject)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	json_object_set_new(e, "outcome", json_string("done"));
	if (detail != NULL)
		json_object_set(e, "detail", detail);
	rc = store_audit(t, e, err);
	json_decref(e);
	return rc;
}

/* ---- small helpers -------------------------------------------------- */

/* Reads one record in its own read transaction; *out NULL when absent. */
static int
get_record(struct admin *a, enum store_db db, const char *key, json_t **out,
    struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = store_get(t, db, key, out, err);
	store_abort(t);
	return rc;
}

static int
need_list(struct admin *a, const char *list, json_t **rec, struct pd_err *err)
{
	if (get_record(a, STORE_LISTS, list, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "no list %s: create it with "
		    "listctl list create", list);
	return 0;
}

/* Takes the list's lock (held until *fd is closed): one change at a time. */
static int
lock_list(struct admin *a, const char *list, int *fd, struct pd_err *err)
{
	struct list_paths p;

	list_paths(a, list, &p);
	if ((*fd = open(p.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return pd_fail(err, PD_FAIL, "cannot open %s: %s", p.lock,
		    strerror(errno));
	while (flock(*fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			close(*fd);
			*fd = -1;
			return pd_fail(err, PD_FAIL, "cannot lock %s: %s", p.lock,
			    strerror(errno));
		}
	return 0;
}

static const char *
json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static json_t *
str_array(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

/* Writes data to path atomically: temporary file, fsync, rename. */
static int
write_file_atomic(const char *path, const char *data, size_t len,
    struct pd_err *err)
{
	char tmp[1200];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", tmp,
		    strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) == -1) {
		pd_fail(err, PD_FAIL, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return pd_fail(err, PD_FAIL, "cannot rename %s: %s", tmp,
		    strerror(errno));
	}
	return 0;
}

/* ---- lists ---------------------------------------------------------- */

/* Finds the profile: a NAME in policy-dir, or a file path. */
static void
policy_path(const struct admin *a, const char *policy, char *buf, size_t len)
{
	if (strchr(policy, '/') != NULL || strstr(policy, ".conf") != NULL)
		snprintf(buf, len, "%s", policy);
	else
		snprintf(buf, len, "%s/%s.conf", a->conf->policy_dir, policy);
}

static int
load_policy_file(const char *path, struct policy **pol, struct pd_err *err)
{
	char perr[512];

	if (pol_load(path, pol, perr, sizeof perr) == -1)
		return pd_fail(err, PD_REFUSED, "policy refused: %s", perr);
	return 0;
}

static int
load_list_policy(struct admin *a, const char *list, struct policy **pol,
    struct pd_err *err)
{
	struct list_paths p;

	list_paths(a, list, &p);
	return load_policy_file(p.policy, pol, err);
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

	list_paths(a, list, &p);
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
	if (write_file_atomic(p.policy, profile_text, profile_len, err) == -1)
		goto out;
	if (o->keyfile != NULL && keys_blob_read(o->keyfile, &blob, err) == -1)
		goto out;
	if (keys_open(p.home, 1, &k, err) == -1)
		goto out;
	if (o->keyfile != NULL)
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

	list_paths(a, list, &p);
	keys_stop_agent(p.home);
	rm_tree(p.dir);
}

static json_t *
list_record(const struct admin *a, const char *list,
    const struct admin_list_opts *o, const struct policy *pol,
    const char *profile, const char *fpr, const char *publics[])
{
	char now[32];

	iso_now(now);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}",
	    "address", list, "policy", pol->name, "policy-source", profile,
	    "fingerprint", fpr, "public", str_array(publics, o->npublic),
	    "created-at", now, "created-by", a->actor);
}

static int
normalize_all(const char *const *in, size_t n, char (*out)[ADDR_MAX + 1],
    const char **ptrs, struct pd_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (addr_normalize(in[i], out[i], err) == -1)
			return -1;
		ptrs[i] = out[i];
	}
	return 0;
}

static int
create_list(struct admin *a, const struct admin_list_opts *o, const char *list,
    json_t **record, struct pd_err *err)
{
	char profile[1100], fpr[41] = "";
	char (*pubs)[ADDR_MAX + 1] = NULL;
	const char **pubp = NULL;
	struct policy *pol = NULL;
	struct store_txn *t = NULL;
	char *text = NULL;
	size_t len;
	json_t *rec = NULL;
	bool made = false;
	int rc = -1;

	pubs = calloc(o->npublic + 1, sizeof *pubs);
	pubp = calloc(o->npublic + 1, sizeof *pubp);
	if (pubs == NULL || pubp == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (normalize_all(o->public, o->npublic, pubs, pubp, err) == -1)
		goto out;
	if (get_record(a, STORE_LISTS, list, &rec, err) == -1)
		goto out;
	if (rec != NULL) {
		pd_fail(err, PD_REFUSED, "list %s exists", list);
		goto out;
	}
	policy_path(a, o->policy, profile, sizeof profile);
	if (read_file(profile, 1 << 20, &text, &len, err) == -1 ||
	    load_policy_file(profile, &pol, err) == -1) {
		err->status = PD_REFUSED;
		goto out;
	}
	if (make_list_files(a, o, list, text, len, fpr, &made, err) == -1)
		goto out;
	if ((rec = list_record(a, list, o, pol, profile, fpr, pubp)) == NULL) {
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
	pol_free(pol);
	free(text);
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

static int
collect(const char *key, json_t *value, void *arg)
{
	(void)key;
	return json_array_append(arg, value);
}

int
admin_list_ls(struct admin *a, json_t **lists, struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	if ((*lists = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = store_scan(t, STORE_LISTS, "", collect, *lists, err);
	store_abort(t);
	return rc;
}

/* Collects the records of one list in db (keyed list "\x1f" ...). */
static int
scan_list(struct admin *a, enum store_db db, const char *list, json_t *arr,
    struct pd_err *err)
{
	struct store_txn *t;
	char prefix[STORE_KEY_MAX];
	int rc;

	store_member_key(list, "", prefix);
	if (store_begin(a->store, false, &t, err) == -1)
		return -1;
	rc = store_scan(t, db, prefix, collect, arr, err);
	store_abort(t);
	return rc;
}

static int
scan_members(struct admin *a, const char *list, json_t *arr, struct pd_err *err)
{
	return scan_list(a, STORE_MEMBERS, list, arr, err);
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
	if ((members = json_array()) == NULL ||
	    scan_members(a, list, members, err) == -1) {
		json_decref(members);
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

/* ---- members -------------------------------------------------------- */

/* What member add has gathered about its candidate. */
struct candidate {
	char			 list[ADDR_MAX + 1];
	char			 address[ADDR_MAX + 1];
	char			 voucher[ADDR_MAX + 1];
	enum pol_role		 role;
	struct keyfacts		 key;
	struct pol_candidate	 pc;
	struct pol_verdict	 verdict;
};

static int
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

static enum pol_voucher
voucher_state(const json_t *rec)
{
	if (rec == NULL)
		return POL_VOUCHER_UNKNOWN;
	return strcmp(json_str(rec, "state"), "active") == 0 ?
	    POL_VOUCHER_ACTIVE : POL_VOUCHER_SUSPENDED;
}

static json_t *
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

/* All the policy's reasons on one line. */
static int
refuse_verdict(const struct candidate *c, struct pd_err *err)
{
	char line[sizeof err->text];
	size_t i, off;

	line[0] = '\0';
	for (i = 0, off = 0; i < c->verdict.n && off < sizeof line; i++)
		off += (size_t)snprintf(line + off, sizeof line - off, "%s%s",
		    i ? "; " : "", c->verdict.reason[i].text);
	return pd_fail(err, PD_REFUSED, "%s", line);
}

static json_t *
member_record(const struct admin *a, const struct admin_member_opts *o,
    const struct candidate *c)
{
	const struct kf_subkey *enc = &c->key.sub[c->verdict.enc_subkey];
	char now[32], expires[32] = "never";
	json_t *r;

	iso_now(now);
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

static bool
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

/*
 * What a new member missed: the embargoed advisories (with backfill), or
 * for a reporter the team's replies that waited for its key.
 */
static int
catch_up(struct store_txn *t, const struct candidate *c, json_t *rec,
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
	    catch_up(t, c, rec, backfill, err) == -1 ||
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
	struct list_paths p;
	struct keys *k = NULL;
	struct keys_blob blob = { 0 };
	struct policy *pol = NULL;
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
	if (c->pc.vouched_by != NULL) {
		store_member_key(c->list, c->voucher, key);
		if (get_record(a, STORE_MEMBERS, key, &rec, err) == -1)
			goto out;
		c->pc.voucher = voucher_state(rec);
		json_decref(rec);
		rec = NULL;
	}
	list_paths(a, c->list, &p);
	if (load_list_policy(a, c->list, &pol, err) == -1 ||
	    keys_blob_read(o->keyfile, &blob, err) == -1 ||
	    keys_open(p.home, 0, &k, err) == -1 ||
	    keys_inspect(k, &blob, &c->key, err) == -1)
		goto out;
	pol_eligible(&c->pc, pol, time(NULL), &c->verdict);
	if (!c->verdict.allow) {
		*out = verdict_json(c->address, &c->verdict);
		refuse_verdict(c, err);
		goto out;
	}
	if (keys_import(k, &blob, c->key.sub[0].fpr, err) == -1)
		goto out;
	if ((rec = member_record(a, o, c)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
	} else if (commit_member(a, c, rec, pol->backfill_new_members,
	    err) == 0) {
		*out = rec;
		rec = NULL;
		rc = 0;
	}
	if (rc == -1 && !fpr_in_use(a, c->list, c->key.sub[0].fpr, c->address))
		keys_delete(k, c->key.sub[0].fpr, NULL);
out:
	json_decref(rec);
	keys_close(k);
	keys_blob_free(&blob);
	pol_free(pol);
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

/* Replaces (or, with rec NULL, deletes) a member record with its audit. */
static int
change_member(struct admin *a, const char *list, const char *address,
    const char *key, json_t *rec, const char *action, struct pd_err *err)
{
	struct store_txn *t;

	if (store_begin(a->store, true, &t, err) == -1)
		return -1;
	if ((rec != NULL ? store_put(t, STORE_MEMBERS, key, rec, false, err) :
	    store_del(t, STORE_MEMBERS, key, err)) == -1 ||
	    audit_done(a, t, list, action, address, NULL, err) == -1) {
		store_abort(t);
		return -1;
	}
	return store_commit(t, err);
}

/* Runs fn on an existing member of an existing list, under the list lock. */
typedef int (*member_fn)(struct admin *, const char *list, const char *addr,
    const char *key, json_t *rec, void *arg, struct pd_err *err);

static int
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
	if (change_member(a, list, addr, key, NULL, "member remove", err) == -1)
		return -1;
	/* The record is gone; a key left behind in the keyring is harmless. */
	list_paths(a, list, &p);
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

static int
state_fn(struct admin *a, const char *list, const char *addr, const char *key,
    json_t *rec, void *arg, struct pd_err *err)
{
	const char *want = *(bool *)arg ? "active" : "suspended";
	char now[32];

	if (strcmp(json_str(rec, "state"), want) == 0)
		return pd_fail(err, PD_REFUSED, "%s is already %s", addr, want);
	iso_now(now);
	json_object_set_new(rec, "state", json_string(want));
	json_object_set_new(rec, "state-changed-at", json_string(now));
	json_object_set_new(rec, "state-changed-by", json_string(a->actor));
	return change_member(a, list, addr, key, rec, *(bool *)arg ?
	    "member resume" : "member suspend", err);
}

int
admin_member_set_state(struct admin *a, const char *list, const char *address,
    bool active, struct pd_err *err)
{
	return with_member(a, list, address, active ? "member resume" :
	    "member suspend", state_fn, &active, err);
}

/* The records of an existing list in db. */
static int
list_records(struct admin *a, enum store_db db, const char *list_in,
    json_t **out, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	json_t *lrec = NULL;
	int rc;

	*out = NULL;
	if (addr_normalize(list_in, list, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1)
		return -1;
	json_decref(lrec);
	if ((*out = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if ((rc = scan_list(a, db, list, *out, err)) == -1) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int
admin_member_ls(struct admin *a, const char *list, json_t **members,
    struct pd_err *err)
{
	return list_records(a, STORE_MEMBERS, list, members, err);
}

/*
 * Held records keep their subject sealed to the list's key (process.c):
 * opened here, for the moderator's eyes only, into "subject".
 */
static int
unseal_subjects(struct admin *a, const char *list_in, json_t *held,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1], *plain;
	struct list_paths p;
	struct keys *k = NULL;
	struct pd_err ignore;
	const char *sealed;
	json_t *h;
	size_t i, len;

	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	list_paths(a, list, &p);
	if (keys_open(p.home, 0, &k, err) == -1)
		return -1;
	json_array_foreach(held, i, h) {
		sealed = json_str(h, "subject-sealed");
		if (sealed[0] == '\0')
			continue;
		if (keys_unseal(k, sealed, strlen(sealed), &plain, &len,
		    &ignore) == -1) {
			json_object_set_new(h, "subject", json_string("(its seal "
			    "does not open)"));
			continue;
		}
		json_object_set_new(h, "subject", json_stringn(plain, len));
		json_object_del(h, "subject-sealed");
		keys_plain_free(plain, len);
	}
	keys_close(k);
	return 0;
}

int
admin_held_ls(struct admin *a, const char *list, json_t **held,
    struct pd_err *err)
{
	if (list_records(a, STORE_HELD, list, held, err) == -1)
		return -1;
	if (unseal_subjects(a, list, *held, err) == -1) {
		json_decref(*held);
		*held = NULL;
		return -1;
	}
	return 0;
}

int
admin_queue(struct admin *a, const char *list, json_t **jobs,
    struct pd_err *err)
{
	json_t *all, *j, *out;
	size_t i;

	*jobs = NULL;
	if (list_records(a, STORE_JOBS, list, &all, err) == -1)
		return -1;
	if ((out = json_array()) == NULL) {
		json_decref(all);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	json_array_foreach(all, i, j)
		if (strcmp(json_str(j, "state"), "sent") != 0)
			json_array_append(out, j);
	json_decref(all);
	*jobs = out;
	return 0;
}

/* One record of an existing list in db, by id; what names it in errors. */
static int
record_by_id(struct admin *a, enum store_db db, const char *list_in,
    const char *id, const char *what, const char *ls, json_t **rec,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1], key[STORE_KEY_MAX];
	json_t *lrec = NULL;

	*rec = NULL;
	if (addr_normalize(list_in, list, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1)
		return -1;
	json_decref(lrec);
	store_member_key(list, id, key);
	if (get_record(a, db, key, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "no %s %s on %s: see listctl %s "
		    "ls %s", what, id, list, ls, list);
	return 0;
}

int
admin_held_show(struct admin *a, const char *list, const char *id,
    json_t **rec, struct pd_err *err)
{
	json_t *one;
	int rc;

	if (record_by_id(a, STORE_HELD, list, id, "held message", "held", rec,
	    err) == -1)
		return -1;
	if ((one = json_pack("[O]", *rec)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if ((rc = unseal_subjects(a, list, one, err)) == -1) {
		json_decref(*rec);
		*rec = NULL;
	}
	json_decref(one);
	return rc;
}

/* Re-judges one stored member; returns its {address, ok, reasons} entry. */
static json_t *
check_one(struct keys *k, const struct policy *pol, json_t *m, time_t now)
{
	struct pol_candidate pc;
	struct pol_verdict v;
	struct keyfacts kf = { 0 };
	struct pd_err kerr = { 0 };
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
	if (keys_facts(k, json_str(m, "fingerprint"), &kf, &kerr) == 0)
		pc.key = &kf;
	pol_eligible(&pc, pol, now, &v);
	res = verdict_json(pc.address, &v);
	json_object_set_new(res, "ok", json_boolean(v.allow));
	json_object_set(res, "role", json_object_get(m, "role"));
	json_object_set(res, "state", json_object_get(m, "state"));
	json_object_set(res, "fingerprint", json_object_get(m, "fingerprint"));
	if (v.allow && strcmp(kf.sub[v.enc_subkey].fpr,
	    json_str(m, "encryption-subkey")) != 0)
		json_object_set_new(res, "encryption-subkey-now",
		    json_string(kf.sub[v.enc_subkey].fpr));
	keyfacts_clear(&kf);
	free(ev);
	return res;
}

int
admin_member_check(struct admin *a, const char *list_in, json_t **out,
    bool *all_ok, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct list_paths p;
	struct policy *pol = NULL;
	struct keys *k = NULL;
	struct store_txn *t = NULL;
	json_t *members = NULL, *m, *failing = NULL;
	time_t now = time(NULL);
	size_t i;
	int rc = -1;

	*out = NULL;
	*all_ok = true;
	if (admin_member_ls(a, list_in, &members, err) == -1)
		return -1;
	addr_normalize(list_in, list, err);
	list_paths(a, list, &p);
	if (load_list_policy(a, list, &pol, err) == -1 ||
	    keys_open(p.home, 0, &k, err) == -1 ||
	    (*out = json_array()) == NULL || (failing = json_array()) == NULL)
		goto out;
	json_array_foreach(members, i, m) {
		json_t *r = check_one(k, pol, m, now);

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
	keys_close(k);
	pol_free(pol);
	return rc;
}

struct audit_filter {
	const char	*list;
	const char	*advisory;	/* or NULL */
	json_t		*out;
};

/* Whether an audit entry is about the advisory (its subject or detail). */
static bool
about(const json_t *e, const char *advisory)
{
	const json_t *d = json_object_get(e, "detail");

	return strcmp(json_str(e, "subject"), advisory) == 0 ||
	    strcmp(json_str(d, "advisory"), advisory) == 0 ||
	    strcmp(json_str(json_object_get(d, "keywords"), "advisory"),
	    advisory) == 0;
}

static int
audit_collect(const char *key, json_t *value, void *arg)
{
	struct audit_filter *f = arg;

	(void)key;
	if (strcmp(json_str(value, "list"), f->list) != 0 ||
	    (f->advisory != NULL && !about(value, f->advisory)))
		return 0;
	return json_array_append(f->out, value);
}

/* The ledger's copies of the advisory, as audit-like entries. */
static int
ledger_collect(const char *key, json_t *value, void *arg)
{
	struct audit_filter *f = arg;
	char what[64];

	(void)key;
	if (strcmp(json_str(value, "advisory"), f->advisory) != 0)
		return 0;
	snprintf(what, sizeof what, "revision %lld", (long long)
	    json_integer_value(json_object_get(value, "revision")));
	return json_array_append_new(f->out, json_pack("{s:O, s:O, s:s, s:s, "
	    "s:O, s:s, s:O, s:O}", "time", json_object_get(value, "time"),
	    "list", json_object_get(value, "list"), "actor", "listd", "action",
	    "copy accepted", "subject", json_object_get(value, "member"),
	    "outcome", what, "reason", json_object_get(value, "reply"),
	    "detail", value));
}

int
admin_audit(struct admin *a, const char *list_in, const char *advisory,
    json_t **entries, struct pd_err *err)
{
	char list[ADDR_MAX + 1], prefix[STORE_KEY_MAX];
	struct audit_filter f;
	struct store_txn *t;
	int rc;

	*entries = NULL;
	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	if ((f.out = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	f.list = list;
	f.advisory = advisory;
	if (store_begin(a->store, false, &t, err) == -1) {
		json_decref(f.out);
		return -1;
	}
	rc = store_audit_scan(t, audit_collect, &f, err);
	store_member_key(list, "", prefix);
	if (rc == 0 && advisory != NULL)
		rc = store_scan(t, STORE_LEDGER, prefix, ledger_collect, &f, err);
	store_abort(t);
	if (rc == -1)
		json_decref(f.out);
	else
		*entries = f.out;
	return rc;
}

int
admin_inject(struct admin *a, const char *list_in, const char *sender, int fd,
    char id[INBOX_ID_MAX], int *too_big, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	unsigned long max;
	char *buf = NULL;
	size_t len;
	int rc;

	*too_big = 0;
	if (addr_normalize(list_in, list, err) == -1 ||
	    intake_limit(a->store, a->conf->datadir, list, &max, err) == -1 ||
	    intake_read_fd(fd, max, &buf, &len, too_big, err) == -1)
		return -1;
	rc = intake_commit(a->store, a->conf->datadir, list, sender ? sender :
	    "", "inject", buf, len, id, err);
	free(buf);
	return rc;
}

int
admin_advisory_ls(struct admin *a, const char *list, json_t **out,
    struct pd_err *err)
{
	return list_records(a, STORE_ADVISORIES, list, out, err);
}

int
admin_advisory_show(struct admin *a, const char *list, const char *id,
    json_t **out, struct pd_err *err)
{
	return record_by_id(a, STORE_ADVISORIES, list, id, "advisory",
	    "advisory", out, err);
}

int
admin_advisory_release(struct admin *a, const char *list_in, const char *id,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1];

	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	if (adv_release_now(a->store, a->conf->datadir, list, id, a->actor,
	    "early release", err) == -1) {
		if (err->status == PD_REFUSED)
			audit_refusal(a, list, "advisory release", id, err, NULL);
		return -1;
	}
	return 0;
}

/* ---- moderation ----------------------------------------------------------- */

/* Takes the held record of id in t (refused when there is none). */
static int
take_held(struct admin *a, struct store_txn *t, const char *list,
    const char *id, json_t **rec, struct pd_err *err)
{
	char key[STORE_KEY_MAX];

	(void)a;
	store_member_key(list, id, key);
	if (store_get(t, STORE_HELD, key, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return pd_fail(err, PD_REFUSED, "no held message %s on %s (or it "
		    "was decided already): see listctl held ls %s", id, list,
		    list);
	return store_del(t, STORE_HELD, key, err);
}

static int
moderate(struct admin *a, const char *list_in, const char *id, bool approve,
    const char *reason, struct pd_err *err)
{
	char list[ADDR_MAX + 1], key[STORE_KEY_MAX], now[32], pid[64];
	struct store_txn *t = NULL;
	json_t *rec = NULL, *post = NULL, *detail;
	const char *reporter;
	size_t n = 0;
	int rc = -1;

	if (addr_normalize(list_in, list, err) == -1)
		return -1;
	iso_now(now);
	if (store_begin(a->store, true, &t, err) == -1)
		return -1;
	if (take_held(a, t, list, id, &rec, err) == -1)
		goto out;
	if (approve) {
		/* The held message itself goes on: its id is the post's. */
		post = json_pack("{s:s, s:s, s:s, s:s, s:b, s:O*, s:O, s:s, s:s}",
		    "id", id, "list", list, "kind", "approved", "state",
		    "decided", "moderated", 1, "subject-sealed",
		    json_object_get(rec, "subject-sealed"), "held-for",
		    json_object_get(rec, "reason"),
		    "approved-by", a->actor, "approved-at", now);
		store_member_key(list, id, key);
		if (post == NULL || jobs_for_members(t, list, id, NULL, NULL, &n,
		    err) == -1 || reporter_thread_start(t, list, rec, id, &reporter,
		    err) == -1)
			goto out;
		if (reporter != NULL)
			json_object_set_new(post, "reporter", json_string(reporter));
		if (store_put(t, STORE_POSTS, key, post, true, err) == -1)
			goto out;
	} else {
		if (store_del(t, STORE_MESSAGES, id, err) == -1)
			goto out;
		if (reason != NULL && json_string_length(json_object_get(rec,
		    "sender")) > 0 && make_id("reject-", pid, sizeof pid) == 0) {
			/* The sender hears the moderator's reason, signed. */
			post = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id",
			    pid, "list", list, "kind", "reject-notice", "state",
			    "decided", "subject", "Your message to the list was "
			    "rejected", "text", reason);
			json_t *to = json_pack("[O]", json_object_get(rec,
			    "sender"));

			store_member_key(list, pid, key);
			rc = post == NULL || to == NULL ? -1 : jobs_for_public(t,
			    list, pid, NULL, to, &n, err);
			json_decref(to);
			if (rc == -1 || store_put(t, STORE_POSTS, key, post, true,
			    err) == -1) {
				rc = -1;
				goto out;
			}
		}
	}
	detail = json_pack("{s:O, s:O, s:I, s:O*}", "held-for",
	    json_object_get(rec, "reason"), "from", json_object_get(rec, "from"),
	    "copies", (json_int_t)n, "reporter", json_object_get(post,
	    "reporter"));
	if (reason != NULL)
		json_object_set_new(detail, "reason", json_string(reason));
	rc = audit_done(a, t, list, approve ? "held approve" : "held reject",
	    id, detail, err);
	json_decref(detail);
	if (rc == 0) {
		rc = store_commit(t, err);
		t = NULL;
	}
out:
	store_abort(t);
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, approve ? "held approve" : "held reject",
		    id, err, NULL);
	json_decref(rec);
	json_decref(post);
	return rc;
}

int
admin_held_approve(struct admin *a, const char *list, const char *id,
    struct pd_err *err)
{
	return moderate(a, list, id, true, NULL, err);
}

int
admin_held_reject(struct admin *a, const char *list, const char *id,
    const char *reason, struct pd_err *err)
{
	return moderate(a, list, id, false, reason, err);
}
