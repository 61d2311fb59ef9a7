/*
 * listd/report.c: the team's embargo calendar (see report.h): built from
 * the advisories' records (advrecord.c), the copies (the ledger and the
 * jobs) and the held queue; and written as text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/advisory_int.h"
#include "listd/advrecord.h"
#include "listd/record.h"
#include "listd/report.h"

bool
report_delivered(const char *state)
{
	return strcmp(state, "accepted") == 0 || strcmp(state, "sent") == 0;
}

/* ---- what goes in ---------------------------------------------------- */

#define REPORT_NOMEM	2	/* a scan ran out of memory */

struct scan {
	time_t		 now;
	json_t		*ids;
};

/* Under embargo, held before any went out, or released lately. */
static int
wanted(const char *key, json_t *a, void *arg)
{
	struct scan *s = arg;
	time_t released = parse_iso(adv_str(a, "released-at"));

	(void)key;
	if (strcmp(adv_str(a, "state"), "public") == 0 && released != 0 &&
	    s->now - released > REPORT_RECENT_DAYS * 86400)
		return 0;
	return json_array_append_new(s->ids, json_string(adv_str(a, "id"))) ?
	    REPORT_NOMEM : 0;
}

/* The held queue: counts by reason and by age. */
static json_t *
held_of(const struct post_set *held, time_t now)
{
	static const struct { long max; const char *name; } ages[] = {
		{ 3600, "under an hour" }, { 86400, "under a day" },
		{ 7 * 86400, "under a week" }, { -1, "older" },
	};
	json_t *h, *reasons, *by_age, *c;
	const char *r;
	long age;
	size_t i, k;

	h = json_pack("{s:I, s:{}, s:{}}", "total", (json_int_t)held->n,
	    "by-reason", "by-age");
	if (h == NULL)
		return NULL;
	reasons = json_object_get(h, "by-reason");
	by_age = json_object_get(h, "by-age");
	for (i = 0; i < held->n; i++) {
		r = hold_reason_name(held->v[i].reason);
		c = json_object_get(reasons, r);
		json_object_set_new(reasons, r, json_integer(c ?
		    json_integer_value(c) + 1 : 1));
		age = held->v[i].received > 0 ? (long)(now -
		    held->v[i].received) : 0;
		for (k = 0; ages[k].max != -1 && age >= ages[k].max; k++)
			;
		c = json_object_get(by_age, ages[k].name);
		json_object_set_new(by_age, ages[k].name, json_integer(c ?
		    json_integer_value(c) + 1 : 1));
	}
	return h;
}

/* In one read transaction: the advisories' ids, the copies, the held. */
static int
gather(struct list *l, time_t now, json_t **ids, json_t **copies,
    json_t **held, struct pd_err *err)
{
	struct scan s = { now, json_array() };
	char prefix[STORE_KEY_MAX];
	struct post_set hs;
	struct store_txn *t;
	int rc;

	*ids = *copies = *held = NULL;
	if (s.ids == NULL || store_begin(l->st, false, &t, err) == -1) {
		json_decref(s.ids);
		return s.ids ? -1 : pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	store_member_key(l->address, "", prefix);
	rc = store_scan(t, STORE_ADVISORIES, prefix, wanted, &s, err);
	if (rc == REPORT_NOMEM)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (rc == 0)
		rc = copies_collect(t, l->address, copies, err);
	if (rc == 0 && (rc = post_collect(t, true, l->address, &hs, err)) == 0) {
		if ((*held = held_of(&hs, now)) == NULL)
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
		post_set_free(&hs);
	}
	store_abort(t);
	*ids = s.ids;
	return rc == 0 ? 0 : -1;
}

/* The copies of advisory id, each marked delivered or not. */
static json_t *
copies_of(const json_t *all, const char *id)
{
	json_t *out = json_array(), *c, *e;
	size_t i;

	json_array_foreach(all, i, c) {
		if (strcmp(adv_str(c, "advisory"), id) != 0)
			continue;
		e = json_deep_copy(c);
		json_object_del(e, "advisory");
		json_object_del(e, "post");
		json_object_set_new(e, "delivered", json_boolean(
		    report_delivered(adv_str(c, "state"))));
		json_array_append_new(out, e);
	}
	return out;
}

/* What the report keeps of a record: no embargoed word without subjects. */
static void
trim(json_t *a, bool subjects)
{
	static const char *const drop[] = { "schema", "version", "list" };
	bool public = strcmp(adv_str(a, "state"), "public") == 0;
	const char *which[] = { "extensions", "restarts" };
	json_t *r;
	size_t i, k;

	for (i = 0; i < sizeof drop / sizeof drop[0]; i++)
		json_object_del(a, drop[i]);
	if (!subjects && !public)
		json_object_del(a, "title");
	if (subjects)
		return;
	json_array_foreach(json_object_get(a, "revisions"), i, r) {
		json_object_del(r, "extension");
		json_object_del(r, "restart");
	}
	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(a, which[k]), i, r)
			json_object_del(r, "reason");
}

/*
 * Where its bar starts and ends: from its first distribution to its
 * embargo date, or to its publication once it is public.
 */
