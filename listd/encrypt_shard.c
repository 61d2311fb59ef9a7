/*
 * listd/encrypt_shard.c: enc_once() (encrypt.h), in shards above
 * enc_set_shard_size()'s number of recipients.
 *
 * gpg looks up each recipient by walking the keyring, and signs and
 * encrypts on one core: one call to 10,000 keys takes several times ten
 * calls to 1,000.  So the recipients are cut into shards of at most that
 * many, as even as can be, and, from 2 x ENC_SHARD_MIN recipients on, into
 * at least as many shards as there are cores, none under ENC_SHARD_MIN
 * (gpg signs and encrypts on one core: 500 members and a 2 MB patch are
 * encrypted in 0.40 s instead of 0.60 s on two cores), each shard signed
 * and encrypted by a call of
 * its own, on as many threads as there are cores, each thread with its own
 * gpgme context on the list's home (keys/ctx_pool.c keeps them).  Each
 * shard is then checked as a single encryption is: one session key packet
 * per recipient of the shard, and no other; the shards are packed
 * together (keys/pgpshards.h) and a member's copy is cut from its shard.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys/pgpshards.h"
#include "listd/encrypt.h"

#define THREADS_MAX	16
#define ENC_SHARD_MIN	50	/* recipients: below, a shard of its own
				   costs more (a gpg run) than it saves */

static size_t shard_size = ENC_SHARD_SIZE;

void
enc_set_shard_size(size_t n)
{
	shard_size = n > 0 ? n : ENC_SHARD_SIZE;
}

struct shard {
	const struct rcpt *r;		/* its recipients: r[first..end) that */
	size_t		 first, end;	/* enc_to() takes */
	size_t		 want;		/* how many those are */
	char		*cipher;
	size_t		 clen;
	int		 rc;
	struct pd_err	 err;
};

struct shard_run {
	struct list	*l;
	const char	*payload;
	size_t		 len;
	struct shard	*s;
	size_t		 n, next;
	pthread_mutex_t	 lock;
};

/* "FPR!\nFPR!\n" for gpgme_op_encrypt_sign_ext(); NULL when out of memory. */
static char *
recipient_string(const struct shard *s)
{
	char *str = calloc(s->want * 43 + 1, 1);
	size_t i;

	for (i = s->first; str != NULL && i < s->end; i++)
		if (enc_to(&s->r[i])) {
			strcat(str, s->r[i].subkey);
			strcat(str, "!\n");
		}
	return str;
}

/* gpg's result carries one PKESK for each recipient of s, and no other. */
static int
check_shard(const struct shard *s, struct pd_err *err)
{
	struct pgp_split *sp = NULL;
	size_t i;
	int rc = -1;

	if (pgp_split_parse(s->cipher, s->clen, &sp, err) == -1) {
		err->status = PD_REFUSED;
		return -1;
	}
	for (i = s->first; i < s->end; i++)
		if (enc_to(&s->r[i]) && !pgp_split_has(sp, s->r[i].keyid)) {
			pd_fail(err, PD_REFUSED, "no session key packet for %s "
			    "(subkey %s): nothing is sent", s->r[i].address,
			    s->r[i].keyid);
			goto out;
		}
	if (pgp_split_count(sp) != s->want) {
		pd_fail(err, PD_REFUSED, "%zu session key packets for %zu "
		    "recipients: nothing is sent", pgp_split_count(sp), s->want);
		goto out;
	}
	rc = 0;
out:
	pgp_split_free(sp);
	return rc;
}

/* One shard, on keys k. */
static void
encrypt_shard(struct keys *k, const struct shard_run *run, struct shard *s)
{
	char *rs = recipient_string(s);

	if (rs == NULL)
		s->rc = pd_fail(&s->err, PD_TEMPFAIL, "out of memory");
	else if ((s->rc = keys_sign_encrypt(k, run->l->fpr, rs, run->payload,
	    run->len, &s->cipher, &s->clen, &s->err)) == 0)
		s->rc = check_shard(s, &s->err);
	free(rs);
}

/* A thread: shards until none is left, on a context of its own. */
static void *
shard_worker(void *arg)
{
	struct shard_run *run = arg;
	struct keys *k = NULL;
	struct pd_err err = { 0 };
	size_t i;
	int rc;

	rc = keys_open(run->l->paths.home, 0, &k, &err);
	for (;;) {
		pthread_mutex_lock(&run->lock);
		i = run->next++;
		pthread_mutex_unlock(&run->lock);
		if (i >= run->n)
			break;
		if (rc == -1) {
			run->s[i].rc = -1;
			run->s[i].err = err;
		} else
			encrypt_shard(k, run, &run->s[i]);
	}
	keys_close(k);
	return NULL;
}

/*
 * Cuts r[0..n)'s m recipients into shards as even as can be: of at most
 * shard_size, and at least one a core when each gets ENC_SHARD_MIN.
 */
static struct shard *
cut(const struct rcpt *r, size_t n, size_t m, size_t cores, size_t *nshards)
{
	size_t k = (m + shard_size - 1) / shard_size, i, at = 0, per;
	size_t by_cores = m / ENC_SHARD_MIN < cores ? m / ENC_SHARD_MIN : cores;
	struct shard *s;

	if (k < by_cores)
		k = by_cores;
	if (k == 0)
		k = 1;
	if ((s = calloc(k, sizeof *s)) == NULL)
		return NULL;
	for (i = 0; i < k; i++) {
		per = m / k + (i < m % k);
		s[i].r = r;
		s[i].first = at;
		while (at < n && s[i].want < per)
			s[i].want += enc_to(&r[at++]);
		s[i].end = i + 1 == k ? n : at;
	}
	*nshards = k;
	return s;
}

int
enc_once(struct list *l, const char *payload, size_t len,
    const struct rcpt *r, size_t n, char **cipher, size_t *clen,
    struct pd_err *err)
{
	struct shard_run run = { l, payload, len, NULL, 0, 0,
	    PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[THREADS_MAX];
	char *msg[4096];
	size_t i, m = 0, nt, lens[4096];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = 0;

	*cipher = NULL;
	if (cores < 1)
		cores = 1;
	for (i = 0; i < n; i++)
		m += enc_to(&r[i]);
	if (m / shard_size >= 4096 ||
	    (run.s = cut(r, n, m, (size_t)cores, &run.n)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (run.n == 1)		/* the list's own context, no thread */
		encrypt_shard(l->keys, &run, &run.s[0]);
	else {
		nt = (size_t)cores;
		nt = nt > run.n ? run.n : nt > THREADS_MAX ? THREADS_MAX : nt;
		for (i = 0; i < nt; i++)
			if (pthread_create(&th[i], NULL, shard_worker, &run) != 0)
				break;
		if ((nt = i) == 0)
			shard_worker(&run);
		for (i = 0; i < nt; i++)
			pthread_join(th[i], NULL);
	}
	for (i = 0; rc == 0 && i < run.n; i++)
		if ((rc = run.s[i].rc) == -1)
			*err = run.s[i].err;
	for (i = 0; i < run.n; i++) {
		msg[i] = run.s[i].cipher;
		lens[i] = run.s[i].clen;
	}
	if (rc == 0)
		rc = pgp_shards_pack(msg, lens, run.n, cipher, clen, err);
	for (i = 0; i < run.n; i++)
		free(run.s[i].cipher);
	free(run.s);
	return rc;
}
