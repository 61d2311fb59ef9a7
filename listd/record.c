/*
 * listd/record.c: see record.h.  Each record's fields are written down once,
 * in a table of JSON name and struct offset, which reading, writing and
 * freeing all walk.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/record_int.h"

/* ---- names ---------------------------------------------------------------- */

static const char *const kind_names[POST_NKINDS] = {
	"message", "approved", "release", "backfill", "reporter-copy",
	"notice", "held-notice", "held", "auto-reply", "reject-notice",
	"date-notice", "cve-reminder", "owner-mail"
};
static const char *const state_names[POST_NSTATES] = {
	"held", "decided", "notify", "waiting-key", "encrypted", "failed",
	"told", "suppressed", "done"
};
static const char *const reason_names[HOLD_NONE + 1] = {
	"loop", "bad-signature", "key-revoked", "key-expired", "suspended",
	"not-team", "non-member", "limits", "malformed", "cannot-decrypt",
	"cannot-process", "unsigned", "unsigned-parts", "keywords", "replay", "stale-signature",
	"advisory", "request", "bounce", "owner", ""
};
static const char *const rcpt_names[RCPT_NKINDS] = {
	"post", "bounces", "owner", "request"
};
static const char *const job_names[JOB_NSTATES] = {
	"new", "ready", "retry", "sent", "failed", "skipped", "bounced"
};

static int
parse_name(const char *const *names, int n, const char *s, int *out)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

#define NAME(names, v, n)	((unsigned)(v) < (n) ? (names)[v] : "?")

const char *
rcpt_kind_name(enum rcpt_kind k)
{
	return NAME(rcpt_names, k, RCPT_NKINDS);
}

int
rcpt_kind_parse(const char *s, enum rcpt_kind *out)
{
	int v;

	if (parse_name(rcpt_names, RCPT_NKINDS, s, &v) == -1)
		return -1;
	*out = (enum rcpt_kind)v;
	return 0;
}

const char *
post_kind_name(enum post_kind k)
{
	return NAME(kind_names, k, POST_NKINDS);
}

const char *
post_state_name(enum post_state s)
{
	return NAME(state_names, s, POST_NSTATES);
}

const char *
hold_reason_name(enum hold_reason r)
{
	return NAME(reason_names, r, HOLD_NONE + 1);
}

const char *
job_state_name(enum job_state s)
{
	return NAME(job_names, s, JOB_NSTATES);
}

int
post_kind_parse(const char *s, enum post_kind *out)
{
	int v;

	if (parse_name(kind_names, POST_NKINDS, s, &v) == -1)
		return -1;
	*out = (enum post_kind)v;
	return 0;
}

int
post_state_parse(const char *s, enum post_state *out)
{
	int v;

	if (parse_name(state_names, POST_NSTATES, s, &v) == -1)
		return -1;
	*out = (enum post_state)v;
	return 0;
}

int
hold_reason_parse(const char *s, enum hold_reason *out)
{
	int v;

	if (parse_name(reason_names, HOLD_NONE, s, &v) == -1)
		return -1;
	*out = (enum hold_reason)v;
	return 0;
}

int
job_state_parse(const char *s, enum job_state *out)
{
	int v;

	if (parse_name(job_names, JOB_NSTATES, s, &v) == -1)
		return -1;
	*out = (enum job_state)v;
	return 0;
}

bool
hold_graver(enum hold_reason a, enum hold_reason b)
{
	return a < b;
}

int
rec_set(char **field, const char *s)
{
	char *c = strdup(s != NULL ? s : "");

	if (c == NULL)
		return -1;
	free(*field);
	*field = c;
	return 0;
}

/* ---- keywords --------------------------------------------------------- */

static json_t *
keywords_json(const struct keywords *kw)
{
	json_t *o, *cves = json_array();
	char when[32];
	size_t i;

	for (i = 0; cves != NULL && i < kw->ncves; i++)
		json_array_append_new(cves, json_string(kw->cve[i]));
	o = json_pack("{s:s, s:I, s:o, s:b}", "advisory", kw->advisory,
	    "revision", (json_int_t)kw->revision, "cve", cves, "resend",
	    kw->resend);
	if (o == NULL)
		return NULL;
	if (kw->embargo_none)
		json_object_set_new(o, "embargo", json_string("none"));
	else if (kw->embargo_set)
		json_object_set_new(o, "embargo", json_string(iso_time(
		    kw->embargo, when)));
	put_str(o, "extension", kw->extension);
	put_str(o, "restart", kw->restart);
	return o;
}

