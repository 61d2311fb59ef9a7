/* listd/expire.c: see expire.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/advisory.h"
#include "listd/expire.h"
#include "listd/jobs.h"
#include "policy/policy.h"

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static int
collect(const char *key, json_t *value, void *arg)
{
	(void)key;
	return json_array_append(arg, value);
}

/* The list's limit in days, from its policy; 0 when it cannot be read. */
static unsigned
limit_days(const struct conf *conf, const char *list)
{
	struct policy *pol;
	char path[1100], perr[512];
	unsigned days = 0;

	snprintf(path, sizeof path, "%s/lists/%s/policy.conf", conf->datadir,
	    list);
	if (pol_load(path, &pol, perr, sizeof perr) == 0) {
		days = pol->held_expire_days;
		pol_free(pol);
	}
	return days;
}

/* In one transaction: gone from the store, told, recorded. */
static int
expire_one(struct store *st, const json_t *h, unsigned days,
    struct pd_err *err)
{
	const char *list = jstr(h, "list"), *id = jstr(h, "id");
	char key[STORE_KEY_MAX], nid[80], text[1200], now[32];
	struct store_txn *t;
	json_t *e;
	int rc;

	snprintf(text, sizeof text, "Message %s to %s, held since %s (%s), "
	    "was not approved or rejected within %u days and has been "
	    "removed.\n\n  from:    %s\n  sender:  %s\n", id, list,
	    jstr(h, "decided-at"), jstr(h, "reason"), days, jstr(h, "from"),
	    jstr(h, "sender"));
	snprintf(nid, sizeof nid, "expired-%s", id);
	iso_time(time(NULL), now);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time", now,
	    "list", list, "actor", "listd", "unix-user", "", "action",
	    "held expire", "subject", id, "outcome", "removed", "reason",
	    jstr(h, "reason"));
	if (e == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	store_member_key(list, id, key);
	if (store_begin(st, true, &t, err) == -1) {
		json_decref(e);
		return -1;
	}
	rc = store_del(t, STORE_HELD, key, err);
	if (rc == 0)
		rc = store_del(t, STORE_MESSAGES, id, err);
	if (rc == 0)
		rc = notice_later(t, list, nid, "held-notice", text,
		    json_object_get(h, "subject-sealed"), err);
	if (rc == 0)
		rc = store_audit(t, e, err);
	json_decref(e);
	if (rc == -1) {
		store_abort(t);
		/* Decided meanwhile by a moderator: nothing to expire. */
		return err->status == PD_REFUSED ? 0 : -1;
	}
	return store_commit(t, err);
}

int
held_expire_due(const struct conf *conf, struct store *st, unsigned *n,
    struct pd_err *err)
{
	struct store_txn *t;
	json_t *held = json_array(), *h, *limits = json_object();
	time_t now = time(NULL), at;
	unsigned days;
	size_t i;
	int rc;

	*n = 0;
	if (held == NULL || limits == NULL ||
	    store_begin(st, false, &t, err) == -1) {
		json_decref(held);
		json_decref(limits);
		return held && limits ? -1 : pd_fail(err, PD_TEMPFAIL,
		    "out of memory");
	}
	rc = store_scan(t, STORE_HELD, "", collect, held, err);
	store_abort(t);
	json_array_foreach(held, i, h) {
		if (rc != 0)
			break;
		if (json_object_get(limits, jstr(h, "list")) == NULL)
			json_object_set_new(limits, jstr(h, "list"), json_integer(
			    limit_days(conf, jstr(h, "list"))));
		days = (unsigned)json_integer_value(json_object_get(limits,
		    jstr(h, "list")));
		at = parse_iso(jstr(h, "decided-at"));
		if (days == 0 || at == 0 || now - at < (time_t)days * 86400)
			continue;
		if ((rc = expire_one(st, h, days, err)) == 0)
			++*n;
	}
	json_decref(held);
	json_decref(limits);
	return rc == 0 ? 0 : -1;
}
