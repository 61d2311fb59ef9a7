/* listd/reporter.c: see reporter.h. */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <string.h>
#include <time.h>

#include "listd/jobs.h"
#include "listd/notice.h"
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
    bool token, bool *known, struct pd_err *err)
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
	v = json_pack("{s:s, s:s, s:s, s:b}", "reporter", reporter, "post",
	    post, "at", iso_time(time(NULL), now), "token", token);
	rc = v ? store_put(t, STORE_THREADS, key, v, true, err) :
	    pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_decref(v);
	return rc;
}

int
reporter_thread_find(struct store_txn *t, const char *list,
    const char *in_reply_to, const char *references,
    char reporter[ADDR_MAX + 1], bool *token, struct pd_err *err)
{
	const char *headers[] = { in_reply_to, references }, *r;
	char id[MSGID_MAX + 1], key[STORE_KEY_MAX];
	const char *p;
	json_t *v;
	size_t i, n;

	reporter[0] = '\0';
	*token = false;
	for (i = 0; i < 2; i++)
		for (p = headers[i], n = 0; n < 100 && next_id(&p, id); n++) {
			thread_key(list, id, key);
			if (store_get(t, STORE_THREADS, key, &v, err) == -1)
				return -1;
			if (v == NULL)
				continue;
			r = json_string_value(json_object_get(v, "reporter"));
			if (reporter[0] == '\0')
				snprintf(reporter, ADDR_MAX + 1, "%s", r ? r : "");
			if (r != NULL && strcmp(r, reporter) == 0 &&
			    json_is_true(json_object_get(v, "token")))
				*token = true;
			json_decref(v);
		}
	return 0;
}

/*
 * A Message-ID of pdlist's own for a reporter's copy, from 128 random bits:
 * the reporter's answer to it proves the reporter read the copy, which
 * nobody else can name (reporter-followups = accept).
 */
static int
token_id(const char *list, char *out, size_t len, struct pd_err *err)
{
	unsigned char r[16];
	size_t i, n;

	if (getrandom(r, sizeof r, 0) != sizeof r)
		return pd_fail(err, PD_TEMPFAIL, "no randomness: %s",
		    strerror(errno));
	n = (size_t)snprintf(out, len, "<reporter-");
	for (i = 0; i < sizeof r && n + 3 < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%02x", r[i]);
	snprintf(out + n, len - n, "@%s>", strrchr(list, '@') + 1);
	return 0;
}

int
reporter_outsider(struct store_txn *t, const char *list, const char *address,
    bool *outside, struct pd_err *err)
{
	struct member m;
	bool found;

	if (member_get(t, list, address, &m, &found, err) == -1)
		return -1;
	*outside = !found || m.role == POL_ROLE_REPORTER;
	return 0;
}

int
reporter_thread_start(struct store_txn *t, const char *list,
    const struct post *held, const char *post, const char **reporter,
    struct pd_err *err)
{
	bool outside, known;

	*reporter = NULL;
	if (held->from[0] == '\0' || strcmp(held->from, list) == 0 ||
	    held->message_id[0] == '\0')
		return 0;
	if (reporter_outsider(t, list, held->from, &outside, err) == -1)
		return -1;
	if (!outside)
		return 0;
	if (reporter_thread_add(t, list, held->message_id, held->from, post,
	    false, &known, err) == -1)
		return -1;
	*reporter = held->from;
	return 0;
}

int
reporter_copy_later(struct store_txn *t, const char *list,
    const struct policy *pol, const struct post *p, const char *reporter,
    const char **how, struct pd_err *err)
{
	char id[POST_ID_MAX], nid[POST_ID_MAX + 8], text[1024], mid[128];
	char *const to[] = { (char *)reporter };
	struct post copy;
	struct member m;
	size_t n = 0;
	bool found, known;
	int rc;

	*how = "";
	if (member_get(t, list, reporter, &m, &found, err) == -1)
		return -1;
	if (found && (m.role != POL_ROLE_REPORTER || !m.active))
		return 0;	/* gets the list's own copy, or is suspended */
	snprintf(id, sizeof id, "%s.reporter", p->id);
	/* Its own Message-ID, in the thread as the reporter's token. */
	if (token_id(list, mid, sizeof mid, err) == -1 ||
	    reporter_thread_add(t, list, mid, reporter, id, true, &known,
	    err) == -1)
		return -1;
	post_init(&copy, POST_REPORTER_COPY, POST_DECIDED);
	copy.decided_at = time(NULL);
	if (rec_set(&copy.id, id) | rec_set(&copy.list, list) |
	    rec_set(&copy.source, p->id) | rec_set(&copy.reporter, reporter) |
	    rec_set(&copy.subject_sealed, p->subject_sealed) |
	    rec_set(&copy.message_id,
	    mid) | rec_set(&copy.in_reply_to, p->in_reply_to) |
	    rec_set(&copy.references, p->references)) {
		post_clear(&copy);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	if (found) {
		*how = "encrypted";
		rc = jobs_for_members(t, list, id, NULL, reporter, &n, err);
	} else if (pol->reporter_plaintext) {
		*how = "plaintext";
		rc = jobs_for_public(t, list, id, NULL, to, 1, err);
	} else {
		*how = "waiting-key";
		copy.state = POST_WAITING_KEY;
		snprintf(text, sizeof text, "Post %s on %s is a reply in the "
		    "thread of %s, who reported it.  The policy sends replies to "
		    "a reporter only encrypted, and the list has no usable key "
		    "for %s: the copy waits.\n\nAdd the key with listctl member "
		    "add %s %s --role reporter --key FILE; the copy then goes "
		    "out.\n", p->id, list, reporter, reporter, list, reporter);
		snprintf(nid, sizeof nid, "%s.wait", id);
		rc = notice_moderators_later(t, list, nid, text, "", err);
	}
	if (rc == 0)
		rc = post_put(t, &copy, true, err);
	post_clear(&copy);
	return rc;
}

int
reporter_key_added(struct store_txn *t, const char *list,
    const char *reporter, size_t *n, struct pd_err *err)
{
	struct post_set posts;
	struct post *p;
	size_t i, k;
	int rc;

	*n = 0;
	if (post_collect(t, false, list, &posts, err) == -1)
		return -1;
	for (i = 0, rc = 0; rc == 0 && i < posts.n; i++) {
		p = &posts.v[i];
		if (p->state != POST_WAITING_KEY ||
		    strcmp(p->reporter, reporter) != 0)
			continue;
		p->state = POST_DECIDED;
		rc = jobs_for_members(t, list, p->id, NULL, reporter, &k, err);
		if (rc == 0)
			rc = post_put(t, p, false, err);
		*n += k;
	}
	post_set_free(&posts);
	return rc;
}
