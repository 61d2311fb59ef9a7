/*
 * listd/advrecord.c: an advisory's record as exported (see advrecord.h),
 * built from the store's records: the advisory's (advisory.c), its
 * revisions' posts (their Embargo: dates) and its current content (the
 * patches).  Sealed fields are opened with the list's key, in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keys.h"
#include "listd/advisory.h"
#include "listd/advisory_int.h"
#include "listd/advrecord.h"
#include "listd/process.h"
#include "listd/record.h"

void
advrec_unseal(struct list *l, json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));
	struct pd_err e = { 0 };
	char *plain;
	size_t len;

	if (s == NULL || strncmp(s, "-----BEGIN PGP MESSAGE-----", 27) != 0)
		return;
	if (keys_unseal(l->keys, s, strlen(s), &plain, &len, &e) == -1) {
		json_object_set_new(o, name, json_string("(its seal does not "
		    "open)"));
		return;
	}
	json_object_set_new(o, name, json_stringn(plain, len));
	wipe_free(plain, len);
}

/* What a revision of the store's record became, in the record's words. */
static const char *
outcome_of(const char *action)
{
	static const struct { const char *action, *outcome; } map[] = {
		{ "deliver", "delivered" }, { "suppress", "suppressed" },
		{ "publish", "published" }, { "release", "published" },
		{ "hold", "held" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(action, map[i].action) == 0)
			return map[i].outcome;
	return action;
}

/* A time of the store's record, or JSON null. */
static json_t *
time_or_null(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL && v[0] != '\0' ? json_string(v) : json_null();
}

/* The Embargo: a revision's post carried: ISO time, or null for none. */
static json_t *
embargo_of(const struct post *p)
{
	char buf[32];

	if (!p->has_keywords || p->kw.embargo_none || !p->kw.embargo_set)
		return json_null();
	return json_string(iso_time(p->kw.embargo, buf));
}

/* A post's subject, opened: "" when it has none. */
static json_t *
subject_of(struct list *l, const struct post *p)
{
	json_t *o = json_pack("{s:s}", "s", p->subject_sealed[0] != '\0' ?
	    p->subject_sealed : p->subject), *subject;

	if (o == NULL)
		return NULL;
	advrec_unseal(l, o, "s");
	subject = json_incref(json_object_get(o, "s"));
	json_decref(o);
	return subject;
}

/* One revision entry of the store's record r, in the record's shape. */
static json_t *
revision_of(struct list *l, struct store_txn *t, const json_t *r,
    struct pd_err *err)
{
	struct post p;
	bool found;
	json_t *o;

	if (post_get(t, false, l->address, adv_str(r, "post"), &p, &found,
	    err) == -1)
		return NULL;
	if (!found) {	/* a held revision: in the held store while kept */
		post_clear(&p);
		if (post_get(t, true, l->address, adv_str(r, "post"), &p,
		    &found, err) == -1)
			return NULL;
	}
	o = json_pack("{s:O, s:o, s:s, s:o}", "revision", json_object_get(r,
	    "revision"), "date", time_or_null(r, "at"), "outcome",
	    outcome_of(adv_str(r, "action")), "embargo", embargo_of(&p));
	post_clear(&p);
	if (o == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (adv_str(r, "reason")[0] != '\0')
		json_object_set(o, "reason", json_object_get(r, "reason"));
	if (adv_str(r, "by")[0] != '\0')
		json_object_set(o, "by", json_object_get(r, "by"));
	if (adv_str(r, "extension")[0] != '\0')
		json_object_set(o, "extension", json_object_get(r, "extension"));
	if (adv_str(r, "restart")[0] != '\0')
		json_object_set(o, "restart", json_object_get(r, "restart"));
	advrec_unseal(l, o, "extension");
	advrec_unseal(l, o, "restart");
	return o;
}

/* The extensions or restarts of the store's record: {revision, date,
   reason}, reasons opened. */
static json_t *
notes_of(struct list *l, const json_t *arec, const char *name)
{
	json_t *out = json_array(), *n, *o;
	size_t i;

	json_array_foreach(json_object_get(arec, name), i, n) {
		o = json_pack("{s:O, s:o, s:O}", "revision", json_object_get(n,
		    "revision"), "date", time_or_null(n, "at"), "reason",
		    json_object_get(n, "reason"));
		if (o == NULL || json_array_append_new(out, o) == -1) {
			json_decref(out);
			return NULL;
		}
		advrec_unseal(l, o, "reason");
	}
	return out;
}

/* The record's facts that the store holds, read in t. */
static int
facts_in(struct list *l, struct store_txn *t, const json_t *arec,
    json_t *out, struct pd_err *err)
{
	json_t *revs = json_array(), *r, *o, *title = NULL;
	struct post cur;
	bool found;
	size_t i;

	if (revs == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_object_set_new(out, "revisions", revs);
	json_array_foreach(json_object_get(arec, "revisions"), i, r) {
		if ((o = revision_of(l, t, r, err)) == NULL)
			return -1;
		json_array_append_new(revs, o);
	}
	if (post_get(t, false, l->address, adv_str(arec, "post"), &cur, &found,
	    err) == -1)
		return -1;
	if (found)
		title = subject_of(l, &cur);
	post_clear(&cur);
	json_object_set_new(out, "title", title ? title : json_string(""));
	json_object_set_new(out, "extensions", notes_of(l, arec, "extensions"));
	json_object_set_new(out, "restarts", notes_of(l, arec, "restarts"));
	if (json_object_get(out, "extensions") == NULL ||
	    json_object_get(out, "restarts") == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	return 0;
}

/* The record's head: what it is and its dates. */
static json_t *
head_of(const json_t *arec)
{
	const json_t *cves = json_object_get(arec, "cve");
	const char *emb = json_object_get(arec, "members-embargo") ?
	    "members-embargo" : "embargo";

	return json_pack("{s:s, s:i, s:O, s:O, s:s, s:O, s:o, s:o, s:o}",
	    "schema", ADVREC_SCHEMA, "version", ADVREC_VERSION,
	    "list", json_object_get(arec, "list"), "id", json_object_get(arec,
	    "id"), "state", adv_str(arec, "state"), "cves", cves ? cves :
	    json_array(), "first-distribution", time_or_null(arec,
	    "first-sent"), "embargo", time_or_null(arec, emb), "published",
	    time_or_null(arec, "released-at"));
}

/* The patches: each attachment's name, size and SHA-256. */
static int
patches_into(struct list *l, const char *id, json_t *out, struct pd_err *err)
{
	struct msg_leaves files;
	char post[POST_ID_MAX], sha[65], *payload = NULL;
	json_t *patches = json_array();
	size_t i, len = 0;
	bool public;
	int rc;

	if (patches == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_object_set_new(out, "patches", patches);
	rc = advrec_content(l, id, post, &public, &payload, &len, &files, err);
	wipe_free(payload, len);
	if (rc == -1) {
		if (err->status != PD_REFUSED)
			return -1;
		/* Said in the record; the rest of it stands. */
		json_object_set_new(out, "patches-error", json_string(err->text));
		return 0;
	}
	for (i = 0; i < files.n; i++) {
		msg_sha256_hex(files.v[i].bytes, files.v[i].len, sha);
		json_array_append_new(patches, json_pack("{s:s, s:I, s:s}",
		    "name", files.v[i].name, "size", (json_int_t)files.v[i].len,
		    "sha256", sha));
	}
	msg_leaves_free(&files);
	return 0;
}

int
advrec_facts(struct list *l, const char *id, json_t **out, struct pd_err *err)
{
	struct adv_facts f;
	struct store_txn *t;
	json_t *arec = NULL, *o = NULL;
	int rc = -1;

	*out = NULL;
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	if (adv_get(t, l->address, id, &arec, &f, err) == -1)
		goto out;
	if (arec == NULL) {
		pd_fail(err, PD_REFUSED, "no advisory %s on %s: see listctl "
		    "advisory ls %s", id, l->address, l->address);
		goto out;
	}
	if ((o = head_of(arec)) == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	rc = facts_in(l, t, arec, o, err);
out:
	store_abort(t);
	json_decref(arec);
	if (rc == 0)
		*out = o;
	else
		json_decref(o);
	return rc;
}

int
advrec_build(struct list *l, const char *id, json_t **out, struct pd_err *err)
{
	if (advrec_facts(l, id, out, err) == -1)
		return -1;
	if (patches_into(l, id, *out, err) == 0)
		return 0;
	json_decref(*out);
	*out = NULL;
	return -1;
}

/* ---- the content ---------------------------------------------------- */

/*
 * The latest public post of the store's record whose public copy is kept
 * (a release's, a public revision's), into post; "" when there is none.
 */
static int
public_post(struct store_txn *t, const json_t *arec, char post[POST_ID_MAX],
    long *revision, struct pd_err *err)
{
	const json_t *revs = json_object_get(arec, "revisions");
	char key[POST_ID_MAX + 8], *bytes;
	size_t i, len;

	post[0] = '\0';
	*revision = 0;
	for (i = json_array_size(revs); i-- > 0;) {
		const json_t *r = json_array_get(revs, i);

		if (strcmp(outcome_of(adv_str(r, "action")), "published") != 0)
			continue;
		snprintf(key, sizeof key, "%s.pub", adv_str(r, "post"));
		if (store_get_bytes(t, STORE_MESSAGES, key, &bytes, &len,
		    err) == -1)
			return -1;
		free(bytes);
		if (bytes != NULL) {
			snprintf(post, POST_ID_MAX, "%s", adv_str(r, "post"));
			*revision = (long)json_integer_value(json_object_get(r,
			    "revision"));
			return 0;
		}
	}
	return 0;
}

/* The sealed public copy of post, opened. */
static int
public_copy(struct list *l, const char *post, char **payload, size_t *len,
    struct pd_err *err)
{
	char key[POST_ID_MAX + 8], *sealed = NULL;
	struct store_txn *t;
	size_t slen = 0;
	int rc;

	snprintf(key, sizeof key, "%s.pub", post);
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = store_get_bytes(t, STORE_MESSAGES, key, &sealed, &slen, err);
	store_abort(t);
	if (rc == 0 && sealed == NULL)
		rc = pd_fail(err, PD_REFUSED, "post %s: its public copy is gone",
		    post);
	if (rc == 0)
		rc = keys_unseal(l->keys, sealed, slen, payload, len, err);
	free(sealed);
	return rc;
}

int
advrec_content(struct list *l, const char *id, char post[POST_ID_MAX],
    bool *public, char **payload, size_t *len, struct msg_leaves *files,
    struct pd_err *err)
{
	struct adv_facts f;
	struct store_txn *t;
	struct post cur;
	json_t *arec = NULL;
	bool found = false;
	long revision;
	int rc;

	*payload = NULL;
	*len = 0;
	*public = false;
	memset(files, 0, sizeof *files);
	post_init(&cur, POST_MESSAGE, POST_DECIDED);
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = adv_get(t, l->address, id, &arec, &f, err);
	if (rc == 0 && arec == NULL)
		rc = pd_fail(err, PD_REFUSED, "no advisory %s on %s", id,
		    l->address);
	if (rc == 0)
		rc = public_post(t, arec, post, &revision, err);
	if (rc == 0 && post[0] == '\0') {
		snprintf(post, POST_ID_MAX, "%s", adv_str(arec, "post"));
		rc = post_get(t, false, l->address, post, &cur, &found, err);
		if (rc == 0 && !found)
			rc = pd_fail(err, PD_REFUSED, "%s has no revision that "
			    "was sent", id);
	}
	store_abort(t);
	json_decref(arec);
	*public = rc == 0 && !found;
	if (rc == 0)
		rc = *public ? public_copy(l, post, payload, len, err) :
		    process_payload(l, NULL, post, cur.moderated, payload, len,
		    err);
	post_clear(&cur);
	if (rc == 0 && (rc = msg_attachments(*payload, *len, files, err)) == -1) {
		wipe_free(*payload, *len);
		*payload = NULL;
		*len = 0;
	}
	return rc;
}

int
advrec_public_post(struct list *l, const char *id, char post[POST_ID_MAX],
    long *revision, struct pd_err *err)
{
	struct adv_facts f;
	struct store_txn *t;
	json_t *arec = NULL;
	int rc;

	post[0] = '\0';
	*revision = 0;
	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = adv_get(t, l->address, id, &arec, &f, err);
	if (rc == 0 && arec != NULL && f.state == ADV_PUBLIC)
		rc = public_post(t, arec, post, revision, err);
	store_abort(t);
	json_decref(arec);
	return rc;
}
