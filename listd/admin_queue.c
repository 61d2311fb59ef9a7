/*
 * listd/admin_queue.c: listctl queue retry.  A copy that failed or bounced
 * is sent once more: its job goes back to READY while its post's
 * encryption is still kept, or to NEW with its post back to DECIDED once
 * the post is done (prepare.c encrypts again for the NEW jobs only).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/admin_int.h"
#include "listd/record.h"

/* Job j of list, due again; *told whether its post went back. */
static int
retry_one(struct store_txn *t, const char *list, struct job *j,
    struct pd_err *err)
{
	struct post p;
	bool found;
	int rc;

	if (post_get(t, false, list, j->post, &p, &found, err) == -1)
		return -1;
	j->attempts = 0;
	j->next_attempt = time(NULL);
	j->state = found && p.state == POST_ENCRYPTED ? JOB_READY : JOB_NEW;
	rc = job_put(t, j, false, err);
	if (rc == 0 && found && (p.state == POST_DONE || p.state ==
	    POST_FAILED)) {
		p.state = POST_DECIDED;
		rc = post_put(t, &p, false, err);
	}
	post_clear(&p);
	return rc;
}

static int
retry_in(struct admin *a, struct store_txn *t, const char *list,
    const char *post, const char *member, size_t *n, struct pd_err *err)
{
	struct job_set js;
	json_t *d;
	size_t i;
	int rc;

	if (job_collect(t, list, post, &js, err) == -1)
		return -1;
	for (i = 0, rc = 0; rc == 0 && i < js.n; i++) {
		if ((js.v[i].state != JOB_FAILED && js.v[i].state !=
		    JOB_BOUNCED) || (member != NULL && strcmp(js.v[i].member,
		    member) != 0))
			continue;
		if ((rc = retry_one(t, list, &js.v[i], err)) == 0)
			++*n;
	}
	job_set_free(&js);
	if (rc == -1)
		return -1;
	if (*n == 0)
		return pd_fail(err, PD_REFUSED, "no failed or bounced copy on "
		    "%s%s%s%s%s: see listctl queue %s", list, post ? " of post " :
		    "", post ? post : "", member ? " to " : "", member ? member :
		    "", list);
	d = json_pack("{s:s*, s:s*, s:I}", "post", post, "member", member,
	    "copies", (json_int_t)*n);
	rc = audit_done(a, t, list, "queue retry", post ? post : member ?
	    member : list, d, err);
	json_decref(d);
	return rc;
}

int
admin_queue_retry(struct admin *a, const char *list_in, const char *post,
    const char *member_in, size_t *n, struct pd_err *err)
{
	char list[ADDR_MAX + 1], member[ADDR_MAX + 1];
	struct store_txn *t;
	int rc;

	*n = 0;
	if (existing_list(a, list_in, list, err) == -1)
		return -1;
	if (member_in != NULL && addr_normalize(member_in, member, err) == -1)
		rc = -1;
	else if ((rc = store_begin(a->store, true, &t, err)) == 0)
		rc = store_end(t, retry_in(a, t, list, post, member_in ? member :
		    NULL, n, err), err);
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, "queue retry", post ? post : member_in ?
		    member_in : list, err, NULL);
	return rc;
}