static void
span(json_t *a)
{
	const json_t *first = json_array_get(json_object_get(a, "revisions"), 0);
	const char *start = adv_str(a, "first-distribution"), *end = adv_str(a,
	    "embargo");

	if (strcmp(adv_str(a, "state"), "public") == 0)
		end = "";	/* it ended at its publication */
	if (start[0] == '\0')
		start = adv_str(a, "published")[0] ? adv_str(a, "published") :
		    adv_str(first, "date");
	if (end[0] == '\0')
		end = adv_str(a, "published")[0] ? adv_str(a, "published") : start;
	json_object_set_new(a, "start", json_string(start));
	json_object_set_new(a, "end", json_string(end));
}

int
report_build(struct list *l, bool subjects, time_t now, json_t **out,
    struct pd_err *err)
{
	json_t *ids = NULL, *copies = NULL, *held = NULL, *advs, *id, *a;
	char gen[32];
	size_t i;
	int rc = -1;

	*out = NULL;
	if (gather(l, now, &ids, &copies, &held, err) == -1)
		goto out;
	*out = json_pack("{s:s, s:s, s:b, s:i, s:[], s:O}", "list", l->address,
	    "generated", iso_time(now, gen), "subjects", subjects,
	    "recent-days", REPORT_RECENT_DAYS, "advisories", "held", held);
	if (*out == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	advs = json_object_get(*out, "advisories");
	json_array_foreach(ids, i, id) {
		if (advrec_facts(l, json_string_value(id), &a, err) == -1)
			goto out;
		trim(a, subjects);
		span(a);
		json_object_set_new(a, "copies", copies_of(copies,
		    json_string_value(id)));
		json_array_append_new(advs, a);
	}
	if (adv_sort(advs, "end", false) == -1) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(ids);
	json_decref(copies);
	json_decref(held);
	return rc;
}

/* ---- as text ----------------------------------------------------------- */

static void
text_marks(FILE *f, const json_t *a, const char *name, const char *label)
{
	const json_t *v;
	size_t i;

	if (json_array_size(json_object_get(a, name)) == 0)
		return;
	fprintf(f, "  %s:", label);
	json_array_foreach(json_object_get(a, name), i, v) {
		fprintf(f, "%s revision %lld %s", i ? "," : "", (long long)
		    json_integer_value(json_object_get(v, "revision")),
		    adv_str(v, "date"));
		if (adv_str(v, "outcome")[0] != '\0')
			fprintf(f, " %s", adv_str(v, "outcome"));
		if (adv_str(v, "reason")[0] != '\0')
			fprintf(f, " (%s)", adv_str(v, "reason"));
	}
	fprintf(f, "\n");
}

static void
text_advisory(FILE *f, const json_t *a)
{
	const json_t *c;
	size_t i;

	fprintf(f, "\n%s  %s  ", adv_str(a, "id"), adv_str(a, "state"));
	json_array_foreach(json_object_get(a, "cves"), i, c)
		fprintf(f, "%s%s", i ? "," : "", json_string_value(c));
	if (json_object_get(a, "title") != NULL)
		fprintf(f, "  %s", adv_str(a, "title"));
	fprintf(f, "\n  first sent %s  embargo %s  published %s\n",
	    adv_str(a, "first-distribution")[0] ? adv_str(a, "first-distribution") :
	    "-", adv_str(a, "embargo")[0] ? adv_str(a, "embargo") : "-",
	    adv_str(a, "published")[0] ? adv_str(a, "published") : "-");
	text_marks(f, a, "revisions", "revisions");
	text_marks(f, a, "extensions", "extensions");
	text_marks(f, a, "restarts", "restarts");
	json_array_foreach(json_object_get(a, "copies"), i, c)
		fprintf(f, "  %s %-40s revision %lld  %s  %s\n",
		    json_is_true(json_object_get(c, "delivered")) ? "  " : "!!",
		    adv_str(c, "member"), (long long)json_integer_value(
		    json_object_get(c, "revision")), adv_str(c, "state"),
		    adv_str(c, "time"));
}

void
report_text(const json_t *r, FILE *f)
{
	const json_t *a, *held = json_object_get(r, "held");
	const char *k;
	json_t *v;
	size_t i;

	fprintf(f, "Embargo calendar of %s at %s%s\n", adv_str(r, "list"),
	    adv_str(r, "generated"), json_is_true(json_object_get(r, "subjects")) ?
	    "" : " (embargoed subjects hidden: --subjects shows them)");
	if (json_array_size(json_object_get(r, "advisories")) == 0)
		fprintf(f, "\nNo advisory under embargo or released in the last "
		    "%lld days.\n", (long long)json_integer_value(
		    json_object_get(r, "recent-days")));
	json_array_foreach(json_object_get(r, "advisories"), i, a)
		text_advisory(f, a);
	fprintf(f, "\nHeld: %lld", (long long)json_integer_value(
	    json_object_get(held, "total")));
	json_object_foreach(json_object_get(held, "by-reason"), k, v)
		fprintf(f, "  %s %lld", k, (long long)json_integer_value(v));
	fprintf(f, "\n");
	if (json_object_size(json_object_get(held, "by-age")) > 0) {
		fprintf(f, "Held by age:");
		json_object_foreach(json_object_get(held, "by-age"), k, v)
			fprintf(f, "  %s %lld", k, (long long)
			    json_integer_value(v));
		fprintf(f, "\n");
	}
}
