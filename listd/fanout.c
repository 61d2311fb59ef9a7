/* listd/fanout.c: see fanout.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/log.h"
#include "keys/keys.h"
#include "keys/pgpsplit.h"
#include "listd/fanout.h"
#include "listd/msg.h"
#include "listd/process.h"
#include "listd/smtp.h"
#include "policy/policy.h"

#define FANOUT_SUBJECT		"[...]"	/* the outer Subject says nothing */
#define RETRY_MAX_DELAY		(6 * 3600)
#define RETRY_MAX_ATTEMPTS	20	/* about four days, then it failed */

/* ---- small helpers ------------------------------------------------------ */

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
iso_now(char buf[32])
{
	iso_time(time(NULL), buf);
}

static void
job_key(const char *list, const char *post, const char *member,
    char key[STORE_KEY_MAX])
{
	snprintf(key, STORE_KEY_MAX, "%s\x1f%s\x1f%s", list, post, member);
}

/* Every record of db under prefix, as [{key, value}] (caller decrefs). */
static json_t *
records(struct store *st, enum store_db db, const char *prefix,
    struct pd_err *err)
{
	struct store_txn *t;
	json_t *arr = NULL;

	if (store_begin(st, false, &t, err) == -1)
		return NULL;
	store_collect(t, db, prefix, &arr, err);
	store_abort(t);
	return arr;
}

static json_t *
get_json(struct store *st, enum store_db db, const char *key,
    struct pd_err *err)
{
	struct store_txn *t;
	json_t *v = NULL;

	if (store_begin(st, false, &t, err) == 0) {
		store_get(t, db, key, &v, err);
		store_abort(t);
	}
	return v;
}

/* Appends an audit entry in t; takes the reference to detail (or NULL). */
static int
audit(struct store_txn *t, const char *list, const char *action,
    const char *subject, const char *outcome, json_t *detail,
    struct pd_err *err)
{
	char now[32];
	json_t *e;
	int rc;

	iso_now(now);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time", now, "list",
	    list, "actor", "listd", "unix-user", "", "action", action, "subject",
	    subject, "outcome", outcome);
	if (e == NULL) {
		json_decref(detail);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	if (detail != NULL)
		json_object_set_new(e, "detail", detail);
	rc = store_audit(t, e, err);
	json_decref(e);
	return rc;
}

/* ---- one list's context ---------------------------------------------------- */

struct lst {
	const struct conf *conf;
	struct store	*st;
	const char	*list;
	char		 fpr[41];	/* the list's key */
	struct keys	*keys;
	struct policy	*pol;
	struct keyfacts	*facts;		/* every key of the keyring, listed */
	size_t		 nfacts;	/* once per run: see check_member() */
};

