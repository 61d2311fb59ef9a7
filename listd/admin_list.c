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
#include "policy/policy.h"

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

	list_paths(a->conf->datadir, list, &p);
	keys_stop_agent(p.home);
	rm_tree(p.dir);
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
	char profile[1100], fpr[41] = "", perr[512];
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
	/* The bytes judged are the bytes kept: read once. */
	if (read_file(profile, 1 << 20, &text, &len, err) == -1) {
		err->status = PD_REFUSED;
		goto out;
	}
	if (pol_load_text(profile, text, len, &pol, perr, sizeof perr) == -1) {
		pd_fail(err, PD_REFUSED, "policy refused: %s", perr);
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

int
admin_list_ls(struct admin *a, json_t **lists, struct pd_err *err)
{
	if ((*lists = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	return scan_list(a, STORE_LISTS, NULL, *lists, err);
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
	    scan_list(a, STORE_MEMBERS, list, members, err) == -1) {
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

