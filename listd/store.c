/* listd/store.c: see store.h.  The only file that includes lmdb.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "listd/store.h"
#include "listd/wake.h"

/* Less free space than this on the datadir's file system is none. */
#define STORE_FULL_SLACK	(1UL << 20)

struct store {
	MDB_env		*env;
	MDB_dbi		 dbi[STORE_NDB];
	unsigned long	 map_mib;
	bool		 quiet;		/* commits ring no daemon (wake.h) */
	char		 datadir[4096];	/* for messages */
	atomic_ulong	 reads;		/* records read (read_one()) */
};

#define SHED_EVERY	1024	/* records read between store_shed()s */

/*
 * A record read, in any transaction of any thread: every SHED_EVERY of
 * them the pages read so far go (store_shed()), so that a walk over the
 * jobs or members of a post to thousands does not keep them all mapped.
 * A page still in use is read again from the page cache when touched.
 */
static void
read_one(struct store *st)
{
	if ((atomic_fetch_add(&st->reads, 1) + 1) % SHED_EVERY == 0)
		store_shed(st);
}

struct store_txn {
	struct store	*st;
	MDB_txn		*txn;
	bool		 write;
};

static const char *const db_names[STORE_NDB] = {
	"meta", "lists", "members", "audit", "inbox", "messages", "posts",
	"held", "jobs", "ledger", "advisories", "seen", "threads"
};

/*
 * Whether rc says that the datadir's file system is full: ENOSPC, EDQUOT,
 * or EIO, which LMDB returns for a short write (a file system that filled
 * up in the middle of a commit), when hardly any space is left.
 */
static bool
disk_full(const struct store *st, int rc)
{
	struct statvfs sv;

	if (rc == ENOSPC || rc == EDQUOT)
		return true;
	if (rc != EIO || st == NULL || statvfs(st->datadir, &sv) == -1)
		return false;
	return (unsigned long long)sv.f_bavail * sv.f_frsize <
	    STORE_FULL_SLACK;
}

static int
mdb_fail(struct pd_err *err, const struct store *st, int rc, const char *what)
{
	if (disk_full(st, rc))
		return pd_fail(err, PD_TEMPFAIL, "%s: no space left on the "
		    "datadir's file system (%s%s): free some space there",
		    what, st ? st->datadir : "datadir", rc == EDQUOT ?
		    ", disk quota exceeded" : "");
	if (rc == MDB_MAP_FULL)
		return pd_fail(err, PD_TEMPFAIL, "%s: the store is full (%lu MiB):"
		    " raise store-map-size in listd.conf", what,
		    st ? st->map_mib : 0UL);
	if (rc == MDB_VERSION_MISMATCH || rc == MDB_INVALID)
		return pd_fail(err, PD_FAIL, "%s: %s", what, mdb_strerror(rc));
	return pd_fail(err, rc == EAGAIN || rc == EBUSY ? PD_TEMPFAIL : PD_FAIL,
	    "%s: %s", what, mdb_strerror(rc));
}

static int
check_schema(struct store *st, MDB_txn *txn, struct pd_err *err)
{
	MDB_val k = { 6, "schema" }, v;
	char buf[16];
	int rc, found;

	rc = mdb_get(txn, st->dbi[STORE_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		snprintf(buf, sizeof buf, "%d", STORE_SCHEMA);
		v.mv_data = buf;
		v.mv_size = strlen(buf);
		rc = mdb_put(txn, st->dbi[STORE_META], &k, &v, 0);
		return rc ? mdb_fail(err, st, rc, "store schema") : 0;
	}
	if (rc != 0)
		return mdb_fail(err, st, rc, "store schema");
	snprintf(buf, sizeof buf, "%.*s", (int)(v.mv_size < 15 ? v.mv_size : 15),
	    (const char *)v.mv_data);
	found = atoi(buf);
	if (found != STORE_SCHEMA)
		return pd_fail(err, PD_FAIL, "the store has schema %d and this "
		    "pdlist knows %d: use the matching pdlist version", found,
		    STORE_SCHEMA);
	return 0;
}

int
store_copy(struct store *st, const char *dir, struct pd_err *err)
{
	char path[4096];
	int rc, fd;

	if (snprintf(path, sizeof path, "%s/store", dir) >= (int)sizeof path)
		return pd_fail(err, PD_REFUSED, "%s: path too long", dir);
	if (mkdir(path, 0700) == -1)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", path,
		    strerror(errno));
	if ((rc = mdb_env_copy2(st->env, path, MDB_CP_COMPACT)) != 0)
		return mdb_fail(err, st, rc, path);
	strncat(path, "/data.mdb", sizeof path - strlen(path) - 1);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1)
		rc = errno;
	if (fd != -1)
		close(fd);
	return rc == 0 ? 0 : pd_fail(err, PD_FAIL, "cannot sync %s: %s", path,
	    strerror(rc));
}

