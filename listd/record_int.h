/*
 * listd/record_int.h: what the two halves of the record layer (record.c:
 * names and posts; record_jobs.c: jobs, the ledger, the inbox, members,
 * seen, the audit log) share.  Not for other modules.
 */
#ifndef PDLIST_RECORD_INT_H
#define PDLIST_RECORD_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/record.h"

#define SCAN_NOMEM	2	/* a scan callback ran out of memory */

/*
 * Room for one more element in a set {v, n, cap} of elements of size
 * bytes, whose v is at vp: doubles the capacity when it is full.  0, or -1
 * when out of memory (the set is as it was).
 */
static inline int
set_room(void *vp, size_t n, size_t *cap, size_t size)
{
	void *v, *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	memcpy(&v, vp, sizeof v);
	if ((nv = realloc(v, nc * size)) == NULL)
		return -1;
	memcpy(vp, &nv, sizeof nv);
	*cap = nc;
	return 0;
}
#define SET_ROOM(s)	set_room(&(s)->v, (s)->n, &(s)->cap, sizeof *(s)->v)

/*
 * The key of one copy of post to member on list: its job's (STORE_JOBS)
 * and its ledger record's (STORE_LEDGER).
 */
static inline void
copy_key(const char *list, const char *post, const char *member,
    char key[STORE_KEY_MAX])
{
	snprintf(key, STORE_KEY_MAX, "%s\x1f%s\x1f%s", list, post, member);
}

/* store_scan() whose callback may say SCAN_NOMEM: 0, or -1 with err. */
static inline int
rec_scan(struct store_txn *t, enum store_db db, const char *prefix,
    store_scan_fn fn, void *arg, struct pd_err *err)
{
	int rc = store_scan(t, db, prefix, fn, arg, err);

	if (rc == SCAN_NOMEM)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	return rc == 0 ? 0 : -1;
}

static inline const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static inline long long
jint(const json_t *o, const char *key, long long absent)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : absent;
}

static inline time_t
jtime(const json_t *o, const char *key)
{
	return parse_iso(json_string_value(json_object_get(o, key)));
}

/* Sets key when s is not empty; returns -1 when out of memory. */
static inline int
put_str(json_t *o, const char *key, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

static inline int
put_time(json_t *o, const char *key, time_t t)
{
	char buf[32];

	return t == 0 ? 0 : json_object_set_new(o, key,
	    json_string(iso_time(t, buf)));
}

static inline int
put_count(json_t *o, const char *key, long long n)
{
	return n < 0 ? 0 : json_object_set_new(o, key,
	    json_integer((json_int_t)n));
}

#endif
