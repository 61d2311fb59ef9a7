/*
 * listd/record_int.h: what the two halves of the record layer (record.c:
 * names and posts; record_jobs.c: jobs, the ledger, the inbox, members,
 * seen, the audit log) share.  Not for other modules.
 */
#ifndef PDLIST_RECORD_INT_H
#define PDLIST_RECORD_INT_H

#include <stdio.h>
#include <string.h>

#include "listd/record.h"

#define SCAN_NOMEM	2	/* a scan callback ran out of memory */

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