static int
lst_open(struct lst *l, const struct conf *conf, struct store *st,
    const char *list, struct pd_err *err)
{
	char path[1100], perr[512];
	json_t *rec;

	memset(l, 0, sizeof *l);
	l->conf = conf;
	l->st = st;
	l->list = list;
	if ((rec = get_json(st, STORE_LISTS, list, err)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "no list %s", list);
	snprintf(l->fpr, sizeof l->fpr, "%s", jstr(rec, "fingerprint"));
	json_decref(rec);
	snprintf(path, sizeof path, "%s/lists/%s/policy.conf", conf->datadir,
	    list);
	if (pol_load(path, &l->pol, perr, sizeof perr) == -1)
		return pd_fail(err, PD_TEMPFAIL, "list %s: policy: %s", list,
		    perr);
	snprintf(path, sizeof path, "%s/lists/%s/gnupg", conf->datadir, list);
	if (keys_open(path, 0, &l->keys, err) == -1)
		return -1;
	/* The keys' state as it is now, for every member at once. */
	return keys_facts_all(l->keys, &l->facts, &l->nfacts, err);
}

static void
lst_close(struct lst *l)
{
	keys_facts_free_all(l->facts, l->nfacts);
	l->facts = NULL;
	l->nfacts = 0;
	keys_close(l->keys);
	pol_free(l->pol);
	l->keys = NULL;
	l->pol = NULL;
}

/* ---- recipients -------------------------------------------------------------- */

struct rcpt {
	char	address[ADDR_MAX + 1];
	bool	public;		/* a public address: signed, not encrypted */
	char	subkey[41];	/* the encryption subkey to use */
	char	keyid[17];
	char	skip[300];	/* why not, or "" */
};

/* A member who gets an encrypted copy. */
static bool
encrypted_to(const struct rcpt *r)
{
	return !r->public && r->skip[0] == '\0';
}

/* Checks one member's key now: the subkey to encrypt to, or why not. */
static void
check_member(struct lst *l, const char *address, struct rcpt *r, time_t now)
{
	char key[STORE_KEY_MAX];
	const struct keyfacts *kf;
	struct pol_verdict v;
	struct pd_err err = { 0 };
	json_t *m;
	size_t i, off;

	memset(r, 0, sizeof *r);
	snprintf(r->address, sizeof r->address, "%s", address);
	store_member_key(l->list, address, key);
	m = get_json(l->st, STORE_MEMBERS, key, &err);
	if (m == NULL || strcmp(jstr(m, "state"), "active") != 0) {
		snprintf(r->skip, sizeof r->skip, "no longer an active member");
		json_decref(m);
		return;
	}
	if ((kf = keys_facts_find(l->facts, l->nfacts,
	    jstr(m, "fingerprint"))) == NULL) {
		snprintf(r->skip, sizeof r->skip, "key %s is not in the list's "
		    "keyring", jstr(m, "fingerprint"));
		json_decref(m);
		return;
	}
	pol_verdict_init(&v);
	pol_check_key(kf, address, l->pol, now, &v);
	for (i = 0, off = 0; i < v.n && off < sizeof r->skip; i++)
		off += (size_t)snprintf(r->skip + off, sizeof r->skip - off,
		    "%s%s", i ? "; " : "", v.reason[i].text);
	if (v.n == 0 && v.enc_subkey >= 0) {
		snprintf(r->subkey, sizeof r->subkey, "%s",
		    kf->sub[v.enc_subkey].fpr);
		snprintf(r->keyid, sizeof r->keyid, "%s",
		    kf->sub[v.enc_subkey].keyid);
	} else if (r->skip[0] == '\0')
		snprintf(r->skip, sizeof r->skip, "no usable encryption subkey");
	json_decref(m);
}

/* "FPR!\nFPR!\n" for gpgme_op_encrypt_sign_ext(); NULL when none. */
static char *
recipient_string(const struct rcpt *r, size_t n)
{
	char *s = calloc(n * 43 + 1, 1);
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (encrypted_to(&r[i])) {
			strcat(s, r[i].subkey);
			strcat(s, "!\n");
		}
	return s;
}

/*
 * Encrypts payload once to every recipient not skipped and checks that the
 * result has exactly one PKESK per recipient and no other.
 */
static int
encrypt_once(struct lst *l, const char *payload, size_t len, struct rcpt *r,
    size_t n, char **cipher, size_t *clen, struct pd_err *err)
{
	struct pgp_split *sp = NULL;
	char *rs = recipient_string(r, n);
	size_t i, want = 0;
	int rc = -1;

	if (rs == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (keys_sign_encrypt(l->keys, l->fpr, rs, payload, len, cipher, clen,
	    err) == -1)
		goto out;
	if (pgp_split_parse(*cipher, *clen, &sp, err) == -1) {
		err->status = PD_REFUSED;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!encrypted_to(&r[i]))
			continue;
		want++;
		if (!pgp_split_has(sp, r[i].keyid)) {
			pd_fail(err, PD_REFUSED, "no session key packet for %s "
			    "(subkey %s): nothing is sent", r[i].address,
			    r[i].keyid);
			goto out;
		}
	}
	if (pgp_split_count(sp) != want) {
		pd_fail(err, PD_REFUSED, "%zu session key packets for %zu "
		    "recipients: nothing is sent", pgp_split_count(sp), want);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		free(*cipher);
		*cipher = NULL;
	}
	pgp_split_free(sp);
	free(rs);
	return rc;
}

/* ---- notices to the admins ------------------------------------------------- */

struct admin_scan {
	struct lst	*l;
	struct rcpt	*r;
	size_t		 n, cap;
	time_t		 now;
	const char	*only;		/* this member, or NULL for the admins */
	bool		 moderators;	/* and the moderators */
};

static int
add_admin(const char *key, json_t *m, void *arg)
{
	struct admin_scan *a = arg;
	struct rcpt *nr;

	(void)key;
	if (a->only != NULL ? strcmp(jstr(m, "address"), a->only) != 0 :
	    strcmp(jstr(m, "role"), "admin") != 0 && (!a->moderators ||
	    strcmp(jstr(m, "role"), "moderator") != 0))
		return 0;
	if (strcmp(jstr(m, "state"), "active") != 0)
		return 0;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		if ((nr = realloc(a->r, a->cap * sizeof *nr)) == NULL)
			return -1;
		a->r = nr;
	}
	snprintf(a->r[a->n++].address, ADDR_MAX + 1, "%s", jstr(m, "address"));
	return 0;
}

static json_t *
new_job(const char *list, const char *post, const struct rcpt *r, time_t now)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I}", "list", list,
	    "post", post, "member", r->address, "state", r->skip[0] ? "skipped" :
	    "ready", "keyid", r->keyid, "attempts", 0, "next-attempt",
	    (json_int_t)now);
}

/* Stores an encrypted notice with a ready job per admin, in one txn. */
static int
store_notice(struct lst *l, const char *id, const char *subject,
    const char *cipher, size_t clen, const struct rcpt *r, size_t n,
    struct pd_err *err)
{
	struct store_txn *t;
	char key[STORE_KEY_MAX], mkey[80];
	json_t *rec, *job;
	size_t i;
	int rc = -1;