static void
keywords_read(const json_t *o, struct keywords *kw)
{
	const json_t *c;
	const char *e = jstr(o, "embargo");
	size_t i;

	memset(kw, 0, sizeof *kw);
	kw->present = true;
	snprintf(kw->advisory, sizeof kw->advisory, "%s", jstr(o, "advisory"));
	kw->revision = (long)jint(o, "revision", 0);
	kw->resend = json_is_true(json_object_get(o, "resend"));
	kw->embargo_none = strcmp(e, "none") == 0;
	kw->embargo = kw->embargo_none ? 0 : parse_iso(e);
	kw->embargo_set = kw->embargo_none || kw->embargo != 0;
	json_array_foreach(json_object_get(o, "cve"), i, c)
		if (kw->ncves < KW_MAX_CVES)
			snprintf(kw->cve[kw->ncves++], sizeof kw->cve[0], "%s",
			    json_string_value(c) ? json_string_value(c) : "");
	snprintf(kw->extension, sizeof kw->extension, "%s",
	    jstr(o, "extension"));
	snprintf(kw->restart, sizeof kw->restart, "%s", jstr(o, "restart"));
}

/* ---- posts ------------------------------------------------------------ */

static const struct {
	const char	*name;
	size_t		 off;
} post_strs[] = {
#define S(n, f)	{ n, offsetof(struct post, f) }
	S("id", id), S("list", list), S("sender", sender), S("via", via),
	S("from", from), S("message-id", message_id),
	S("in-reply-to", in_reply_to), S("references", references),
	S("subject", subject), S("subject-sealed", subject_sealed),
	S("subject-from", subject_from),
	S("form", form), S("signer", signer),
	S("signer-address", signer_address), S("reason-text", reason_text),
	S("advisory-action", advisory_action),
	S("advisory-reason", advisory_reason), S("accepted-as", accepted_as),
	S("approved-by", approved_by), S("reporter", reporter),
	S("source", source), S("text", text),
	S("failure", failure), S("micalg", micalg)
#undef S
};
#define NSTRS	(sizeof post_strs / sizeof post_strs[0])
#define FIELD(p, i)	((char **)(void *)((char *)(p) + post_strs[i].off))

static const struct {
	const char	*name;
	size_t		 off;
} post_counts[] = {
	{ "jobs", offsetof(struct post, jobs) },
	{ "public-copies", offsetof(struct post, public_copies) },
	{ "skipped", offsetof(struct post, skipped) },
	{ "sent", offsetof(struct post, sent) },
	{ "failed", offsetof(struct post, failed) }
};
#define NCOUNTS	(sizeof post_counts / sizeof post_counts[0])
#define COUNT(p, i)	((long *)(void *)((char *)(p) + post_counts[i].off))

void
post_init(struct post *p, enum post_kind kind, enum post_state state)
{
	size_t i;

	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->state = state;
	p->reason = p->held_for = HOLD_NONE;
	p->size = p->received = -1;
	for (i = 0; i < NCOUNTS; i++)
		*COUNT(p, i) = -1;
	for (i = 0; i < NSTRS; i++)
		*FIELD(p, i) = NULL;
}

void
post_clear(struct post *p)
{
	size_t i;

	for (i = 0; i < NSTRS; i++) {
		free(*FIELD(p, i));
		*FIELD(p, i) = NULL;
	}
}

/* Every string "" at least; -1 when out of memory. */
static int
post_fill(struct post *p)
{
	size_t i;

	for (i = 0; i < NSTRS; i++)
		if (*FIELD(p, i) == NULL && rec_set(FIELD(p, i), "") == -1)
			return -1;
	return 0;
}

static int
post_read(const json_t *o, struct post *p, bool held)
{
	enum hold_reason r;
	size_t i;

	post_init(p, POST_MESSAGE, held ? POST_HELD : POST_DECIDED);
	for (i = 0; i < NSTRS; i++)
		if (rec_set(FIELD(p, i), jstr(o, post_strs[i].name)) == -1)
			return -1;
	for (i = 0; i < NCOUNTS; i++)
		*COUNT(p, i) = (long)jint(o, post_counts[i].name, -1);
	if (json_object_get(o, "kind") != NULL)
		post_kind_parse(jstr(o, "kind"), &p->kind);
	if (!held)
		post_state_parse(jstr(o, "state"), &p->state);
	if (hold_reason_parse(jstr(o, "reason"), &r) == 0)
		p->reason = r;
	if (hold_reason_parse(jstr(o, "held-for"), &r) == 0)
		p->held_for = r;
	p->decided_at = jtime(o, "decided-at");
	p->approved_at = jtime(o, "approved-at");
	p->size = jint(o, "size", -1);
	p->received = jint(o, "received", -1);
	p->may_auto_reply = json_is_true(json_object_get(o, "may-auto-reply"));
	p->moderated = json_is_true(json_object_get(o, "moderated"));
	if (json_is_object(json_object_get(o, "keywords"))) {
		p->has_keywords = true;
		keywords_read(json_object_get(o, "keywords"), &p->kw);
	}
	if (json_is_object(json_object_get(o, "reporter-copy"))) {
		const json_t *rc = json_object_get(o, "reporter-copy");

		if (rec_set(&p->reporter_copy_to, jstr(rc, "to")) == -1 ||
		    rec_set(&p->reporter_copy_how, jstr(rc, "how")) == -1)
			return -1;
	}
	return post_fill(p);
}

