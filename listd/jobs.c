/* listd/jobs.c: see jobs.h. */
#include <string.h>

#include "listd/jobs.h"

int
jobs_for_members(struct store_txn *t, const char *list, const char *post,
    const struct keywords *kw, const char *only, size_t *n, struct pd_err *err)
{
	struct member_set ms;
	struct job j;
	size_t i;
	int rc = 0;

	*n = 0;
	if (member_collect(t, list, &ms, err) == -1)
		return -1;
	for (i = 0; rc == 0 && i < ms.n; i++) {
		const struct member *m = &ms.v[i];

		if (!m->active || (only != NULL && strcmp(m->address, only) != 0))
			continue;
		/* A reporter gets only the replies in its thread, by name. */
		if (only == NULL && m->role == POL_ROLE_REPORTER)
			continue;
		job_init(&j, list, post, m->address, false, kw);
		if ((rc = job_put(t, &j, true, err)) == 0)
			++*n;
	}
	member_set_free(&ms);
	return rc;
}

int
jobs_for_role(struct store_txn *t, const char *list, const char *post,
    enum pol_role role, size_t *n, struct pd_err *err)
{
	struct member_set ms;
	struct job j;
	size_t i;
	int rc = 0;

	*n = 0;
	if (member_collect(t, list, &ms, err) == -1)
		return -1;
	for (i = 0; rc == 0 && i < ms.n; i++) {
		if (!ms.v[i].active || ms.v[i].role != role)
			continue;
		job_init(&j, list, post, ms.v[i].address, false, NULL);
		if ((rc = job_put(t, &j, true, err)) == 0)
			++*n;
	}
	member_set_free(&ms);
	return rc;
}

int
jobs_for_public(struct store_txn *t, const char *list, const char *post,
    const struct keywords *kw, char *const *to, size_t n, struct pd_err *err)
{
	struct job j;
	size_t i;

	for (i = 0; i < n; i++) {
		job_init(&j, list, post, to[i], true, kw);
		if (job_put(t, &j, true, err) == -1)
			return -1;
	}
	return 0;
}