	rec = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "list", l->list,
	    "kind", "notice", "state", "encrypted");
	snprintf(mkey, sizeof mkey, "%s.pgp", id);
	store_member_key(l->list, id, key);
	if (rec == NULL || store_begin(l->st, true, &t, err) == -1) {
		json_decref(rec);
		return -1;
	}
	if (store_put(t, STORE_POSTS, key, rec, true, err) == -1 ||
	    store_put_bytes(t, STORE_MESSAGES, mkey, cipher, clen, true,
	    err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		job_key(l->list, id, r[i].address, key);
		job = new_job(l->list, id, &r[i], time(NULL));
		rc = store_put(t, STORE_JOBS, key, job, true, err);
		json_decref(job);
		if (rc == -1)
			goto out;
	}
	rc = audit(t, l->list, "notice", id, "encrypted", json_pack("{s:s}",
	    "about", subject), err);
out:
	if (rc == 0)
		rc = store_commit(t, err);
	else
		store_abort(t);
	json_decref(rec);
	return rc;
}

/*
 * Tells the list's admins, or with to one member, in a notice encrypted to
 * their keys alone.  When none has a usable key, the notice is not sent at
 * all (never in plaintext) and that is recorded.
 */
static void
notify_who(struct lst *l, const char *to, bool moderators, const char *subject,
    const char *text)
{
	struct admin_scan a = { l, NULL, 0, 0, time(NULL), to, moderators };
	struct msg_protected ph = { subject, l->list, l->list, NULL, NULL };
	struct store_txn *t;
	struct pd_err err = { 0 };
	char prefix[STORE_KEY_MAX], id[64], *payload = NULL, *cipher = NULL;
	size_t i, plen = 0, clen = 0, usable = 0;

	store_member_key(l->list, "", prefix);
	if (store_begin(l->st, false, &t, &err) == 0) {
		store_scan(t, STORE_MEMBERS, prefix, add_admin, &a, &err);
		store_abort(t);
	}
	for (i = 0; i < a.n; i++) {
		char addr[ADDR_MAX + 1];

		snprintf(addr, sizeof addr, "%s", a.r[i].address);
		check_member(l, addr, &a.r[i], a.now);
		usable += a.r[i].skip[0] == '\0';
	}
	if (usable == 0 || make_id("notice-", id, sizeof id) == -1 ||
	    msg_text_payload(text, strlen(text), &ph, &payload, &plen, &err) == -1 ||
	    encrypt_once(l, payload, plen, a.r, a.n, &cipher, &clen, &err) == -1 ||
	    store_notice(l, id, subject, cipher, clen, a.r, a.n, &err) == -1) {
		if (store_begin(l->st, true, &t, &err) == 0) {
			if (audit(t, l->list, "notice", subject, "undeliverable",
			    json_pack("{s:s}", "why", usable ? err.text : to ?
			    "the recipient has no usable key" :
			    "no admin with a usable key"), &err) == 0)
				store_commit(t, &err);
			else
				store_abort(t);
		}
	}
	keys_plain_free(payload, plen);
	free(cipher);
	free(a.r);
}

/* The admins, or with to that one member. */
static void
notify(struct lst *l, const char *to, const char *subject, const char *text)
{
	notify_who(l, to, false, subject, text);
}

/* ---- prepare: one encryption per post -------------------------------------- */

/* Each job ready, with the key to cut its copy for, or skipped with why. */
static void
set_states(json_t *jobs, const struct rcpt *r, time_t now,
    struct store_txn *t, struct pd_err *err, int *rc)
{
	json_t *j, *nj;
	size_t i;

	json_array_foreach(jobs, i, j) {
		if (*rc == -1)
			return;
		/* The job as the decision made it, now ready or skipped. */
		nj = json_object_get(j, "value");
		json_object_set_new(nj, "state", json_string(r[i].skip[0] ?
		    "skipped" : "ready"));
		json_object_set_new(nj, "keyid", json_string(r[i].keyid));
		json_object_set_new(nj, "next-attempt",
		    json_integer((json_int_t)now));
		if (r[i].skip[0] != '\0')
			json_object_set_new(nj, "last-reply", json_string(r[i].skip));
		*rc = store_put(t, STORE_JOBS, jstr(j, "key"), nj, false, err);
	}
}

/* Records the encryption (or the failure to encrypt) of a post. */
static int
commit_prepared(struct lst *l, json_t *post, json_t *jobs,
    const struct rcpt *r, const char *cipher, size_t clen,
    const char *failure, struct pd_err *err)
{
	struct store_txn *t;
	char key[STORE_KEY_MAX], mkey[80];
	size_t i, skipped = 0;
	int rc = 0;

	for (i = 0; i < json_array_size(jobs); i++)
		skipped += r[i].skip[0] != '\0';
	/* recipients below counts the members' and the public copies */
	json_object_set_new(post, "state", json_string(failure ? "failed" :
	    "encrypted"));
	json_object_set_new(post, "skipped", json_integer((json_int_t)skipped));
	if (failure)
		json_object_set_new(post, "failure", json_string(failure));
	store_member_key(l->list, jstr(post, "id"), key);
	snprintf(mkey, sizeof mkey, "%s.pgp", jstr(post, "id"));
	if (store_begin(l->st, true, &t, err) == -1)
		return -1;
	if (!failure) {
		if (cipher != NULL)
			rc = store_put_bytes(t, STORE_MESSAGES, mkey, cipher,
			    clen, true, err);
		set_states(jobs, r, time(NULL), t, err, &rc);
	}
	if (rc == 0)
		rc = store_put(t, STORE_POSTS, key, post, false, err);
	if (rc == 0)
		rc = audit(t, l->list, "post encrypt", jstr(post, "id"),
		    failure ? "failed" : "encrypted", json_pack("{s:I, s:I, s:s*}",
		    "recipients", (json_int_t)(json_array_size(jobs) - skipped),
		    "skipped", (json_int_t)skipped, "why", failure), err);
	if (rc == -1) {
		store_abort(t);
		return -1;
	}
	return store_commit(t, err);
}