json_t *
post_json(const struct post *p)
{
	json_t *o = json_object();
	size_t i;
	int rc = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < NSTRS; i++)
		rc |= put_str(o, post_strs[i].name, *FIELD(p, i));
	for (i = 0; i < NCOUNTS; i++)
		rc |= put_count(o, post_counts[i].name, *COUNT(p, i));
	rc |= put_str(o, "kind", post_kind_name(p->kind));
	rc |= put_str(o, "state", post_state_name(p->state));
	if (p->kind == POST_MESSAGE)
		rc |= put_str(o, "decision", p->state == POST_HELD ? "hold" :
		    "distribute");
	rc |= put_str(o, "reason", hold_reason_name(p->reason));
	rc |= put_str(o, "held-for", hold_reason_name(p->held_for));
	rc |= put_time(o, "decided-at", p->decided_at);
	rc |= put_time(o, "approved-at", p->approved_at);
	rc |= put_count(o, "size", p->size);
	rc |= put_count(o, "received", p->received);
	if (p->kind == POST_MESSAGE)
		rc |= json_object_set_new(o, "may-auto-reply",
		    json_boolean(p->may_auto_reply));
	if (p->moderated)
		rc |= json_object_set_new(o, "moderated", json_true());
	if (p->has_keywords)
		rc |= json_object_set_new(o, "keywords", keywords_json(&p->kw));
	if (p->reporter_copy_to != NULL && p->reporter_copy_to[0] != '\0')
		rc |= json_object_set_new(o, "reporter-copy", json_pack(
		    "{s:s, s:s}", "to", p->reporter_copy_to, "how",
		    p->reporter_copy_how ? p->reporter_copy_how : ""));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
post_keywords_json(const struct post *p)
{
	return p->has_keywords ? keywords_json(&p->kw) : NULL;
}

static enum store_db
post_db(bool held)
{
	return held ? STORE_HELD : STORE_POSTS;
}

int
post_get(struct store_txn *t, bool held, const char *list, const char *id,
    struct post *p, bool *found, struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = NULL;
	int rc;

	*found = false;
	post_init(p, POST_MESSAGE, held ? POST_HELD : POST_DECIDED);
	store_member_key(list, id, key);
	if (store_get(t, post_db(held), key, &o, err) == -1)
		return -1;
	if (o == NULL)
		return post_fill(p) == 0 ? 0 : pd_fail(err, PD_TEMPFAIL,
		    "out of memory");
	*found = true;
	rc = post_read(o, p, held);
	json_decref(o);
	return rc == 0 ? 0 : pd_fail(err, PD_TEMPFAIL, "out of memory");
}

int
post_put(struct store_txn *t, const struct post *p, bool exclusive,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];
	json_t *o = post_json(p);
	int rc;

	if (o == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	store_member_key(p->list, p->id, key);
	rc = store_put(t, post_db(p->state == POST_HELD), key, o, exclusive,
	    err);
	json_decref(o);
	return rc;
}

int
post_del(struct store_txn *t, bool held, const char *list, const char *id,
    struct pd_err *err)
{
	char key[STORE_KEY_MAX];

	store_member_key(list, id, key);
	return store_del(t, post_db(held), key, err);
}

struct post_scan {
	struct post_set	*set;
	bool		 held;
};

static int
collect_post(const char *key, json_t *o, void *arg)
{
	struct post_scan *s = arg;

	(void)key;
	if (SET_ROOM(s->set) == -1)
		return SCAN_NOMEM;
	if (post_read(o, &s->set->v[s->set->n], s->held) == -1) {
		post_clear(&s->set->v[s->set->n]);
		return SCAN_NOMEM;
	}
	s->set->n++;
	return 0;
}

int
post_collect(struct store_txn *t, bool held, const char *list,
    struct post_set *out, struct pd_err *err)
{
	struct post_scan s = { out, held };
	char prefix[STORE_KEY_MAX];

	memset(out, 0, sizeof *out);
	if (list[0] == '\0')
		prefix[0] = '\0';
	else
		store_member_key(list, "", prefix);
	if (rec_scan(t, post_db(held), prefix, collect_post, &s, err) == 0)
		return 0;
	post_set_free(out);
	return -1;
}

void
post_set_free(struct post_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		post_clear(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- the inbox ------------------------------------------------------- */

int
post_from_inbox(struct post *p, const struct inbox_entry *in)
{
	post_init(p, POST_MESSAGE, POST_DECIDED);
	p->size = in->size;
	p->received = in->received;
	p->decided_at = time(NULL);
	if (rec_set(&p->id, in->id) == -1 || rec_set(&p->list, in->list) == -1 ||
	    rec_set(&p->sender, in->sender) == -1 ||
	    rec_set(&p->via, in->via) == -1 || post_fill(p) == -1) {
		post_clear(p);
		return -1;
	}
	return 0;
}