int
store_open(const char *datadir, unsigned long map_mib, struct store **out,
    struct pd_err *err)
{
	struct store *st;
	MDB_txn *txn = NULL;
	char path[4096];
	int rc, i;

	*out = NULL;
	if (snprintf(path, sizeof path, "%s/store", datadir) >= (int)sizeof path)
		return pd_fail(err, PD_FAIL, "datadir path too long");
	if (mkdir_p(path, 0700) == -1)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", path,
		    strerror(errno));
	if ((st = calloc(1, sizeof *st)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	st->map_mib = map_mib;
	snprintf(st->datadir, sizeof st->datadir, "%s", datadir);
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 32)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, (size_t)map_mib << 20)) != 0 ||
	    (rc = mdb_env_open(st->env, path, MDB_NOTLS, 0600)) != 0) {
		mdb_fail(err, st, rc, path);
		goto fail;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		mdb_fail(err, st, rc, "store");
		goto fail;
	}
	for (i = 0; i < STORE_NDB; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE,
		    &st->dbi[i])) != 0) {
			mdb_fail(err, st, rc, db_names[i]);
			goto fail;
		}
	if (check_schema(st, txn, err) == -1)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		mdb_fail(err, st, rc, "store");
		goto fail;
	}
	*out = st;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	free(st);
}

int
store_begin(struct store *st, bool write, struct store_txn **out,
    struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	*out = NULL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	t->st = st;
	t->write = write;
	if ((rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY,
	    &t->txn)) != 0) {
		free(t);
		return mdb_fail(err, st, rc, "store transaction");
	}
	*out = t;
	return 0;
}

int
store_commit(struct store_txn *t, struct pd_err *err)
{
	struct store *st = t->st;
	bool write = t->write;
	int rc;

	rc = mdb_txn_commit(t->txn);	/* frees the handle even on failure */
	free(t);
	if (rc != 0)
		return mdb_fail(err, st, rc, "store commit");
	if (write && !st->quiet)
		wake_ring(st->datadir);
	return 0;
}

void
store_ring_on_commit(struct store *st, bool ring)
{
	st->quiet = !ring;
}

void
store_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

static int
decode(const MDB_val *v, json_t **out, struct pd_err *err)
{
	json_error_t je;

	*out = json_loadb(v->mv_data, v->mv_size, JSON_DECODE_ANY, &je);
	if (*out == NULL)
		return pd_fail(err, PD_FAIL, "corrupt store record: %s", je.text);
	return 0;
}

/* The value of key in db: 1 found (*v valid until the txn ends), 0 absent,
   -1 an error. */
static int
get_val(struct store_txn *t, enum store_db db, const char *key, MDB_val *v,
    struct pd_err *err)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc;

	rc = mdb_get(t->txn, t->st->dbi[db], &k, v);
	read_one(t->st);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? mdb_fail(err, t->st, rc, db_names[db]) : 1;
}

int
store_get(struct store_txn *t, enum store_db db, const char *key, json_t **out,
    struct pd_err *err)
{
	MDB_val v;
	int rc;

	*out = NULL;
	if ((rc = get_val(t, db, key, &v, err)) <= 0)
		return rc;
	return decode(&v, out, err);
}

