/* listd/reporter.c: see reporter.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "listd/jobs.h"
#include "listd/reporter.h"

#define MSGID_MAX	400	/* the part of a Message-ID kept as a key */

/*
 * The next Message-ID in a header from *p on: what is between '<' and '>',
 * or, in a header without brackets, the next word.  0 when there is none.
 */
static int
next_id(const char **p, char out[MSGID_MAX + 1])
{
	const char *s = *p, *open, *close;
	size_t n;

	while (s != NULL && *s != '\0') {
		if ((open = strchr(s, '<')) != NULL) {
			if ((close = strchr(open, '>')) == NULL)
				break;	/* an unclosed '<': nothing more */
			s = open + 1;
			n = (size_t)(close - s);
			*p = close + 1;
		} else {
			s += strspn(s, " \t\r\n");
			n = strcspn(s, " \t\r\n");
			*p = s + n;
		}
		if (n > 0) {
			snprintf(out, MSGID_MAX + 1, "%.*s", (int)(n > MSGID_MAX ?
			    MSGID_MAX : n), s);
			return 1;
		}
		s = *p;
	}
	return 0;
}

static void
thread_key(const char *list, const char *id, char key[STORE_KEY_MAX])
{
	store_member_key(list, id, key);
}

int
reporter_thread_add(struct store_txn *t, const char *list,
    const char *message_id, const char *reporter, const char *post,
    bool *known, struct pd_err *err)
{
	char id[MSGID_MAX + 1], key[STORE_KEY_MAX], now[32];
	const char *p = message_id;
	json_t *v = NULL;
	int rc;

	*known = false;
	if (!next_id(&p, id))
		return 0;	/* no Message-ID: nothing can refer to it */
	thread_key(list, id, key);
	if (store_get(t, STORE_THREADS, key, &v, err) == -1)
		return -1;
	if (v != NULL) {
		*known = true;
		json_decref(v);
		return 0;
	}
	v = json_pack("{s:s, s:s, s:s}", "reporter", reporter, "post", post,
	    "at", iso_time(time(NULL), now));
	rc = v ? store_put(t, STORE_THREADS, key, v, true, err) :
	    pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_decref(v);
	return rc;
}

int
reporter_thread_find(struct store_txn *t, const char *list,
    const char *in_reply_to, const char *references,
    char reporter[ADDR_MAX + 1], struct pd_err *err)
{
	const char *headers[] = { in_reply_to, references };
	char id[MSGID_MAX + 1], key[STORE_KEY_MAX];
	const char *p;
	json_t *v;
	size_t i, n;

	reporter[0] = '\0';
	for (i = 0; i < 2; i++)
		for (p = headers[i], n = 0; n < 100 && next_id(&p, id); n++) {
			thread_key(list, id, key);
			if (store_get(t, STORE_THREADS, key, &v, err) == -1)
				return -1;
			if (v == NULL)
				continue;
			snprintf(reporter, ADDR_MAX + 1, "%s", json_string_value(
			    json_object_get(v, "reporter")));
			json_decref(v);
			return 0;
		}
	return 0;
}

/* The member record of address on list (a new reference), or NULL. */
static int
member(struct store_txn *t, const char *list, const char *address,
    json_t **m, struct pd_err *err)
{
	char key[STORE_KEY_MAX];

	store_member_key(list, address, key);
	return store_get(t, STORE_MEMBERS, key, m, err);
}

static bool
is_role(const json_t *m, const char *role)
{
	const char *r = json_string_value(json_object_get(m, "role"));

	return r != NULL && strcmp(r, role) == 0;
}

static bool
is_active(const json_t *m)
{
	const char *s = json_string_value(json_object_get(m, "state"));

	return s != NULL && strcmp(s, "active") == 0;
}

int
reporter_outsider(struct store_txn *t, const char *list, const char *address,
    bool *outside, struct pd_err *err)
{
	json_t *m;

	if (member(t, list, address, &m, err) == -1)
		return -1;
	*outside = m == NULL || is_role(m, "reporter");
	json_decref(m);
	return 0;
}

int
reporter_thread_start(struct store_txn *t, const char *list,
    const json_t *held, const char *post, const char **reporter,
    struct pd_err *err)
{
	const char *from = json_string_value(json_object_get(held, "from"));
	const char *mid = json_string_value(json_object_get(held, "message-id"));
	bool outside, known;

