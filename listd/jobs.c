/* listd/jobs.c: see jobs.h. */
#include <string.h>

#include "listd/jobs.h"

/* Which members get a job: by address (only), or by role. */
struct wanted {
	const char	*only;		/* NULL: every member but reporters */
	int		 role;		/* -1: any, or enum pol_role */
};

static bool
wanted(const struct member *m, const struct wanted *w)
{
	if (!m->active)
		return false;
	if (w->role >= 0)
		return m->role == (enum pol_role)w->role;
	if (w->only != NULL)
		return strcmp(m->address, w->only) == 0;
	/* A reporter gets only the replies in its thread, by name. */
	return m->role != POL_ROLE_REPORTER;
}

struct jobs_run {
	struct store_txn *t;
	const char	*list, *post;
	const struct keywords *kw;
	const struct wanted *w;
	size_t		*n;
	struct pd_err	*err;
};

static int
job_for(const struct member *m, void *arg)
{
	struct jobs_run *r = arg;
	struct job j;

	if (!wanted(m, r->w))
		return 0;
	job_init(&j, r->list, r->post, m->address, false, r->kw);
	if (job_put(r->t, &j, true, r->err) == -1)
		return -1;
	++*r->n;
	return 0;
}

/*
 * A job for post for every member w wants, the members read one at a
 * time; *n counts them.
 */
static int
jobs_where(struct store_txn *t, const char *list, const char *post,
    const struct keywords *kw, const struct wanted *w, size_t *n,
    struct pd_err *err)
{
	struct jobs_run r = { t, list, post, kw, w, n, err };

	*n = 0;
	return member_each(t, list, job_for, &r, err) == 0 ? 0 : -1;
}

int
jobs_for_members(struct store_txn *t, const char *list, const char *post,
    const struct keywords *kw, const char *only, size_t *n, struct pd_err *err)
{
	struct wanted w = { only, -1 };

	return jobs_where(t, list, post, kw, &w, n, err);
}

int
jobs_post_to_members(struct store_txn *t, struct post *p, struct pd_err *err)
{
	size_t n;

	if (jobs_for_members(t, p->list, p->id, p->has_keywords ? &p->kw : NULL,
	    NULL, &n, err) == -1)
		return -1;
	p->state = POST_DECIDED;
	p->jobs = (long)n;
	return 0;
}

int
jobs_for_role(struct store_txn *t, const char *list, const char *post,
    enum pol_role role, size_t *n, struct pd_err *err)
{
	struct wanted w = { NULL, (int)role };

	return jobs_where(t, list, post, NULL, &w, n, err);
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