static void
tell_skipped(struct lst *l, const char *post, const struct rcpt *r, size_t n)
{
	char text[4096];
	size_t i, off;

	off = (size_t)snprintf(text, sizeof text, "Post %s on %s was not sent "
	    "to these members; their copies were skipped, not sent in "
	    "plaintext:\n\n", post, l->list);
	for (i = 0; i < n && off < sizeof text; i++)
		if (r[i].skip[0] != '\0')
			off += (size_t)snprintf(text + off, sizeof text - off,
			    "  %s: %s\n", r[i].address, r[i].skip);
	if (off < sizeof text)
		snprintf(text + off, sizeof text - off, "\nRenew or replace "
		    "their keys (listctl member check %s).\n", l->list);
	notify(l, NULL, "pdlist: members skipped", text);
}

/*
 * The public copy of a post: its content is public from now on, so it is
 * kept as it is, with the list's detached signature over its canonical
 * form, for the public addresses' signed (not encrypted) copies.
 */
static int
sign_public(struct lst *l, json_t *post, const char *payload, size_t plen,
    struct pd_err *err)
{
	struct store_txn *t;
	char *canon = NULL, *sig = NULL, micalg[24], key[80];
	size_t clen = 0, slen = 0;
	int rc = -1;

	if (msg_canonical(payload, plen, &canon, &clen, err) == -1 ||
	    keys_sign_detached(l->keys, l->fpr, canon, clen, &sig, &slen, micalg,
	    err) == -1)
		goto out;
	json_object_set_new(post, "micalg", json_string(micalg));
	if (store_begin(l->st, true, &t, err) == -1)
		goto out;
	snprintf(key, sizeof key, "%s.pub", jstr(post, "id"));
	rc = store_put_bytes(t, STORE_MESSAGES, key, payload, plen, false, err);
	snprintf(key, sizeof key, "%s.sig", jstr(post, "id"));
	if (rc == 0)
		rc = store_put_bytes(t, STORE_MESSAGES, key, sig, slen, false, err);
	if (rc == 0)
		rc = store_commit(t, err);
	else
		store_abort(t);
out:
	free(canon);
	free(sig);
	return rc;
}

/*
 * What a post sends: the list's own words (a notice with "text"), or the
 * content of the message it stands for, rebuilt and checked again.
 */
static int
post_payload(struct lst *l, json_t *post, const char *source, char **payload,
    size_t *plen, struct pd_err *err)
{
	struct msg_protected ph = { jstr(post, "subject"), l->list, NULL, NULL,
	    NULL };
	const char *text = json_string_value(json_object_get(post, "text"));

	if (text != NULL)
		return msg_text_payload(text, strlen(text), &ph, payload, plen,
		    err);
	return process_payload(l->conf, l->st, l->list, source,
	    json_is_true(json_object_get(post, "moderated")), payload, plen,
	    err);
}

static int
prepare_post(struct lst *l, json_t *post, struct pd_err *err)
{
	char prefix[STORE_KEY_MAX], *payload = NULL, *cipher = NULL;
	const char *id = jstr(post, "id");
	/* A release sends an earlier post's content: its source. */
	const char *source = json_object_get(post, "source") ?
	    jstr(post, "source") : id;
	size_t i, n, plen = 0, clen = 0, skipped = 0, publics = 0, members;
	struct rcpt *r = NULL;
	json_t *jobs, *j, *v;
	time_t now = time(NULL);
	int rc = -1;

	job_key(l->list, id, "", prefix);
	if ((jobs = records(l->st, STORE_JOBS, prefix, err)) == NULL)
		return -1;
	n = json_array_size(jobs);
	if ((r = calloc(n + 1, sizeof *r)) == NULL) {
		pd_fail(err, PD_TEMPFAIL, "out of memory");
		goto out;
	}
	json_array_foreach(jobs, i, j) {
		v = json_object_get(j, "value");
		if (json_is_true(json_object_get(v, "public"))) {
			snprintf(r[i].address, sizeof r[i].address, "%s",
			    jstr(v, "member"));
			r[i].public = true;
			publics++;
			continue;
		}
		check_member(l, jstr(v, "member"), &r[i], now);
		skipped += r[i].skip[0] != '\0';
	}
	members = n - publics - skipped;
	if ((members > 0 || publics > 0) && (post_payload(l, post, source,
	    &payload, &plen, err) == -1 || (members > 0 &&
	    encrypt_once(l, payload, plen, r, n, &cipher, &clen, err) == -1) ||
	    (publics > 0 && sign_public(l, post, payload, plen, err) == -1))) {
		if (err->status != PD_REFUSED)
			goto out;
		/* Deliver nothing for this post; say why. */
		rc = commit_prepared(l, post, jobs, r, NULL, 0, err->text, err);
		notify(l, NULL, "pdlist: a post was not sent", err->text);
		goto out;
	}
	rc = commit_prepared(l, post, jobs, r, cipher, clen, NULL, err);
	if (rc == 0 && skipped > 0)
		tell_skipped(l, id, r, n);
out:
	keys_plain_free(payload, plen);
	free(cipher);
	free(r);
	json_decref(jobs);
	return rc;
}