	*reporter = NULL;
	if (from == NULL || from[0] == '\0' || strcmp(from, list) == 0 ||
	    mid == NULL || mid[0] == '\0')
		return 0;
	if (reporter_outsider(t, list, from, &outside, err) == -1)
		return -1;
	if (!outside)
		return 0;
	if (reporter_thread_add(t, list, mid, from, post, &known, err) == -1)
		return -1;
	*reporter = from;
	return 0;
}

int
reporter_copy_later(struct store_txn *t, const char *list,
    const struct policy *pol, const json_t *rec, const char *reporter,
    const char **how, struct pd_err *err)
{
	const char *post = json_string_value(json_object_get(rec, "id"));
	char id[128], key[STORE_KEY_MAX], text[1024];
	json_t *m = NULL, *copy, *to;
	size_t n = 0;
	int rc;

	*how = "";
	if (member(t, list, reporter, &m, err) == -1)
		return -1;
	if (m != NULL && (!is_role(m, "reporter") || !is_active(m))) {
		json_decref(m);	/* gets the list's own copy, or is suspended */
		return 0;
	}
	snprintf(id, sizeof id, "%s.reporter", post);
	copy = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:O*, s:O*}",
	    "id", id, "list", list, "kind", "reporter-copy", "state", "decided",
	    "source", post, "reporter", reporter, "subject", json_object_get(rec,
	    "subject"), "message-id", json_object_get(rec, "message-id"),
	    "in-reply-to", json_object_get(rec, "in-reply-to"), "references",
	    json_object_get(rec, "references"));
	if (copy == NULL) {
		json_decref(m);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	if (m != NULL) {
		*how = "encrypted";
		rc = jobs_for_members(t, list, id, NULL, reporter, &n, err);
	} else if (pol->reporter_plaintext) {
		*how = "plaintext";
		to = json_pack("[s]", reporter);
		rc = to ? jobs_for_public(t, list, id, NULL, to, &n, err) :
		    pd_fail(err, PD_TEMPFAIL, "out of memory");
		json_decref(to);
	} else {
		*how = "waiting-key";
		json_object_set_new(copy, "state", json_string("waiting-key"));
		snprintf(text, sizeof text, "Post %s on %s is a reply in the "
		    "thread of %s, who reported it.  The policy sends replies to "
		    "a reporter only encrypted, and the list has no usable key "
		    "for %s: the copy waits.\n\nAdd the key with listctl member "
		    "add %s %s --role reporter --key FILE; the copy then goes "
		    "out.\n", post, list, reporter,
		    reporter, list, reporter);
		snprintf(key, sizeof key, "%s.wait", id);
		rc = notice_later(t, list, key, "held-notice", text, NULL, err);
	}
	store_member_key(list, id, key);
	if (rc == 0)
		rc = store_put(t, STORE_POSTS, key, copy, true, err);
	json_decref(copy);
	json_decref(m);
	return rc;
}

int
reporter_key_added(struct store_txn *t, const char *list,
    const char *reporter, size_t *n, struct pd_err *err)
{
	char prefix[STORE_KEY_MAX];
	json_t *posts = NULL, *w, *post;
	const char *to, *state;
	size_t i, k;
	int rc;

	*n = 0;
	store_member_key(list, "", prefix);
	rc = store_collect(t, STORE_POSTS, prefix, &posts, err);
	json_array_foreach(posts, i, w) {
		post = json_object_get(w, "value");
		to = json_string_value(json_object_get(post, "reporter"));
		state = json_string_value(json_object_get(post, "state"));
		if (rc != 0 || to == NULL || strcmp(to, reporter) != 0 ||
		    state == NULL || strcmp(state, "waiting-key") != 0)
			continue;
		json_object_set_new(post, "state", json_string("decided"));
		rc = jobs_for_members(t, list, json_string_value(json_object_get(
		    post, "id")), NULL, reporter, &k, err);
		if (rc == 0)
			rc = store_put(t, STORE_POSTS, json_string_value(
			    json_object_get(w, "key")), post, false, err);
		*n += k;
	}
	json_decref(posts);
	return rc == 0 ? 0 : -1;
}
