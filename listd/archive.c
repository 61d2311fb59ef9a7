/*
 * listd/archive.c: the public advisory archive (see archive.h): what is
 * due, and one advisory's files.  The index and the feed are in
 * archive_index.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/keys.h"
#include "listd/advisory_int.h"
#include "listd/advrecord.h"
#include "listd/archive.h"
#include "listd/archive_int.h"
#include "listd/list.h"
#include "listd/msg.h"
#include "listd/record.h"

#define ARCHIVE_MODE	0644	/* public: it is an archive for everyone */

int
archive_write(const char *dir, const char *name, const char *data,
    size_t len, struct pd_err *err)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path)
		return pd_fail(err, PD_FAIL, "%s/%s: name too long", dir, name);
	return write_file_atomic(path, data, len, ARCHIVE_MODE, err);
}

int
archive_mem_open(struct archive_mem *m, struct pd_err *err)
{
	m->data = NULL;
	m->len = 0;
	if ((m->f = open_memstream(&m->data, &m->len)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	return 0;
}

int
archive_mem_write(struct archive_mem *m, const char *dir, const char *name,
    struct pd_err *err)
{
	int rc;

	if (fclose(m->f) != 0) {
		free(m->data);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	rc = archive_write(dir, name, m->data, m->len, err);
	free(m->data);
	return rc;
}

/* An id or a file name safe as one path component. */
bool
archive_safe_name(const char *s)
{
	return s[0] != '\0' && s[0] != '.' && strlen(s) < 128 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.+") == strlen(s);
}

/* One safe path component of name (see archive_patch_name()). */
static void
safe_name(const char *name, size_t i, char out[160])
{
	const char *base = name, *p;
	size_t k;

	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	snprintf(out, 160, "%s", base);
	for (k = 0; out[k] != '\0'; k++)
		if (!isalnum((unsigned char)out[k]) &&
		    strchr("-_.+", out[k]) == NULL)
			out[k] = '_';
	if (out[0] == '.')
		out[0] = '_';
	if (!archive_safe_name(out))
		snprintf(out, 160, "attachment-%zu", i + 1);
}

void
archive_patch_name(const json_t *patches, size_t i, char out[180])
{
	char mine[160], other[160];
	size_t k;

	safe_name(json_string_value(json_object_get(json_array_get(patches, i),
	    "name")) ?: "", i, mine);
	snprintf(out, 180, "%s", mine);
	for (k = 0; k < i; k++) {
		safe_name(json_string_value(json_object_get(json_array_get(
		    patches, k), "name")) ?: "", k, other);
		if (strcmp(other, mine) == 0) {
			snprintf(out, 180, "%zu-%s", i + 1, mine);
			return;
		}
	}
}

long
archive_content_revision(const json_t *record)
{
	const json_t *v;
	long rev = 0;
	size_t i;

	json_array_foreach(json_object_get(record, "revisions"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "outcome")) ?: "",
		    "published") == 0)
			rev = (long)json_integer_value(json_object_get(v,
			    "revision"));
	return rev;
}

static int
make_dir(const char *dir, struct pd_err *err)
{
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", dir,
		    strerror(errno));
	return 0;
}

/* The attachments into DIR/ID/revision-N/, named as the record's
   patches are (the same content, in the same order). */
static int
write_patches(const char *adir, long revision, const struct msg_leaves *files,
    const json_t *rec, struct pd_err *err)
{
	char pdir[4300], name[180];
	size_t i;

	snprintf(pdir, sizeof pdir, "%s/revision-%ld", adir, revision);
	if (files->n > 0 && make_dir(pdir, err) == -1)
		return -1;
	for (i = 0; i < files->n; i++) {
		archive_patch_name(json_object_get(rec, "patches"), i, name);
		if (archive_write(pdir, name, files->v[i].bytes,
		    files->v[i].len, err) == -1)
			return -1;
	}
	return 0;
}

/* The record in its three forms. */
static int
write_records(const char *adir, const json_t *rec, struct pd_err *err)
{
	static const char *const forms[][2] = {
		{ "json", "record.json" }, { "xml", "record.xml" },
		{ "text", "record.txt" },
	};
	struct archive_mem m;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (archive_mem_open(&m, err) == -1)
			return -1;
		if (advrec_write(rec, forms[i][0], m.f, err) == -1) {
			fclose(m.f);
			free(m.data);
			return -1;
		}
		if (archive_mem_write(&m, adir, forms[i][1], err) == -1)
			return -1;
	}
	return 0;
}

/* The signed public copy of post, as the public addresses receive it. */
static int
signed_copy(struct list *l, const char *post, const char *payload,
    size_t len, char **copy, size_t *clen, struct pd_err *err)
{
	char key[POST_ID_MAX + 8], mid[POST_ID_MAX + ADDR_MAX + 16], *sig = NULL;
	char *subject = NULL;
	struct store_txn *t;
	struct post p;
	size_t slen = 0, sublen = 0;
	bool found;
	int rc;

	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	snprintf(key, sizeof key, "%s.sig", post);
	rc = post_get(t, false, l->address, post, &p, &found, err);
	if (rc == 0)
		rc = store_get_bytes(t, STORE_MESSAGES, key, &sig, &slen, err);
	store_abort(t);
	if (rc == 0 && (!found || sig == NULL))
		rc = pd_fail(err, PD_FAIL, "post %s: its signature is gone", post);
	if (rc == 0 && p.subject_sealed[0] != '\0')
		rc = keys_unseal(l->keys, p.subject_sealed,
		    strlen(p.subject_sealed), &subject, &sublen, err);
	snprintf(mid, sizeof mid, "%s.archive@%s", post,
	    strrchr(l->address, '@') + 1);
	if (rc == 0)
		rc = msg_signed_copy(&(struct msg_copy){ .list = l->address,
		    .to = l->npublic > 0 ? l->public[0] : l->address,
		    .subject = subject ? subject : p.subject, .message_id = mid,
		    .precedence = true }, payload, len, sig, slen, p.micalg,
		    copy, clen, err);
	wipe_free(subject, sublen);
	free(sig);
	post_clear(&p);
	return rc;
}

