/* listd/expire.c: see expire.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "listd/expire.h"
#include "listd/list.h"
#include "listd/notice.h"
#include "listd/record.h"

/* In one transaction: gone from the store, told, recorded. */
static int
expire_one(struct store *st, const struct post *h, unsigned days,
    struct pd_err *err)
{
	char nid[POST_ID_MAX + 16], text[1200], since[32];
	struct store_txn *t;
	int rc;

	snprintf(text, sizeof text, "Message %s to %s, held since %s (%s), "
	    "was not approved or rejected within %u days and has been "
	    "removed.\n\n  from:    %s\n  sender:  %s\n", h->id, h->list,
	    iso_time(h->decided_at, since), hold_reason_name(h->reason), days,
	    h->from, h->sender);
	snprintf(nid, sizeof nid, "expired-%s", h->id);
	if (store_begin(st, true, &t, err) == -1)
		return -1;
	rc = post_del(t, true, h->list, h->id, err);
	if (rc == 0)
		rc = store_del(t, STORE_MESSAGES, h->id, err);
	if (rc == 0)
		rc = notice_moderators_later(t, h->list, nid, text,
		    h->subject_sealed, err);
	if (rc == 0)
		rc = audit_append(t, &(struct audit){ .list = h->list, .actor =
		    "listd", .action = "held expire", .subject = h->id, .outcome =
		    "removed", .reason = hold_reason_name(h->reason) }, err);
	if (rc == -1) {
		store_abort(t);
		/* Decided meanwhile by a moderator: nothing to expire. */
		return err->status == PD_REFUSED ? 0 : -1;
	}
	if ((rc = store_commit(t, err)) == 0)
		log_event("expire", "list=%s id=%s reason=%s days=%u", h->list,
		    h->id, hold_reason_name(h->reason), days);
	return rc;
}

int
held_expire_due(const struct conf *conf, struct store *st, unsigned *n,
    struct pd_err *err)
{
	struct list_cache lists;
	struct post_set held;
	struct store_txn *t;
	struct list *l;
	time_t now = time(NULL);
	unsigned days;
	size_t i;
	int rc;

	*n = 0;
	if (store_begin(st, false, &t, err) == -1)
		return -1;
	rc = post_collect(t, true, "", &held, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	list_cache_init(&lists, st, conf->datadir, 0);
	for (i = 0; rc == 0 && i < held.n; i++) {
		const struct post *h = &held.v[i];

		/* A list whose policy cannot be read keeps its held mail. */
		if (list_cache_get(&lists, h->list, &l, err) == -1) {
			if (err->status == PD_FAIL)
				rc = -1;
			continue;
		}
		days = l->pol->held_expire_days;
		if (days == 0 || h->decided_at == 0 ||
		    now - h->decided_at < (time_t)days * 86400)
			continue;
		if ((rc = expire_one(st, h, days, err)) == 0)
			++*n;
	}
	list_cache_free(&lists);
	post_set_free(&held);
	return rc;
}