static int
put_raw(struct store_txn *t, enum store_db db, MDB_val *k, const json_t *value,
    unsigned flags, struct pd_err *err)
{
	MDB_val v;
	char *s;
	int rc;

	if ((s = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
		return pd_fail(err, PD_FAIL, "cannot encode a store record");
	v.mv_data = s;
	v.mv_size = strlen(s);
	rc = mdb_put(t->txn, t->st->dbi[db], k, &v, flags);
	free(s);
	if (rc == MDB_KEYEXIST)
		return pd_fail(err, PD_REFUSED, "%s: the record exists",
		    db_names[db]);
	return rc ? mdb_fail(err, t->st, rc, db_names[db]) : 0;
}

int
store_put(struct store_txn *t, enum store_db db, const char *key,
    const json_t *value, bool exclusive, struct pd_err *err)
{
	MDB_val k = { strlen(key), (void *)key };

	if (db == STORE_AUDIT)
		return pd_fail(err, PD_FAIL, "the audit log takes store_audit()");
	return put_raw(t, db, &k, value, exclusive ? MDB_NOOVERWRITE : 0, err);
}

int
store_put_bytes(struct store_txn *t, enum store_db db, const char *key,
    const void *data, size_t len, bool exclusive, struct pd_err *err)
{
	MDB_val k = { strlen(key), (void *)key }, v = { len, (void *)data };
	int rc;

	if (db == STORE_AUDIT)
		return pd_fail(err, PD_FAIL, "the audit log takes store_audit()");
	rc = mdb_put(t->txn, t->st->dbi[db], &k, &v,
	    exclusive ? MDB_NOOVERWRITE : 0);
	if (rc == MDB_KEYEXIST)
		return pd_fail(err, PD_REFUSED, "%s: the record exists",
		    db_names[db]);
	return rc ? mdb_fail(err, t->st, rc, db_names[db]) : 0;
}

int
store_get_bytes(struct store_txn *t, enum store_db db, const char *key,
    char **data, size_t *len, struct pd_err *err)
{
	MDB_val v;
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = get_val(t, db, key, &v, err)) <= 0)
		return rc;
	if ((*data = malloc(v.mv_size + 1)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	memcpy(*data, v.mv_data, v.mv_size);
	(*data)[v.mv_size] = '\0';
	*len = v.mv_size;
	return 0;
}

int
store_del(struct store_txn *t, enum store_db db, const char *key,
    struct pd_err *err)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc;

	if (db == STORE_AUDIT)
		return pd_fail(err, PD_FAIL, "the audit log is append-only");
	rc = mdb_del(t->txn, t->st->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return pd_fail(err, PD_REFUSED, "%s: no such record", db_names[db]);
	return rc ? mdb_fail(err, t->st, rc, db_names[db]) : 0;
}

/*
 * The records of db under prefix whose keys come after after ("": from
 * the first), in key order: fn with each decoded value, or with keys only
 * (kfn: no value is read or decoded).
 */
static int
scan(struct store_txn *t, enum store_db db, const char *prefix,
    const char *after, bool text_keys, store_scan_fn fn, store_key_fn kfn,
    void *arg, struct pd_err *err)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t plen = strlen(prefix), alen = strlen(after);
	char key[STORE_KEY_MAX];
	json_t *val;
	int rc, r = 0;
	MDB_cursor_op op = MDB_SET_RANGE;

	if (alen <= plen || memcmp(after, prefix, plen) != 0)
		alen = 0;	/* not under prefix: from its first key */
	if ((rc = mdb_cursor_open(t->txn, t->st->dbi[db], &c)) != 0)
		return mdb_fail(err, t->st, rc, db_names[db]);
	k.mv_size = alen > 0 ? alen : plen;
	k.mv_data = (void *)(alen > 0 ? after : prefix);
	if (k.mv_size == 0)
		op = MDB_FIRST;
	for (; (rc = mdb_cursor_get(c, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (alen > 0 && k.mv_size == alen &&
		    memcmp(k.mv_data, after, alen) == 0)
			continue;	/* after it, not it */
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		read_one(t->st);
		if (text_keys)
			snprintf(key, sizeof key, "%.*s", (int)k.mv_size,
			    (const char *)k.mv_data);
		else
			key[0] = '\0';
		if (kfn != NULL) {
			if ((r = kfn(key, arg)) != 0)
				break;
			continue;
		}
		if (decode(&v, &val, err) == -1) {
			r = -1;
			break;
		}
		r = fn(key, val, arg);
		json_decref(val);
		if (r != 0)
			break;
	}
	mdb_cursor_close(c);
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		return mdb_fail(err, t->st, rc, db_names[db]);
	return r;
}

int
store_scan(struct store_txn *t, enum store_db db, const char *prefix,
    store_scan_fn fn, void *arg, struct pd_err *err)
{
	return scan(t, db, prefix, "", true, fn, NULL, arg, err);
}

int
store_scan_after(struct store_txn *t, enum store_db db, const char *prefix,
    const char *after, store_scan_fn fn, void *arg, struct pd_err *err)
{
	if (db == STORE_AUDIT)
		return pd_fail(err, PD_FAIL, "audit keys are binary");
	return scan(t, db, prefix, after, true, fn, NULL, arg, err);
}

int
store_scan_keys(struct store_txn *t, enum store_db db, const char *prefix,
    store_key_fn fn, void *arg, struct pd_err *err)
{
	if (db == STORE_AUDIT)
		return pd_fail(err, PD_FAIL, "audit keys are binary");
	return scan(t, db, prefix, "", true, NULL, fn, arg, err);
}

#define COLLECT_NOMEM	2	/* not -1: that is the store's trouble */

#define WALK_CHUNK	64	/* records store_walk() reads at once */
#define WALK_FULL	3	/* the chunk is full: not the end */

static int
collect_one(const char *key, json_t *value, void *arg)
{
	json_t *o = json_pack("{s:s, s:O}", "key", key, "value", value);

	if (o == NULL || json_array_append_new(arg, o) == -1)
		return COLLECT_NOMEM;
	return json_array_size(arg) >= WALK_CHUNK ? WALK_FULL : 0;
}

int
store_walk(struct store *st, enum store_db db, const char *prefix,
    store_scan_fn fn, void *arg, struct pd_err *err)
{
	char after[STORE_KEY_MAX] = "";
	struct store_txn *t;
	json_t *chunk, *e;
	size_t i, n;
	int rc;

	do {
		if ((chunk = json_array()) == NULL)
			return pd_fail(err, PD_TEMPFAIL, "out of memory");
		if ((rc = store_begin(st, false, &t, err)) == 0) {
			rc = store_scan_after(t, db, prefix, after, collect_one,
			    chunk, err);
			store_abort(t);
		}
		if (rc == COLLECT_NOMEM)
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
		if (rc == -1) {
			json_decref(chunk);
			return -1;
		}
		if ((n = json_array_size(chunk)) > 0)
			snprintf(after, sizeof after, "%s", json_string_value(
			    json_object_get(json_array_get(chunk, n - 1),
			    "key")));
		rc = 0;
		json_array_foreach(chunk, i, e)
			if ((rc = fn(json_string_value(json_object_get(e, "key")),
			    json_object_get(e, "value"), arg)) != 0)
				break;
		json_decref(chunk);
	} while (rc == 0 && n == WALK_CHUNK);
	return rc;
}

static int
collect_value(const char *key, json_t *value, void *arg)
{
	(void)key;
	return json_array_append(arg, value) == 0 ? 0 : COLLECT_NOMEM;
}

int
store_values(struct store *st, enum store_db db, const char *list,
    json_t **out, struct pd_err *err)
{
	char prefix[STORE_KEY_MAX] = "";
	struct store_txn *t;
	int rc;

	if ((*out = json_array()) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (list != NULL)
		store_member_key(list, "", prefix);
	if ((rc = store_begin(st, false, &t, err)) == 0) {
		rc = store_scan(t, db, prefix, collect_value, *out, err);
		store_abort(t);
	}
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
		return rc == COLLECT_NOMEM ? pd_fail(err, PD_TEMPFAIL, "out of "
		    "memory") : -1;
	}
	return 0;
}

int
store_audit(struct store_txn *t, json_t *entry, struct pd_err *err)
{
	MDB_cursor *c;
	MDB_val k, v;
	unsigned char kb[8];
	uint64_t seq = 1;
	int rc, i;

	if ((rc = mdb_cursor_open(t->txn, t->st->dbi[STORE_AUDIT], &c)) != 0)
		return mdb_fail(err, t->st, rc, "audit");
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 8)
		for (seq = 0, i = 0; i < 8; i++)
			seq = seq << 8 | ((unsigned char *)k.mv_data)[i];
	if (rc == 0)
		seq++;
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return mdb_fail(err, t->st, rc, "audit");
	for (i = 7; i >= 0; i--)
		kb[i] = (unsigned char)(seq >> (8 * (7 - i)));
	json_object_set_new(entry, "seq", json_integer((json_int_t)seq));
	k.mv_size = sizeof kb;
	k.mv_data = kb;
	return put_raw(t, STORE_AUDIT, &k, entry, MDB_APPEND, err);
}

int
store_audit_scan(struct store_txn *t, store_scan_fn fn, void *arg,
    struct pd_err *err)
{
	return scan(t, STORE_AUDIT, "", "", false, fn, NULL, arg, err);
}

void
store_member_key(const char *list, const char *address, char key[STORE_KEY_MAX])
{
	snprintf(key, STORE_KEY_MAX, "%s\x1f%s", list, address);
}

int
store_end(struct store_txn *t, int rc, struct pd_err *err)
{
	if (rc == 0)
		return store_commit(t, err);
	store_abort(t);
	return -1;
}

/*
 * LMDB maps the whole store read-only and reads it in place: every page a
 * pass read stays in listd's resident set (the page cache's, not memory
 * of listd's own, but counted as its RSS), so a daemon that walked the
 * jobs of many posts to many members would look as big as its store.
 * The pages are clean and the next read maps them again from the page
 * cache, so they can be let go at any time, readers or not.  The mapping
 * is found in /proc/self/maps (Linux); elsewhere this does nothing.
 */
void
store_shed(struct store *st)
{
	char want[4200], line[4400];
	unsigned long lo, hi;
	const char *dir = NULL;
	FILE *f;
	int at;

	if (mdb_env_get_path(st->env, &dir) != 0 || dir == NULL ||
	    snprintf(want, sizeof want, "%s/data.mdb", dir) >=
	    (int)sizeof want || (f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		at = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi,
		    &at) == 2 && at > 0 && strcmp(line + at, want) == 0 &&
		    hi > lo)
			(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	fclose(f);
}