/* Records a post's new state. */
static int
set_state(struct lst *l, json_t *post, const char *state, struct pd_err *err)
{
	struct store_txn *t;
	char key[STORE_KEY_MAX];

	json_object_set_new(post, "state", json_string(state));
	store_member_key(l->list, jstr(post, "id"), key);
	if (store_begin(l->st, true, &t, err) == -1)
		return -1;
	if (store_put(t, STORE_POSTS, key, post, false, err) == -1) {
		store_abort(t);
		return -1;
	}
	return store_commit(t, err);
}

/*
 * A notice to the moderators and admins about held mail, with its subject
 * unsealed only here, for the notice encrypted to them.
 */
static int
tell_moderators(struct lst *l, json_t *post, struct pd_err *err)
{
	const char *sealed = jstr(post, "subject-sealed");
	char *subject = NULL, *text;
	size_t slen = 0, tlen;
	struct pd_err ignore;
	int n;

	if (sealed[0] != '\0' && keys_unseal(l->keys, sealed, strlen(sealed),
	    &subject, &slen, &ignore) == -1)
		subject = NULL;
	n = sealed[0] == '\0' ? asprintf(&text, "%s", jstr(post, "text")) :
	    asprintf(&text, "%s  subject: %s\n", jstr(post, "text"),
	    subject != NULL ? subject : "(its seal does not open)");
	keys_plain_free(subject, slen);
	if (n == -1)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	tlen = (size_t)n;
	notify_who(l, NULL, true, "pdlist: a message is held", text);
	keys_plain_free(text, tlen);
	return set_state(l, post, "told", err);
}

/*
 * A revision recorded but not sent (an update during the embargo), or held
 * for its embargo (kind "held"): the poster is told why, in a notice
 * encrypted to its key and signed by the list.
 */
static int
tell_poster(struct lst *l, json_t *post, struct pd_err *err)
{
	char text[1024];
	json_t *kw = json_object_get(post, "keywords");

	bool held = strcmp(jstr(post, "kind"), "held") == 0;

	if (strcmp(jstr(post, "kind"), "held-notice") == 0)
		return tell_moderators(l, post, err);

	snprintf(text, sizeof text, "Revision %lld of %s on %s was %s.\n\n%s\n",
	    (long long)json_integer_value(json_object_get(kw, "revision")),
	    jstr(kw, "advisory"), l->list, held ? "held: nothing was sent" :
	    "recorded but not sent to the members", jstr(post,
	    "advisory-reason"));
	notify(l, jstr(post, "signer-address"), held ? "pdlist: a revision was "
	    "held" : "pdlist: a revision was not re-sent", text);
	return set_state(l, post, held ? "told" : "suppressed", err);
}

int
fanout_prepare(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	json_t *posts, *p, *post;
	struct lst l;
	size_t i;
	int rc = 0;

	*done = 0;
	if ((posts = records(st, STORE_POSTS, "", err)) == NULL)
		return -1;
	json_array_foreach(posts, i, p) {
		post = json_object_get(p, "value");
		if (strcmp(jstr(post, "state"), "decided") != 0 &&
		    strcmp(jstr(post, "state"), "notify") != 0)
			continue;
		if ((rc = lst_open(&l, conf, st, jstr(post, "list"), err)) == 0)
			rc = strcmp(jstr(post, "state"), "notify") == 0 ?
			    tell_poster(&l, post, err) : prepare_post(&l, post, err);
		lst_close(&l);
		if (rc == -1)
			break;
		++*done;
	}
	json_decref(posts);
	return rc;
}

/* ---- deliver ------------------------------------------------------------------ */

struct post_cut {		/* one post's encrypted result, split */
	char		 key[STORE_KEY_MAX];	/* list \x1f id */
	struct pgp_split *sp;
	char		*pub, *sig;	/* the public copy, when there is one */
	size_t		 pub_len, sig_len;
	json_t		*post;		/* its record: subject, micalg */
};

struct delivery {
	const struct conf *conf;
	struct store	*st;
	json_t		*jobs;		/* [{key, value}] due now */
	struct post_cut	*cuts;
	size_t		 ncuts;
	size_t		 next;		/* the next job to take */
	unsigned	 sent;
	pthread_mutex_t	 lock;
};

static struct post_cut *
cut_for(struct delivery *d, const char *list, const char *post)
{
	char key[STORE_KEY_MAX];
	size_t i;

	store_member_key(list, post, key);
	for (i = 0; i < d->ncuts; i++)
		if (strcmp(d->cuts[i].key, key) == 0)
			return &d->cuts[i];
	return NULL;
}

