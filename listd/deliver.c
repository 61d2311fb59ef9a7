/* listd/deliver.c: fanout_deliver(), see fanout.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/log.h"
#include "keys/pgpshards.h"
#include "listd/bounce.h"
#include "listd/failures.h"
#include "listd/fanout.h"
#include "listd/headers.h"
#include "listd/ledger_batch.h"
#include "listd/list.h"
#include "listd/msg.h"
#include "listd/notice.h"
#include "listd/record.h"
#include "listd/route.h"
#include "listd/smtp.h"
#include "listd/dsn.h"
#include "listd/verp.h"
#include "listd/work.h"

#define RETRY_MAX_ATTEMPTS	20	/* about four days, then it failed */
#define DELIVER_CHUNK		64	/* due jobs read from the store at once */

struct post_cut {		/* one post's encrypted result, split */
	char		 list[ADDR_MAX + 1];
	char		 id[POST_ID_MAX];
	struct pgp_shards *sp;
	char		*pub, *sig;	/* the public copy, when there is one */
	size_t		 pub_len, sig_len;
	struct post	 post;		/* its record: subject, micalg */
	char		 fpr[41];	/* the list's key (OpenPGP: header) */
	size_t		 tried, refused; /* its jobs this run; refused for good */
	struct msg_frame frame;		/* its copies' frame (made under the
					   lock, then only read) */
	bool		 frame_tried;
};

/*
 * One run.  The jobs due are read from the store a chunk at a time as the
 * workers take them (job_walk), in key order (a post's copies together):
 * memory for one chunk and one cut per post, whatever the number of
 * members.
 */
struct delivery {
	const struct conf *conf;
	struct store	*st;
	struct ledger_batch *ledger;	/* every attempt is recorded there */
	time_t		 now;		/* due: a next attempt by then */
	struct job_walk	 walk;		/* the due jobs of the cuts' posts */
	struct job_set	 chunk;		/* the part of them read last */
	size_t		 next;		/* the chunk's next job to take */
	size_t		 due, taken;	/* due when the run began; taken */
	struct post_cut	*cuts;		/* the posts with a job due */
	size_t		 ncuts, cap;
	struct job_set	 refused;	/* refused for good, in the order the
					   attempts were recorded */
	unsigned	 sent;
	bool		 stalled;	/* a copy timed out: take no more */
	pthread_mutex_t	 lock;
};

static struct post_cut *
cut_for(struct delivery *d, const char *list, const char *post)
{
	size_t i;

	for (i = 0; i < d->ncuts; i++)
		if (strcmp(d->cuts[i].list, list) == 0 &&
		    strcmp(d->cuts[i].id, post) == 0)
			return &d->cuts[i];
	return NULL;
}

/*
 * What is sealed at rest and needed in clear to send a public copy: its
 * content and its post's subject, opened with the list's key, in memory
 * only.
 */
static int
open_seals(struct delivery *d, struct pd_err *err)
{
	struct post_cut *c;
	struct list *l = NULL;
	char *plain;
	size_t i, len;
	int rc = 0;

	for (i = 0; rc == 0 && i < d->ncuts; i++) {
		c = &d->cuts[i];
		if (c->pub == NULL)	/* members' copies: a neutral subject */
			continue;
		if (l == NULL || strcmp(l->address, c->list) != 0) {
			list_close(l);
			if ((rc = list_open(d->st, d->conf->datadir, c->list,
			    LIST_KEYS, &l, err)) == -1)
				break;
		}
		if (c->pub != NULL && (rc = keys_unseal(l->keys, c->pub,
		    c->pub_len, &plain, &len, err)) == 0) {
			free(c->pub);
			c->pub = plain;
			c->pub_len = len;
		}
		if (rc == 0 && c->post.subject_sealed[0] != '\0' &&
		    (rc = keys_unseal(l->keys, c->post.subject_sealed,
		    strlen(c->post.subject_sealed), &plain, &len, err)) == 0) {
			free(c->post.subject);
			c->post.subject = plain;
		}
	}
	list_close(l);
	return rc;
}

