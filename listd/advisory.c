/* listd/advisory.c: see advisory.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/advisory.h"

void
adv_iso(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static time_t
iso_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

static enum adv_state
state_of(const char *s)
{
	if (s != NULL && strcmp(s, "embargoed") == 0)
		return ADV_EMBARGOED;
	if (s != NULL && strcmp(s, "public") == 0)
		return ADV_PUBLIC;
	return ADV_NEW;
}

int
adv_get(struct store_txn *t, const char *list, const char *id, json_t **rec,
    struct adv_facts *f, struct pd_err *err)
{
	char key[STORE_KEY_MAX];

	memset(f, 0, sizeof *f);
	store_member_key(list, id, key);
	if (store_get(t, STORE_ADVISORIES, key, rec, err) == -1)
		return -1;
	if (*rec == NULL)
		return 0;
	f->state = state_of(json_string_value(json_object_get(*rec, "state")));
	f->last_revision = (long)json_integer_value(json_object_get(*rec,
	    "revision"));
	f->embargo = iso_time(json_string_value(json_object_get(*rec,
	    "embargo")));
	return 0;
}

void
adv_post_from(const struct keywords *kw, struct adv_post *p)
{
	memset(p, 0, sizeof *p);
	p->revision = kw->revision;
	p->embargo_set = kw->embargo_set;
	p->embargo_none = kw->embargo_none;
	p->embargo = kw->embargo;
	p->resend = kw->resend;
	p->extension = kw->extension[0] != '\0';
}

int
adv_put_revision(struct store_txn *t, const char *list, json_t *rec,
    const struct keywords *kw, const char *post, const struct adv_decision *d,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX], now[32], when[32];
	json_t *r, *revs, *cves = json_array();
	size_t i;
	int rc;

	adv_iso(time(NULL), now);
	for (i = 0; i < kw->ncves; i++)
		json_array_append_new(cves, json_string(kw->cve[i]));
	r = rec ? json_incref(rec) : json_pack("{s:s, s:s, s:[]}", "list", list,
	    "id", kw->advisory, "revisions");
	if (r == NULL || cves == NULL) {
		json_decref(r);
		json_decref(cves);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	revs = json_object_get(r, "revisions");
	json_array_append_new(revs, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}",
	    "revision", (json_int_t)kw->revision, "post", post, "at", now,
	    "action", adv_action_name(d->action), "reason", d->reason,
	    "cve", cves));
	if (d->action != ADV_HOLD) {
		json_object_set_new(r, "state", json_string(adv_state_name(d->state)));
		json_object_set_new(r, "revision", json_integer(kw->revision));
		json_object_set_new(r, "post", json_string(post));
		if (d->state == ADV_EMBARGOED) {
			adv_iso(d->embargo, when);
			json_object_set_new(r, "embargo", json_string(when));
		}
		if (d->state == ADV_PUBLIC && json_object_get(r, "released-at") == NULL)
			json_object_set_new(r, "released-at", json_string(now));
	} else if (json_object_get(r, "state") == NULL)
		json_object_set_new(r, "state", json_string("new"));
	store_member_key(list, kw->advisory, key);
	rc = store_put(t, STORE_ADVISORIES, key, r, false, err);
	json_decref(r);
	return rc;
}