/* Loads and splits the encrypted result of every post with a due job. */
static int
load_cuts(struct delivery *d, struct pd_err *err)
{
	struct store_txn *t;
	char mkey[80], key[STORE_KEY_MAX], *bin;
	struct post_cut *c;
	size_t i, k, len;
	json_t *j, *v;

	if ((d->cuts = calloc(json_array_size(d->jobs) + 1,
	    sizeof *d->cuts)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_array_foreach(d->jobs, i, j) {
		v = json_object_get(j, "value");
		store_member_key(jstr(v, "list"), jstr(v, "post"), key);
		for (k = 0; k < d->ncuts && strcmp(d->cuts[k].key, key); k++)
			;
		if (k < d->ncuts)
			continue;
		c = &d->cuts[d->ncuts++];
		snprintf(c->key, STORE_KEY_MAX, "%s", key);
		snprintf(mkey, sizeof mkey, "%s.pgp", jstr(v, "post"));
		if (store_begin(d->st, false, &t, err) == -1)
			return -1;
		if (store_get_bytes(t, STORE_MESSAGES, mkey, &bin, &len,
		    err) == 0 && bin != NULL)
			pgp_split_parse(bin, len, &c->sp, err);
		free(bin);
		snprintf(mkey, sizeof mkey, "%s.pub", jstr(v, "post"));
		store_get_bytes(t, STORE_MESSAGES, mkey, &c->pub, &c->pub_len, err);
		snprintf(mkey, sizeof mkey, "%s.sig", jstr(v, "post"));
		store_get_bytes(t, STORE_MESSAGES, mkey, &c->sig, &c->sig_len, err);
		store_get(t, STORE_POSTS, key, &c->post, err);
		store_abort(t);
	}
	return 0;
}

/* The envelope sender: LOCAL-bounces@DOMAIN, so bounces are told apart. */
static void
bounce_address(const char *list, char *buf, size_t len)
{
	const char *at = strrchr(list, '@');

	if (at == NULL)
		snprintf(buf, len, "%s", list);
	else
		snprintf(buf, len, "%.*s-bounces%s", (int)(at - list), list, at);
}

/* Records the outcome of one attempt; sent means accepted by the server. */
static int
record_attempt(struct delivery *d, const char *key, json_t *job,
    const struct smtp_result *res, bool sent, struct pd_err *err)
{
	struct store_txn *t;
	json_int_t attempts = json_integer_value(json_object_get(job,
	    "attempts")) + 1;
	time_t now = time(NULL), delay;
	char when[32];
	json_t *ledger = NULL;
	int rc;

	iso_now(when);
	json_object_set_new(job, "attempts", json_integer(attempts));
	json_object_set_new(job, "last-reply", json_string(res->reply));
	json_object_set_new(job, "last-attempt", json_string(when));
	if (sent) {
		json_object_set_new(job, "state", json_string("sent"));
		ledger = json_pack("{s:O, s:O, s:O, s:O*, s:O*, s:s, s:s}",
		    "list", json_object_get(job, "list"), "post",
		    json_object_get(job, "post"), "member", json_object_get(job,
		    "member"), "advisory", json_object_get(job, "advisory"),
		    "revision", json_object_get(job, "revision"), "time", when,
		    "reply", res->reply);
	} else if (!res->temporary || attempts >= RETRY_MAX_ATTEMPTS) {
		json_object_set_new(job, "state", json_string("failed"));
	} else {
		delay = (time_t)d->conf->retry_first <<
		    (attempts < 12 ? attempts - 1 : 11);
		if (delay > RETRY_MAX_DELAY)
			delay = RETRY_MAX_DELAY;
		json_object_set_new(job, "state", json_string("retry"));
		json_object_set_new(job, "next-attempt",
		    json_integer((json_int_t)(now + delay)));
	}
	if (store_begin(d->st, true, &t, err) == -1) {
		json_decref(ledger);
		return -1;
	}
	rc = store_put(t, STORE_JOBS, key, job, false, err);
	if (rc == 0 && ledger != NULL)
		rc = store_put(t, STORE_LEDGER, key, ledger, true, err);
	json_decref(ledger);
	if (rc == -1) {
		store_abort(t);
		return -1;
	}
	return store_commit(t, err);
}

static bool
in_ledger(struct delivery *d, const char *key)
{
	struct pd_err err;
	json_t *v = get_json(d->st, STORE_LEDGER, key, &err);

	json_decref(v);
	return v != NULL;
}

/*
 * The headers of a copy of post: a new Message-ID for each copy, but a
 * reporter's copy of a reply keeps the reply's own and its threading
 * headers, so that the reporter's answer finds the thread.  A public copy
 * carries the real Subject; an encrypted one a neutral one.
 */
static void
copy_headers(const json_t *post, const char *list, const char *id,
    bool public, char *mid, size_t len, struct msg_copy *mc)
{
	bool reply = strcmp(jstr(post, "kind"), "reporter-copy") == 0;
	const char *own = jstr(post, "message-id");
	unsigned rnd;

	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		rnd = (unsigned)time(NULL);
	if (reply && own[0] != '\0')
		snprintf(mid, len, "%.*s", (int)strcspn(own + (*own == '<'),
		    ">"), own + (*own == '<'));
	else
		snprintf(mid, len, "%s.%08x@%s", id, rnd, strrchr(list, '@') + 1);
	/* Members' encrypted copies name no other message outside. */
	*mc = (struct msg_copy){ list, public ? jstr(post, "subject") :
	    FANOUT_SUBJECT, mid, public || reply ? json_string_value(
	    json_object_get(post, "in-reply-to")) : NULL, reply ?
	    json_string_value(json_object_get(post, "references")) : NULL,
	    strcmp(jstr(post, "kind"), "auto-reply") == 0 };
}

/* Builds and sends one member's copy; returns -1 on store trouble only. */
static int
deliver_one(struct delivery *d, struct smtp_conn **conn, const char *key,
    json_t *job, struct pd_err *err)
{
	struct smtp_result res = { 0 };
	struct post_cut *c;
	struct msg_copy mc;
	char from[ADDR_MAX + 16], mid[420], *armored = NULL, *copy = NULL;
	size_t alen, clen;
	const char *list = jstr(job, "list");
	bool public;
	int rc = 0;

	if (in_ledger(d, key)) {	/* sent before a crash: not again */
		snprintf(res.reply, sizeof res.reply, "in the ledger already");
		return record_attempt(d, key, job, &res, true, err);
	}
	public = json_is_true(json_object_get(job, "public"));
	c = cut_for(d, list, jstr(job, "post"));
	if (c == NULL || (public ? c->pub == NULL || c->sig == NULL :
	    c->sp == NULL || pgp_split_copy(c->sp, jstr(job, "keyid"), &armored,
	    &alen, err) == -1)) {
		snprintf(res.reply, sizeof res.reply, "cannot make the copy: %.220s",
		    c && !public && c->sp ? err->text : "the prepared post is missing");
		return record_attempt(d, key, job, &res, false, err);
	}
	copy_headers(c->post, list, jstr(job, "post"), public, mid, sizeof mid,
	    &mc);
	bounce_address(list, from, sizeof from);
	if (public)
		rc = msg_signed_copy(&mc, jstr(job, "member"), c->pub, c->pub_len,
		    c->sig, c->sig_len, jstr(c->post, "micalg"), &copy, &clen,
		    err);
	else
		rc = msg_encrypted_copy(&mc, armored, alen, &copy, &clen, err);
	if (rc == -1)
		goto out;
	if (*conn == NULL && smtp_open(d->conf->smtp_url,
	    d->conf->smtp_starttls, NULL, conn, err) == -1) {
		res.temporary = true;
		snprintf(res.reply, sizeof res.reply, "%.250s", err->text);
		rc = record_attempt(d, key, job, &res, false, err);
		goto out;
	}
	if (smtp_send(*conn, from, jstr(job, "member"), copy, clen, &res,
	    err) == 0) {
		rc = record_attempt(d, key, job, &res, true, err);
		if (rc == 0) {
			pthread_mutex_lock(&d->lock);
			d->sent++;
			pthread_mutex_unlock(&d->lock);
		}
	} else {
		/* A 5xx before RCPT is the relay refusing the list, not the
		   member's mailbox refusing the copy: retry, do not fail. */
		if (!res.temporary && res.stage < SMTP_RCPT)
			res.temporary = true;
		if (res.temporary) {	/* start afresh next time */
			smtp_close(*conn);
			*conn = NULL;
		}
		rc = record_attempt(d, key, job, &res, false, err);
	}
out:
	free(armored);
	free(copy);
	return rc;
}

static void *
worker(void *arg)
{
	struct delivery *d = arg;
	struct smtp_conn *conn = NULL;
	struct pd_err err = { 0 };
	json_t *j;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		i = d->next++;
		pthread_mutex_unlock(&d->lock);
		if (i >= json_array_size(d->jobs))
			break;
		j = json_array_get(d->jobs, i);
		if (deliver_one(d, &conn, jstr(j, "key"),
		    json_object_get(j, "value"), &err) == -1)
			log_warnx("delivery: %s", err.text);
	}
	smtp_close(conn);
	return NULL;
}

static int
due(const char *key, json_t *job, void *arg)
{
	const char *state = jstr(job, "state");
	json_t *o;

	if (strcmp(state, "ready") != 0 && strcmp(state, "retry") != 0)
		return 0;
	if (json_integer_value(json_object_get(job, "next-attempt")) > time(NULL))
		return 0;
	o = json_pack("{s:s, s:O}", "key", key, "value", job);
	return json_array_append_new(arg, o);
}

struct tally {
	size_t	 sent, failed, skipped, pending;
	char	 failures[3000];	/* "  member: reply" lines */
	size_t	 off;
};

static void
count_job(struct tally *c, json_t *job)
{
	const char *state = jstr(job, "state");

	if (strcmp(state, "sent") == 0)
		c->sent++;
	else if (strcmp(state, "skipped") == 0)
		c->skipped++;
	else if (strcmp(state, "failed") == 0) {
		c->failed++;
		if (c->off < sizeof c->failures)
			c->off += (size_t)snprintf(c->failures + c->off,
			    sizeof c->failures - c->off, "  %s: %s\n",
			    jstr(job, "member"), jstr(job, "last-reply"));
	} else
		c->pending++;
}

/*
 * A reporter's plaintext copy was kept in clear only to be sent: once it
 * is, it goes.  (Public copies of published advisories stay.)
 */
static int
forget_plaintext(struct store_txn *t, const json_t *post, struct pd_err *err)
{
	static const char *const ext[] = { "pub", "sig" };
	char key[80];
	size_t i;

	if (strcmp(jstr(post, "kind"), "reporter-copy") != 0)
		return 0;
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof key, "%s.%s", jstr(post, "id"), ext[i]);
		if (store_del(t, STORE_MESSAGES, key, err) == -1 &&
		    err->status != PD_REFUSED)
			return -1;	/* PD_REFUSED: it had none */
	}
	return 0;
}