/* Loads and splits the encrypted result of every post with a due job. */
static int
load_cuts(struct delivery *d, struct pd_err *err)
{
	struct store_txn *t;
	char mkey[POST_ID_MAX + 8], *bin = NULL;
	struct post_cut *c;
	size_t i, len;
	bool found;
	int rc = 0;

	if (store_begin(d->st, false, &t, err) == -1)
		return -1;
	for (i = 0; rc == 0 && i < d->ncuts; i++) {
		c = &d->cuts[i];
		if ((rc = post_get(t, false, c->list, c->id, &c->post, &found,
		    err)) == -1)
			break;
		if (!found && rec_set(&c->post.id, c->id) == -1) {
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
			break;
		}
		if ((rc = list_fpr(t, c->list, c->fpr, err)) == -1)
			break;
		snprintf(mkey, sizeof mkey, "%s.pgp", c->id);
		if ((rc = store_get_bytes(t, STORE_MESSAGES, mkey, &bin, &len,
		    err)) == 0 && bin != NULL)
			pgp_shards_parse(bin, len, &c->sp, err);
		free(bin);
		bin = NULL;
		snprintf(mkey, sizeof mkey, "%s.pub", c->id);
		if (rc == 0)
			rc = store_get_bytes(t, STORE_MESSAGES, mkey, &c->pub,
			    &c->pub_len, err);
		snprintf(mkey, sizeof mkey, "%s.sig", c->id);
		if (rc == 0)
			rc = store_get_bytes(t, STORE_MESSAGES, mkey, &c->sig,
			    &c->sig_len, err);
	}
	store_abort(t);
	return rc == 0 ? open_seals(d, err) : -1;
}

/*
 * Whether the relay's permanent refusal of j's recipient says that the
 * member's mailbox is gone (5.1.x, 5.2.1), for a copy of a post of the
 * member's own: what counts like a bounce toward bounce-suspend
 * (bounce.h).  A policy refusal (5.7.x: "relay access denied") or a reply
 * without an enhanced status is no word on the mailbox, and a refused
 * notice must not suspend the admin it was for.
 */
static bool
mailbox_gone(struct delivery *d, const struct job *j, const char *reply)
{
	const struct post_cut *c = cut_for(d, j->list, j->post);
	char status[16];

	if (c == NULL || !verp_per_copy(c->post.kind) ||
	    !dsn_find_status(reply, status))
		return false;
	return strncmp(status, "5.1.", 4) == 0 || strcmp(status, "5.2.1") == 0;
}

/*
 * Records the outcome of one attempt, sent meaning accepted by the server,
 * in a commit shared with the other workers' (ledger_batch.h).
 */
static int
record_attempt(struct delivery *d, struct job *j,
    const struct smtp_result *res, bool sent, struct pd_err *err)
{
	time_t now = time(NULL), delay;
	struct timespec us;
	int rc;

	j->attempts++;
	snprintf(j->last_reply, sizeof j->last_reply, "%s", res->reply);
	j->last_attempt = now;
	j->refused_us = 0;
	if (sent)
		j->state = JOB_SENT;
	else if (!res->temporary || j->attempts >= RETRY_MAX_ATTEMPTS) {
		j->state = JOB_FAILED;
		/* the mailbox refused for good: like a bounce (bounce.h) */
		if (!res->temporary && res->stage == SMTP_RCPT &&
		    mailbox_gone(d, j, res->reply)) {
			clock_gettime(CLOCK_REALTIME, &us);
			j->refused_us = (long long)us.tv_sec * 1000000 +
			    us.tv_nsec / 1000;
		}
	} else {
		delay = conf_retry_delay(d->conf, j->attempts);
		j->state = JOB_RETRY;
		j->next_attempt = now + delay;
	}
	if ((rc = ledger_batch_record(d->ledger, j, res->reply, sent,
	    err)) == 0)
		log_copy(j);
	return rc;
}