/* Advisory id's files, from its public copy post (revision rev). */
static int
publish(struct list *l, const char *dir, const char *id, long rev,
    struct pd_err *err)
{
	char adir[4200], name[64], post[POST_ID_MAX], *payload = NULL;
	char *copy = NULL;
	struct msg_leaves files = { NULL, 0 };
	size_t len = 0, clen = 0;
	json_t *rec = NULL;
	bool public;
	int rc;

	snprintf(adir, sizeof adir, "%s/%s", dir, id);
	rc = advrec_content(l, id, post, &public, &payload, &len, &files, err);
	if (rc == 0 && !public)	/* cannot be: its post was found public */
		rc = pd_fail(err, PD_FAIL, "%s: no public copy", id);
	if (rc == 0)
		rc = advrec_build(l, id, &rec, err);
	if (rc == 0)
		rc = signed_copy(l, post, payload, len, &copy, &clen, err);
	if (rc == 0)
		rc = make_dir(adir, err);
	if (rc == 0)
		rc = write_patches(adir, rev, &files, rec, err);
	if (rc == 0)
		rc = write_records(adir, rec, err);
	snprintf(name, sizeof name, "revision-%ld.eml", rev);
	if (rc == 0)	/* last: it says the rest is there */
		rc = archive_write(adir, name, copy, clen, err);
	wipe_free(payload, len);
	msg_leaves_free(&files);
	free(copy);
	json_decref(rec);
	return rc;
}

/* Whether DIR/ID/revision-N.eml is there. */
static bool
archived(const char *dir, const char *id, long rev)
{
	char path[4300];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s/revision-%ld.eml", dir, id, rev);
	return stat(path, &st) == 0;
}

/*
 * The revision of advisory record a's latest public event (a release, a
 * public revision): the copy the archive should hold; 0 for none.
 */
static long
latest_public(const json_t *a)
{
	const json_t *r;
	long rev = 0;
	size_t i;

	json_array_foreach(json_object_get(a, "revisions"), i, r)
		if (strcmp(adv_str(r, "action"), "release") == 0 ||
		    strcmp(adv_str(r, "action"), "publish") == 0)
			rev = (long)json_integer_value(json_object_get(r,
			    "revision"));
	return rev;
}

/*
 * The public advisories of list (their ids in a new *ids) and those of
 * them whose latest public copy the archive in dir lacks (in a new *due):
 * found from the records and the directory alone, so that a run with
 * nothing new opens no content.
 */
static int
public_ids(struct store *st, const char *list, const char *dir, json_t **ids,
    json_t **due, struct pd_err *err)
{
	json_t *all = NULL, *a;
	const char *id;
	size_t i;
	long rev;

	if (store_values(st, STORE_ADVISORIES, list, &all, err) == -1)
		return -1;
	*ids = json_array();
	*due = json_array();
	json_array_foreach(all, i, a) {
		id = adv_str(a, "id");
		if (strcmp(adv_str(a, "state"), "public") != 0 ||
		    !archive_safe_name(id))
			continue;
		json_array_append_new(*ids, json_string(id));
		if ((rev = latest_public(a)) > 0 && !archived(dir, id, rev))
			json_array_append_new(*due, json_string(id));
	}
	json_decref(all);
	return 0;
}

/*
 * One list: what is due into dir (its public copy signed by fan-out by
 * now; otherwise the next run), then its index and feed.
 */
static int
publish_list(const struct conf *conf, struct store *st, const char *list,
    const char *dir, unsigned *n, struct pd_err *err)
{
	char post[POST_ID_MAX];
	json_t *ids = NULL, *due = NULL, *v;
	struct list *l = NULL;
	const char *id;
	unsigned before = *n;
	size_t i;
	long rev;
	int rc;

	if (public_ids(st, list, dir, &ids, &due, err) == -1)
		return -1;
	rc = json_array_size(due) == 0 ? 0 : list_open(st, conf->datadir, list,
	    LIST_KEYS, &l, err);
	json_array_foreach(due, i, v) {
		if (rc == -1)
			break;
		id = json_string_value(v);
		if ((rc = advrec_public_post(l, id, post, &rev, err)) == -1 ||
		    post[0] == '\0' || archived(dir, id, rev))
			continue;
		if ((rc = publish(l, dir, id, rev, err)) == 0)
			++*n;
	}
	list_close(l);
	if (rc == 0 && (*n > before || !archive_index_exists(dir)))
		rc = archive_index(list, dir, ids, err);
	json_decref(ids);
	json_decref(due);
	return rc;
}

int
archive_publish_due(const struct conf *conf, struct store *st, unsigned *n,
    struct pd_err *err)
{
	json_t *lists = NULL, *lrec;
	const char *dir;
	size_t i;
	int rc = 0;

	*n = 0;
	if (store_values(st, STORE_LISTS, NULL, &lists, err) == -1)
		return -1;
	json_array_foreach(lists, i, lrec) {
		dir = adv_str(lrec, "publish-dir");
		if (dir[0] != '\0' && (rc = publish_list(conf, st, adv_str(lrec,
		    "address"), dir, n, err)) == -1)
			break;
	}
	json_decref(lists);
	return rc;
}