/* One post: done once no job waits; the admins hear of failed copies. */
static void
finish_post(const struct conf *conf, struct store *st, const char *list,
    const char *id)
{
	struct tally c = { 0 };
	struct store_txn *t;
	struct pd_err err = { 0 };
	char key[STORE_KEY_MAX], text[3400];
	json_t *jobs, *j, *post;
	struct lst l = { 0 };
	size_t i;

	job_key(list, id, "", key);
	if ((jobs = records(st, STORE_JOBS, key, &err)) == NULL)
		return;
	json_array_foreach(jobs, i, j)
		count_job(&c, json_object_get(j, "value"));
	json_decref(jobs);
	store_member_key(list, id, key);
	post = get_json(st, STORE_POSTS, key, &err);
	if (c.pending > 0 || post == NULL ||
	    strcmp(jstr(post, "state"), "done") == 0) {
		json_decref(post);
		return;
	}
	json_object_set_new(post, "state", json_string("done"));
	json_object_set_new(post, "sent", json_integer((json_int_t)c.sent));
	json_object_set_new(post, "failed", json_integer((json_int_t)c.failed));
	if (store_begin(st, true, &t, &err) == 0) {
		if (store_put(t, STORE_POSTS, key, post, false, &err) == 0 &&
		    forget_plaintext(t, post, &err) == 0 &&
		    audit(t, list, "post delivered", id, c.failed ? "with failures" :
		    "all sent", json_pack("{s:I, s:I, s:I}", "sent",
		    (json_int_t)c.sent, "failed", (json_int_t)c.failed, "skipped",
		    (json_int_t)c.skipped), &err) == 0)
			store_commit(t, &err);
		else
			store_abort(t);
	}
	if (c.failed > 0 && strcmp(jstr(post, "kind"), "notice") != 0 &&
	    lst_open(&l, conf, st, list, &err) == 0) {
		snprintf(text, sizeof text, "Post %s on %s could not be delivered "
		    "to these members; the mail servers refused the copies:\n\n"
		    "%s\nSee listctl queue %s.\n", id, list, c.failures, list);
		notify(&l, NULL, "pdlist: copies not delivered", text);
	}
	lst_close(&l);
	json_decref(post);
}

