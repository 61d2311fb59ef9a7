/* listd/jobs.c: see jobs.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/jobs.h"

static int
put_job(struct store_txn *t, const char *list, const char *post,
    const char *to, bool public, const json_t *kw, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *job;
	int rc;

	snprintf(key, sizeof key, "%s\x1f%s\x1f%s", list, post, to);
	job = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "list", list, "post",
	    post, "member", to, "state", "new", "attempts", 0, "next-attempt",
	    (json_int_t)time(NULL));
	if (job == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (public)
		json_object_set_new(job, "public", json_true());
	if (kw != NULL) {	/* for the ledger: which revision went out */
		json_object_set(job, "advisory", json_object_get(kw, "advisory"));
		json_object_set(job, "revision", json_object_get(kw, "revision"));
	}
	rc = store_put(t, STORE_JOBS, key, job, true, err);
	json_decref(job);
	return rc;
}

struct scan {
	struct store_txn *t;
	const char	*post;
	const json_t	*kw;
	const char	*only;
	size_t		*n;
	struct pd_err	*err;
};

static int
member_job(const char *key, json_t *m, void *arg)
{
	struct scan *s = arg;
	const char *addr = json_string_value(json_object_get(m, "address"));
	const char *state = json_string_value(json_object_get(m, "state"));
	const char *role = json_string_value(json_object_get(m, "role"));

	(void)key;
	if (addr == NULL || state == NULL || strcmp(state, "active") != 0 ||
	    (s->only != NULL && strcmp(addr, s->only) != 0))
		return 0;
	/* A reporter gets only the replies in its thread, by name. */
	if (s->only == NULL && role != NULL && strcmp(role, "reporter") == 0)
		return 0;
	if (put_job(s->t, json_string_value(json_object_get(m, "list")),
	    s->post, addr, false, s->kw, s->err) == -1)
		return -1;
	++*s->n;
	return 0;
}

int
jobs_for_members(struct store_txn *t, const char *list, const char *post,
    const json_t *kw, const char *only, size_t *n, struct pd_err *err)
{
	struct scan s = { t, post, kw, only, n, err };
	char prefix[STORE_KEY_MAX];

	*n = 0;
	store_member_key(list, "", prefix);
	return store_scan(t, STORE_MEMBERS, prefix, member_job, &s, err) == 0 ?
	    0 : -1;
}

int
jobs_for_public(struct store_txn *t, const char *list, const char *post,
    const json_t *kw, const json_t *public, size_t *n, struct pd_err *err)
{
	json_t *a;
	size_t i;

	*n = 0;
	json_array_foreach(public, i, a) {
		if (put_job(t, list, post, json_string_value(a), true, kw,
		    err) == -1)
			return -1;
		++*n;
	}
	return 0;
}

int
notice_later(struct store_txn *t, const char *list, const char *id,
    const char *kind, const char *text, const json_t *sealed_subject,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *post;
	int rc;

	post = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "list", list,
	    "kind", kind, "state", "notify", "text", text);
	if (post == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (sealed_subject != NULL)
		json_object_set(post, "subject-sealed", (json_t *)sealed_subject);
	store_member_key(list, id, key);
	rc = store_put(t, STORE_POSTS, key, post, true, err);
	json_decref(post);
	return rc;
}