/* A connection to the relay, with listd.conf's deadlines. */
static int
open_relay(const struct conf *conf, struct smtp_conn **conn,
    struct pd_err *err)
{
	if (smtp_open(conf->smtp_url, conf->smtp_starttls, conf->smtp_helo,
	    conn, err) == -1)
		return -1;
	if (smtp_set_ca_file(*conn, conf->smtp_ca_file, err) == -1) {
		smtp_close(*conn);
		*conn = NULL;
		return -1;
	}
	smtp_set_timeouts(*conn, (long)conf->smtp_connect_timeout,
	    (long)conf->smtp_message_timeout, (long)conf->smtp_reply_timeout);
	smtp_set_cancel(*conn, work_stopping);
	return 0;
}

/*
 * A published advisory's public copy comes From: the list, whose address
 * is private: it invites replies where it was published instead, with
 * Reply-To: the public address it goes to (pdlist-policy(5)).  A header
 * on top of the message: the signature covers only the signed part.
 */
static int
reply_to_public(const struct job *j, char **copy, size_t *len,
    struct pd_err *err)
{
	char head[ADDR_MAX + 16], *c;
	size_t n;

	if (!j->public || j->advisory[0] == '\0')
		return 0;
	n = (size_t)snprintf(head, sizeof head, "Reply-To: %s\n", j->member);
	if (n >= sizeof head || (c = malloc(*len + n)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	memcpy(c, head, n);
	memcpy(c + n, *copy, *len);
	free(*copy);
	*copy = c;
	*len += n;
	return 0;
}

/*
 * A member's copy without its armor (msg_encrypted_frame()): made once per
 * post and run, then each copy's the same text with its own Message-ID
 * (msg_frame_from()); a copy whose other headers differ gets its own.
 */
static int
copy_frame(struct delivery *d, struct post_cut *c, const struct msg_copy *mc,
    char **copy, size_t *clen, size_t *at, struct pd_err *err)
{
	struct pd_err ignored = { 0 };
	bool shared;

	pthread_mutex_lock(&d->lock);
	if (!c->frame_tried) {
		c->frame_tried = true;
		(void)msg_frame_make(&c->frame, mc, &ignored);
	}
	pthread_mutex_unlock(&d->lock);
	/* made once, under the lock; only read from then on */
	shared = msg_frame_from(&c->frame, mc, copy, clen, at);
	return shared ? 0 : msg_encrypted_frame(mc, copy, clen, at, err);
}

/*
 * Builds and sends one member's copy; returns -1 on store trouble only,
 * when the copy is not sent (the job stays due).
 */
static int
deliver_one(struct delivery *d, struct smtp_conn **conn, struct job *j,
    struct pd_err *err)
{
	struct smtp_result res = { 0 };
	struct pgp_copy armor = { 0 };
	struct smtp_part parts[5];
	struct post_cut *c;
	struct msg_copy mc;
	struct store_txn *t;
	char from[ADDR_MAX + 1], *copy = NULL;
	struct copy_bufs cb;
	char reply_to[ADDR_MAX + 1];
	size_t clen, at, nparts = 1;
	bool sent;
	int rc;

	if (store_begin(d->st, false, &t, err) == -1)
		return -1;
	rc = ledger_has(t, j, &sent, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	if (sent) {	/* sent before a crash: not again */
		snprintf(res.reply, sizeof res.reply, "in the ledger already");
		return record_attempt(d, j, &res, true, err);
	}
	c = cut_for(d, j->list, j->post);
	if (c == NULL || (j->public ? c->pub == NULL || c->sig == NULL :
	    c->sp == NULL || pgp_shards_copy_parts(c->sp, j->keyid, &armor,
	    err) == -1)) {
		snprintf(res.reply, sizeof res.reply, "cannot make the copy: %.220s",
		    c && !j->public && c->sp ? err->text :
		    "the prepared post is missing");
		return record_attempt(d, j, &res, false, err);
	}
	copy_headers(&c->post, j, &cb, &mc);
	mc.openpgp_fpr = c->fpr;
	/* the list's own notices: a reply is a command (request.h) */
	route_address(j->list, RCPT_REQUEST, "", reply_to);
	mc.reply_to = c->post.kind == POST_NOTICE ? reply_to : NULL;
	/* the list's secret unreadable: -1, the job stays due */
	if ((rc = verp_sender(d->conf->datadir, c->post.kind, j, from,
	    err)) == -1)
		goto out;
	if (j->public) {
		rc = msg_signed_copy(&mc, c->pub, c->pub_len, c->sig,
		    c->sig_len, c->post.micalg, &copy, &clen, err);
		if (rc == 0)
			rc = reply_to_public(j, &copy, &clen, err);
	} else if ((rc = copy_frame(d, c, &mc, &copy, &clen, &at,
	    err)) == 0) {
		/* the armor's bulk goes out from where it is, shared */
		parts[0] = (struct smtp_part){ copy, at, false };
		parts[1] = (struct smtp_part){ armor.head, armor.head_len, false };
		parts[2] = (struct smtp_part){ armor.tail, armor.tail_len, true };
		parts[3] = (struct smtp_part){ armor.end, armor.end_len, false };
		parts[4] = (struct smtp_part){ copy + at, clen - at, false };
		nparts = 5;
	}
	if (rc == -1)
		goto out;
	if (nparts == 1)
		parts[0] = (struct smtp_part){ copy, clen, false };
	if (*conn == NULL && open_relay(d->conf, conn, err) == -1) {
		res.temporary = true;
		snprintf(res.reply, sizeof res.reply, "%.250s", err->text);
		rc = record_attempt(d, j, &res, false, err);
		goto out;
	}
	if (smtp_send_parts(*conn, from, j->member, parts, nparts, &res,
	    err) == 0) {
		rc = record_attempt(d, j, &res, true, err);
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
		if (res.timed_out) {
			pthread_mutex_lock(&d->lock);
			d->stalled = true;
			pthread_mutex_unlock(&d->lock);
		}
		rc = record_attempt(d, j, &res, false, err);
	}
out:
	pgp_copy_clear(&armor);
	free(copy);
	return rc;
}

static bool
job_due(const struct job *j, time_t now)
{
	return (j->state == JOB_READY || j->state == JOB_RETRY) &&
	    j->next_attempt <= now;
}

/* What the run delivers: a job due of a post it has cut. */
static bool
run_takes(const struct job *j, void *arg)
{
	struct delivery *d = arg;

	return job_due(j, d->now) && cut_for(d, j->list, j->post) != NULL;
}

/*
 * The next job to deliver into *j, read with the next chunk when the
 * last is taken; false when none is left or the run stops.
 */
static bool
take(struct delivery *d, struct job *j)
{
	struct pd_err err = { 0 };
	struct store_txn *t;
	bool got = false;
	int rc;

	pthread_mutex_lock(&d->lock);
	if (!d->stalled && !work_stopping() && d->next == d->chunk.n &&
	    !d->walk.end) {
		d->next = 0;
		if ((rc = store_begin(d->st, false, &t, &err)) == 0) {
			rc = job_walk_next(t, &d->walk, DELIVER_CHUNK,
			    &d->chunk, &err);
			store_abort(t);
		}
		if (rc == -1) {	/* the rest waits for the next run */
			log_warnx("delivery: %s", err.text);
			d->walk.end = true;
			d->chunk.n = 0;
		}
	}
	if (!d->stalled && !work_stopping() && d->next < d->chunk.n) {
		*j = d->chunk.v[d->next++];
		d->taken++;
		got = true;
	}
	pthread_mutex_unlock(&d->lock);
	return got;
}

/* Counts j's attempt toward its post's refusals (count_refusals()). */
static void
note_attempt(struct delivery *d, const struct job *j)
{
	struct post_cut *c;

	pthread_mutex_lock(&d->lock);
	if ((c = cut_for(d, j->list, j->post)) != NULL) {
		c->tried++;
		c->refused += j->refused_us != 0;
	}
	if (j->refused_us != 0 && job_set_add(&d->refused, j) == -1)
		log_warnx("%s: out of memory: a refusal of %s is not counted "
		    "toward bounce-suspend", j->list, j->member);
	pthread_mutex_unlock(&d->lock);
}

static void *
worker(void *arg)
{
	struct delivery *d = arg;
	struct smtp_conn *conn = NULL;
	struct pd_err err = { 0 };
	struct job j;

	while (take(d, &j)) {
		if (deliver_one(d, &conn, &j, &err) == -1)
			log_warnx("delivery: %s", err.text);
		note_attempt(d, &j);
	}
	smtp_close(conn);
	return NULL;
}

static bool
job_waits(const struct job *j)
{
	return j->state == JOB_NEW || j->state == JOB_READY ||
	    j->state == JOB_RETRY;
}

/* What the first pass over every job found (survey_job()). */
struct survey {
	struct delivery	*d;
	struct job_set	*ended;
	struct job	 first;		/* the first job of the post at hand */
	bool		 any, waits;
	size_t		 due;
	int		 rc;
};

/* The post at hand is surveyed: a cut when it has jobs due, or ended. */
static void
survey_post(struct survey *s)
{
	struct delivery *d = s->d;
	struct post_cut *c;
	size_t cap;

	if (!s->any || s->rc == -1)
		return;
	if (!s->waits && job_set_add(s->ended, &s->first) == -1)
		s->rc = -1;
	if (s->due == 0 || s->rc == -1)
		return;
	if (d->ncuts == d->cap) {
		cap = d->cap ? d->cap * 2 : 4;
		if ((c = realloc(d->cuts, cap * sizeof *c)) == NULL) {
			s->rc = -1;
			return;
		}
		d->cuts = c;
		d->cap = cap;
	}
	c = &d->cuts[d->ncuts++];
	memset(c, 0, sizeof *c);
	post_init(&c->post, POST_MESSAGE, POST_DONE);
	snprintf(c->list, sizeof c->list, "%s", s->first.list);
	snprintf(c->id, sizeof c->id, "%s", s->first.post);
	d->due += s->due;
}

static bool
survey_job(const struct job *j, void *arg)
{
	struct survey *s = arg;

	if (!s->any || strcmp(j->list, s->first.list) != 0 ||
	    strcmp(j->post, s->first.post) != 0) {
		survey_post(s);
		s->any = true;
		s->first = *j;
		s->waits = false;
		s->due = 0;
	}
	s->waits |= job_waits(j);
	s->due += job_due(j, s->d->now);
	return false;		/* counted, not kept */
}

/*
 * One pass over every job, a chunk at a time, keeping none: a cut for
 * each post with jobs due now, and (into *ended) one job of each post none
 * of whose jobs waits any more: a post whose last copy was recorded just
 * before a crash is finished by the next pass, though nothing of it is
 * due.
 */
static int
due_posts(struct delivery *d, struct job_set *ended, struct pd_err *err)
{
	struct survey s = { .d = d, .ended = ended };
	struct job_set none = { 0 };
	struct job_walk w;
	struct store_txn *t;
	int rc;

	memset(ended, 0, sizeof *ended);
	job_walk_init(&w, NULL, NULL, survey_job, &s);
	if (store_begin(d->st, false, &t, err) == -1)
		return -1;
	rc = job_walk_next(t, &w, DELIVER_CHUNK, &none, err);
	store_abort(t);
	survey_post(&s);
	if (rc == 0 && s.rc == -1)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	return rc;
}

/*
 * The copies of this run that the relay refused for good count toward
 * bounce-suspend, one after the other, in the order they were attempted;
 * unless the relay refused every copy of their post (two or more): that
 * is the relay's trouble, not every member's mailbox, and is said so.
 */
static void
count_refusals(struct delivery *d)
{
	struct pd_err err = { 0 };
	struct list_cache lists;
	struct post_cut *c;
	struct list *l;
	const struct job *j;
	size_t i;

	for (i = 0; i < d->ncuts; i++)
		if (d->cuts[i].tried >= 2 && d->cuts[i].refused ==
		    d->cuts[i].tried)
			log_warnx("%s: the relay refused all %zu copies of post "
			    "%s for good; not counted toward bounce-suspend: "
			    "check the relay (smtp-url) and its log",
			    d->cuts[i].list, d->cuts[i].tried, d->cuts[i].id);
	list_cache_init(&lists, d->st, d->conf->datadir, LIST_KEYS);
	for (i = 0; i < d->refused.n; i++) {
		j = &d->refused.v[i];
		c = cut_for(d, j->list, j->post);
		if (c != NULL && c->tried >= 2 && c->refused == c->tried)
			continue;
		if (list_cache_get(&lists, j->list, &l, &err) == -1 ||
		    bounce_refused(l, j, &err) == -1)
			log_warnx("%s: %s", j->list, err.text);
	}
	list_cache_free(&lists);
}

/*
 * Finishes the posts of ended (one job each; NULL: none) and of
 * cuts[0..ncuts): the ended ones before a run, the run's after it.
 */
static int
finish_posts(const struct delivery *d, const struct job_set *ended,
    const struct post_cut *cuts, size_t ncuts, struct pd_err *err)
{
	struct list_cache lists;
	size_t i;
	int rc = 0;

	list_cache_init(&lists, d->st, d->conf->datadir, LIST_KEYS);
	for (i = 0; rc == 0 && ended != NULL && i < ended->n; i++)
		rc = fanout_finish_post(&lists, ended->v[i].list,
		    ended->v[i].post, err);
	for (i = 0; rc == 0 && i < ncuts; i++)
		rc = fanout_finish_post(&lists, cuts[i].list, cuts[i].id, err);
	list_cache_free(&lists);
	return rc;
}

/*
 * Whether the store takes a write now: a copy is sent only when its
 * attempt can be recorded, or a full store would send it again and again.
 */
static int
takes_writes(struct store *st, struct pd_err *err)
{
	struct store_txn *t;
	json_t *o;
	int rc;

	if ((o = json_pack("{s:I}", "at", (json_int_t)time(NULL))) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (store_begin(st, true, &t, err) == -1) {
		json_decref(o);
		return -1;
	}
	rc = store_put(t, STORE_META, "delivery-pass", o, false, err);
	json_decref(o);
	return store_end(t, rc, err);
}

int
fanout_deliver(const struct conf *conf, struct store *st, unsigned *sent,
    struct pd_err *err)
{
	struct delivery d;
	struct job_set ended = { 0 };
	pthread_t th[64];
	size_t i, n;
	int rc = -1;

	*sent = 0;
	memset(&d, 0, sizeof d);
	d.conf = conf;
	d.st = st;
	d.now = time(NULL);
	pthread_mutex_init(&d.lock, NULL);
	if (due_posts(&d, &ended, err) == -1)
		goto out;
	if ((rc = finish_posts(&d, &ended, NULL, 0, err)) == -1 ||
	    d.ncuts == 0)
		goto out;
	if ((rc = takes_writes(st, err)) == -1 ||
	    (rc = load_cuts(&d, err)) == -1 ||
	    (rc = ledger_batch_new(st, &d.ledger, err)) == -1)
		goto out;
	job_walk_init(&d.walk, NULL, NULL, run_takes, &d);
	n = conf->workers < 64 ? conf->workers : 64;
	if (n > d.due)
		n = d.due;
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, &d) != 0)
			break;
	n = i;
	if (n == 0)
		worker(&d);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (d.stalled && d.taken < d.due)
		log_warnx("delivery: the relay timed out; %zu copies wait for "
		    "the next run", d.due - d.taken);
	log_debug("delivery: %zu attempts in %lu commits", d.taken,
	    ledger_batch_commits(d.ledger));
	count_refusals(&d);
	rc = finish_posts(&d, NULL, d.cuts, d.ncuts, err);
	*sent = d.sent;
out:
	ledger_batch_free(d.ledger);
	for (i = 0; i < d.ncuts; i++) {
		pgp_shards_free(d.cuts[i].sp);
		wipe_free(d.cuts[i].pub, d.cuts[i].pub_len);
		free(d.cuts[i].sig);
		post_clear(&d.cuts[i].post);
		msg_frame_clear(&d.cuts[i].frame);
	}
	free(d.cuts);
	job_set_free(&d.chunk);
	job_set_free(&d.refused);
	job_set_free(&ended);
	pthread_mutex_destroy(&d.lock);
	return rc;
}
