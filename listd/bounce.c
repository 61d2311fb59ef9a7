/* listd/bounce.c: see bounce.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "keys/keys.h"
#include "listd/bounce.h"
#include "listd/dsn.h"
#include "listd/failures.h"
#include "listd/notice.h"
#include "listd/own.h"
#include "listd/verp.h"

/* What one report did, for after its transaction. */
struct outcome {
	struct job	 job;		/* the copy's job, BOUNCED */
	bool		 bounced;
	bool		 suspended;
	char		 notice[2048];	/* to the admins: the suspension */
};

/* The copy token names (verified once more), into *e; *m. */
static int
find_copy(struct list *l, const char *token, struct ledger_entry *e,
    enum verp_match *m, struct pd_err *err)
{
	struct store_txn *t;
	int rc;

	*m = VERP_NONE;
	if (token[0] == '\0' || (rc = verp_check(&l->paths, l->address, token,
	    err)) == 0)
		return 0;
	if (rc == -1 || store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = verp_find(t, l->address, token, e, m, err);
	store_abort(t);
	return rc;
}

static int
by_time(const void *a, const void *b)
{
	const struct ledger_entry *x = a, *y = b;

	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	return strcmp(x->post, y->post);
}

/* A copy that did not arrive: bounced, or refused by the relay. */
static bool
lost(const struct ledger_entry *e)
{
	return e->bounced || e->refused;
}

/*
 * The copies to member since it was last resumed, in the order they were
 * sent: how many were lost in a row around its copy of post (none
 * accepted between), and what they carried (into what).
 */
static int
lost_run(struct store_txn *t, const char *list, const char *post,
    const char *member, time_t since, size_t *run, char *what, size_t len,
    struct pd_err *err)
{
	struct ledger_set ls;
	size_t i, k, first, last, off = 0;

	*run = 0;
	what[0] = '\0';
	if (member_copies(t, list, member, &ls, err) == -1)
		return -1;
	/*
	 * Only copies after the resume (whole seconds): one in its very
	 * second is left out, since it may have come just before it; a
	 * copy too few counts, never one from before.
	 */
	for (i = k = 0; i < ls.n; i++)
		if (ls.v[i].time > since)
			ls.v[k++] = ls.v[i];
	ls.n = k;
	qsort(ls.v, ls.n, sizeof *ls.v, by_time);
	for (i = 0; i < ls.n && strcmp(ls.v[i].post, post) != 0; i++)
		;
	if (i < ls.n && lost(&ls.v[i])) {
		for (first = i; first > 0 && lost(&ls.v[first - 1]); first--)
			;
		for (last = i; last + 1 < ls.n && lost(&ls.v[last + 1]); last++)
			;
		*run = last - first + 1;
		for (k = first; k <= last && off < len; k++)
			off += (size_t)snprintf(what + off, len - off, "%s%s",
			    k > first ? ", " : "", ls.v[k].advisory[0] ?
			    ls.v[k].advisory : ls.v[k].post);
	}
	ledger_set_free(&ls);
	return 0;
}

/*
 * The policy's bounce-suspend: a member whose copies were lost that often
 * in a row, the copy of post last (its words: last), is suspended, in t
 * with its audit entry.
 */
static int
maybe_suspend(struct list *l, struct store_txn *t, const char *post,
    const char *member, const char *last, struct outcome *o,
    struct pd_err *err)
{
	char what[600], why[900];
	struct member m;
	size_t run;
	bool found;

	if (l->pol->bounce_suspend == 0)
		return 0;
	if (member_get(t, l->address, member, &m, &found, err) == -1)
		return -1;
	if (!found || !m.active)
		return 0;
	if (lost_run(t, l->address, post, member, m.state_changed, &run, what,
	    sizeof what, err) == -1)
		return -1;
	if (run < l->pol->bounce_suspend)
		return 0;
	snprintf(why, sizeof why, "%zu copies in a row bounced or were "
	    "refused (bounce-suspend = %u); the last: %s", run,
	    l->pol->bounce_suspend, last);
	if (member_suspend(t, l->address, member, why, &o->suspended,
	    err) == -1)
		return -1;
	if (!o->suspended)
		return 0;
	snprintf(o->notice, sizeof o->notice, "Member %s of %s is suspended: "
	    "its last %zu copies bounced or were refused, and it gets no more "
	    "until an admin resumes it (listctl member resume %s %s).\n\n"
	    "  missed:  %s\n  last:    %s\n", member, l->address, run,
	    l->address, member, what, last);
	return audit_append(t, &(struct audit){ .list = l->address, .actor =
	    "listd", .action = "member suspend", .subject = member,
	    .outcome = "done", .reason = why }, err);
}

/* After its commit: a member suspended is logged, and the admins told. */
static void
tell_suspended(struct list *l, const char *member, const struct outcome *o)
{
	if (!o->suspended)
		return;
	log_event("member-suspend", "list=%s member=%s why=bounces",
	    l->address, member);
	notice_tell(l, "pdlist: a member is suspended", o->notice);
}

int
bounce_refused(struct list *l, const struct job *j, struct pd_err *err)
{
	struct outcome o;
	struct store_txn *t;

	memset(&o, 0, sizeof o);
	if (l->pol->bounce_suspend == 0 || j->state != JOB_FAILED ||
	    j->refused_us == 0)
		return 0;
	if (store_begin(l->st, true, &t, err) == -1 ||
	    store_end(t, maybe_suspend(l, t, j->post, j->member,
	    j->last_reply, &o, err), err) == -1)
		return -1;
	tell_suspended(l, j->member, &o);
	return 0;
}

/* The copy's job, BOUNCED (made again from the ledger when pruned). */
static int
job_bounced(struct store_txn *t, const struct ledger_entry *e,
    const struct dsn *d, struct job *j, struct pd_err *err)
{
	bool found;

	if (job_get(t, e->list, e->post, e->member, j, &found, err) == -1)
		return -1;
	if (!found) {
		job_init(j, e->list, e->post, e->member, e->public, NULL);
		snprintf(j->advisory, sizeof j->advisory, "%s", e->advisory);
		j->revision = e->revision;
		j->last_attempt = e->time;
	}
	j->state = JOB_BOUNCED;
	j->refused_us = 0;
	snprintf(j->last_reply, sizeof j->last_reply, "bounced: %s %.250s",
	    d->status, d->diagnostic);
	return job_put(t, j, false, err);
}

/* The report d about copy e, recorded in t; in leaves the inbox. */
static int
record_in(struct list *l, struct store_txn *t, const struct inbox_entry *in,
    const struct ledger_entry *e, const struct dsn *d, struct outcome *o,
    struct pd_err *err)
{
	char when[32], last[sizeof d->status + sizeof d->diagnostic + 2];
	json_t *r;
	int rc;

