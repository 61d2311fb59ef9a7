/* listd/failures.c: see failures.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "listd/failures.h"
#include "listd/notice.h"

#define SEEN_PREFIX	"failure-notice\x1f"

static bool
failed(const struct job *j)
{
	return j->state == JOB_FAILED || j->state == JOB_BOUNCED;
}

/*
 * Marks in the store the members of js that are to be named now (not
 * named in the last day); want[i] says which jobs are.  0 with *n.
 */
static int
to_name(struct list *l, const struct job_set *js, bool *want, size_t *n,
    struct pd_err *err)
{
	char what[sizeof SEEN_PREFIX + ADDR_MAX], post[POST_ID_MAX];
	struct store_txn *t;
	time_t now = time(NULL), at;
	size_t i, k;
	bool found;
	int rc = 0;

	*n = 0;
	if (store_begin(l->st, true, &t, err) == -1)
		return -1;
	for (i = 0; rc == 0 && i < js->n; i++) {
		want[i] = false;
		if (!failed(&js->v[i]))
			continue;
		for (k = 0; k < i && strcmp(js->v[k].member,
		    js->v[i].member) != 0; k++)
			;
		if (k < i) {		/* named already in this notice */
			want[i] = want[k];
			continue;
		}
		snprintf(what, sizeof what, SEEN_PREFIX "%s", js->v[i].member);
		if ((rc = seen_get(t, l->address, what, post, &at, &found,
		    err)) == -1)
			break;
		if (found && now - at < FAIL_QUIET_SECS)
			continue;
		want[i] = true;
		++*n;
		rc = seen_put(t, l->address, what, js->v[i].post, now, err);
	}
	return store_end(t, rc, err);
}

void
log_copy(const struct job *j)
{
	char reply[400];

	log_event("copy", "list=%s post=%s member=%s state=%s attempt=%d "
	    "next=%lld reply=%s%s%s", j->list, j->post, j->member,
	    job_state_name(j->state), j->attempts, j->state == JOB_RETRY ?
	    (long long)j->next_attempt : 0LL, log_q(j->last_reply, reply,
	    sizeof reply), log_verbose() ? " keyid=" : "", log_verbose() ?
	    (j->keyid[0] ? j->keyid : "-") : "");
}

void
fail_tell(struct list *l, const char *subject, const struct job_set *js)
{
	char text[4096], what[120];
	struct pd_err err = { 0 };
	const struct job *j;
	size_t i, n, off;
	bool *want;

	if ((want = calloc(js->n + 1, sizeof *want)) == NULL)
		return;
	if (to_name(l, js, want, &n, &err) == -1) {
		log_warnx("%s: %s; every failed copy is named", l->address,
		    err.text);
		for (i = n = 0; i < js->n; i++)
			n += want[i] = failed(&js->v[i]);
	}
	off = (size_t)snprintf(text, sizeof text, "Copies from %s did not "
	    "arrive; the mail servers said why:\n\n", l->address);
	for (i = 0; n > 0 && i < js->n && off < sizeof text; i++) {
		j = &js->v[i];
		if (!want[i])
			continue;
		if (j->advisory[0] != '\0')
			snprintf(what, sizeof what, "%s revision %ld", j->advisory,
			    j->revision);
		else
			snprintf(what, sizeof what, "post %s", j->post);
		off += (size_t)snprintf(text + off, sizeof text - off,
		    "  %s: %s, %s: %s\n", j->member, what, job_state_name(
		    j->state), j->last_reply);
	}
	free(want);
	if (n == 0)
		return;
	if (off < sizeof text)
		snprintf(text + off, sizeof text - off, "\nEach member is named "
		    "once a day at most.  See listctl queue %s; listctl queue "
		    "retry %s sends a copy again.\n", l->address, l->address);
	log_event("failures", "list=%s members=%zu",
	    l->address, n);
	notice_tell(l, subject, text);
}