/* Finishes every post that had a job in this run. */
static void
finish_posts(const struct conf *conf, struct store *st, json_t *jobs)
{
	json_t *j, *v, *seen = json_object();
	char key[STORE_KEY_MAX];
	size_t i;

	json_array_foreach(jobs, i, j) {
		v = json_object_get(j, "value");
		store_member_key(jstr(v, "list"), jstr(v, "post"), key);
		if (seen == NULL || json_object_get(seen, key) != NULL)
			continue;
		json_object_set_new(seen, key, json_true());
		finish_post(conf, st, jstr(v, "list"), jstr(v, "post"));
	}
	json_decref(seen);
}

int
fanout_deliver(const struct conf *conf, struct store *st, unsigned *sent,
    struct pd_err *err)
{
	struct delivery d = { conf, st, NULL, NULL, 0, 0, 0,
	    PTHREAD_MUTEX_INITIALIZER };
	struct store_txn *t;
	pthread_t th[64];
	size_t i, n;
	int rc = -1;

	*sent = 0;
	if ((d.jobs = json_array()) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (store_begin(st, false, &t, err) == -1)
		goto out;
	rc = store_scan(t, STORE_JOBS, "", due, d.jobs, err);
	store_abort(t);
	if (rc != 0 || json_array_size(d.jobs) == 0 || load_cuts(&d, err) == -1)
		goto out;
	n = conf->workers < 64 ? conf->workers : 64;
	if (n > json_array_size(d.jobs))
		n = json_array_size(d.jobs);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, &d) != 0)
			break;
	n = i;
	if (n == 0)
		worker(&d);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	finish_posts(conf, st, d.jobs);
	*sent = d.sent;
	rc = 0;
out:
	for (i = 0; i < d.ncuts; i++) {
		pgp_split_free(d.cuts[i].sp);
		free(d.cuts[i].pub);
		free(d.cuts[i].sig);
		json_decref(d.cuts[i].post);
	}
	free(d.cuts);
	json_decref(d.jobs);
	pthread_mutex_destroy(&d.lock);
	return rc;
}