	o->bounced = d->kind == DSN_FAILED;
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time",
	    iso_time(time(NULL), when), "kind", dsn_kind_name(d->kind),
	    "action", d->action, "status", d->status, "diagnostic",
	    d->diagnostic, "how", d->how, "report", in->id);
	if (r == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	rc = ledger_report(t, e, o->bounced, r, err);
	json_object_set_new(r, "post", json_string(e->post));
	if (e->advisory[0] != '\0') {
		json_object_set_new(r, "advisory", json_string(e->advisory));
		json_object_set_new(r, "revision", json_integer(e->revision));
	}
	if (rc == 0)
		rc = audit_append(t, &(struct audit){ .list = l->address,
		    .actor = "listd", .action = o->bounced ? "copy bounced" :
		    "copy report", .subject = e->member, .outcome =
		    dsn_kind_name(d->kind), .reason = d->diagnostic, .detail =
		    r }, err);
	json_decref(r);
	if (rc == 0 && o->bounced)
		rc = job_bounced(t, e, d, &o->job, err);
	snprintf(last, sizeof last, "%s %s", d->status, d->diagnostic);
	if (rc == 0 && o->bounced)
		rc = maybe_suspend(l, t, e->post, e->member, last, o, err);
	if (rc == 0)
		rc = store_del(t, STORE_INBOX, in->id, err);
	if (rc == 0 && store_del(t, STORE_MESSAGES, in->id, err) == -1 &&
	    err->status != PD_REFUSED)
		rc = -1;
	return rc;
}

static int
record_report(struct list *l, const struct inbox_entry *in,
    const struct ledger_entry *e, const struct dsn *d, struct pd_err *err)
{
	struct outcome o;
	struct job_set one = { &o.job, 1, 1 };
	struct store_txn *t;

	memset(&o, 0, sizeof o);
	if (store_begin(l->st, true, &t, err) == -1 ||
	    store_end(t, record_in(l, t, in, e, d, &o, err), err) == -1)
		return -1;
	log_event("copy", "list=%s post=%s member=%s state=%s status=%s "
	    "report=%s", l->address, e->post, e->member, o.bounced ?
	    "bounced" : dsn_kind_name(d->kind), d->status[0] ? d->status :
	    "-", in->id);
	if (o.bounced)
		fail_tell(l, "pdlist: a copy bounced", &one);
	tell_suspended(l, e->member, &o);
	return 0;
}

int
bounce_process(struct list *l, const struct inbox_entry *in,
    struct pd_err *err)
{
	struct ledger_entry e;
	char why[600], *raw = NULL;
	struct dsn d;
	size_t len = 0;
	enum verp_match m = VERP_NONE;
	int rc;

	memset(&d, 0, sizeof d);
	if (in->size <= (long long)l->pol->max_message_size &&
	    own_unseal(l, in->id, &raw, &len, err) == -1 &&
	    err->status != PD_REFUSED)
		return -1;
	rc = raw != NULL ? dsn_parse(raw, len, &d, err) : 0;
	wipe_free(raw, len);
	if (rc == -1 || (d.kind != DSN_NONE && find_copy(l, in->token, &e,
	    &m, err) == -1))
		return -1;
	log_event("report", "id=%s list=%s kind=%s status=%s how=%s copy=%s",
	    in->id, l->address, dsn_kind_name(d.kind), d.status[0] ? d.status :
	    "-", d.how[0] ? d.how : "-", m == VERP_ONE ? "found" : m ==
	    VERP_MANY ? "ambiguous" : in->token[0] ? "unknown" : "none");
	if (m == VERP_ONE)
		return record_report(l, in, &e, &d, err);
	if (d.kind == DSN_NONE)
		snprintf(why, sizeof why, "mail to the bounce address that is no "
		    "delivery report: kept for the admins");
	else
		snprintf(why, sizeof why, "a delivery report (%s %s%s%s) about "
		    "no copy on record (%s): kept for the admins",
		    dsn_kind_name(d.kind), d.status, d.recipient[0] ? " for " :
		    "", d.recipient, m == VERP_MANY ? "its token names more "
		    "than one" : in->token[0] ? "its token names none" :
		    "sent to the plain bounce address");
	/* a report about no copy is most likely about a notice: kept
	   quietly, or a dead admin's address would loop notices */
	return d.kind == DSN_NONE ? own_hold(l, in, HOLD_BOUNCE, why, err) :
	    own_keep(l, in, HOLD_BOUNCE, why, err);
}
