/* listd/verp.c: see verp.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "listd/route.h"
#include "listd/verp.h"

#define SECRET_LEN	32
#define SECRET_FILE	"verp.key"

/* n characters of lower-case base32 (5 bits each) of the bytes in. */
static void
base32(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t i, bit;

	for (i = 0; i < n; i++) {
		bit = i * 5;
		out[i] = abc[((in[bit / 8] << 8 | in[bit / 8 + 1]) >>
		    (11 - bit % 8)) & 31];
	}
	out[n] = '\0';
}

static int
read_secret(const char *path, unsigned char key[SECRET_LEN])
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, key, SECRET_LEN);
	close(fd);
	if (n != SECRET_LEN) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/*
 * The list's secret, made when missing: written to a file of its own,
 * synced, then linked into place, so that two makers agree on one.
 */
static int
secret(const struct list_paths *p, unsigned char key[SECRET_LEN],
    struct pd_err *err)
{
	char path[1200], tmp[1250];
	unsigned char r[4];
	int fd, rc;

	snprintf(path, sizeof path, "%s/%s", p->dir, SECRET_FILE);
	if (read_secret(path, key) == 0)
		return 0;
	if (errno != ENOENT)
		goto fail;
	/* a name of its own: threads of one process may race here */
	if (getrandom(key, SECRET_LEN, 0) != SECRET_LEN ||
	    getrandom(r, sizeof r, 0) != sizeof r)
		goto fail;
	snprintf(tmp, sizeof tmp, "%s.%ld.%02x%02x%02x%02x", path,
	    (long)getpid(), r[0], r[1], r[2], r[3]);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		goto fail;
	rc = write(fd, key, SECRET_LEN) == SECRET_LEN && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	if (rc == 0 && link(tmp, path) == -1 && errno != EEXIST)
		rc = -1;
	unlink(tmp);
	explicit_bzero(key, SECRET_LEN);
	if (rc == 0 && read_secret(path, key) == 0)
		return 0;
fail:
	return pd_fail(err, PD_TEMPFAIL, "cannot read or make %s/%s: %s",
	    p->dir, SECRET_FILE, strerror(errno));
}

/* n base32 characters of a digest of the strings in s (NULs between). */
static void
digest(const char *const *s, size_t ns, size_t n, char *out)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	unsigned char d[32];
	gsize len = sizeof d;
	size_t i;

	for (i = 0; i < ns; i++)
		g_checksum_update(c, (const guchar *)s[i],
		    (gssize)strlen(s[i]) + (i + 1 < ns));
	g_checksum_get_digest(c, d, &len);
	g_checksum_free(c);
	base32(d, n, out);
}

/* The part of a token that names post on list. */
static void
post_part(const char *list, const char *post, char out[VERP_POST_LEN + 1])
{
	digest((const char *[]){ "post", list, post }, 3, VERP_POST_LEN, out);
}

/* The part that names the member among the copies of post. */
static void
member_part(const char *list, const char *post, const char *member,
    char out[VERP_MEMBER_LEN + 1])
{
	digest((const char *[]){ list, post, member }, 3, VERP_MEMBER_LEN,
	    out);
}

/* The proof for id on list under key. */
static void
proof(const unsigned char key[SECRET_LEN], const char *list, const char *id,
    char out[VERP_TOKEN_LEN - VERP_ID_LEN + 1])
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, SECRET_LEN);
	unsigned char d[32];
	gsize n = sizeof d;

	g_hmac_update(h, (const guchar *)"pdlist-verp", 12);
	g_hmac_update(h, (const guchar *)list, (gssize)strlen(list) + 1);
	g_hmac_update(h, (const guchar *)id, VERP_ID_LEN);
	g_hmac_get_digest(h, d, &n);
	g_hmac_unref(h);
	base32(d, VERP_TOKEN_LEN - VERP_ID_LEN, out);
	explicit_bzero(d, sizeof d);
}

int
verp_token(const struct list_paths *p, const char *list, const char *post,
    const char *member, char token[VERP_TOKEN_LEN + 1], struct pd_err *err)
{
	unsigned char key[SECRET_LEN];

	if (secret(p, key, err) == -1)
		return -1;
	post_part(list, post, token);
	member_part(list, post, member, token + VERP_POST_LEN);
	proof(key, list, token, token + VERP_ID_LEN);
	explicit_bzero(key, sizeof key);
	return 0;
}

int
verp_check(const struct list_paths *p, const char *list, const char *token,
    struct pd_err *err)
{
	unsigned char key[SECRET_LEN];
	char want[VERP_TOKEN_LEN - VERP_ID_LEN + 1];
	unsigned diff = 0;
	size_t i;

	if (strlen(token) != VERP_TOKEN_LEN)
		return 0;
	if (secret(p, key, err) == -1)
		return -1;
	proof(key, list, token, want);
	explicit_bzero(key, sizeof key);
	for (i = 0; i < VERP_TOKEN_LEN - VERP_ID_LEN; i++)
		diff |= (unsigned)(want[i] ^ token[VERP_ID_LEN + i]);
	return diff == 0;
}

struct find {
	struct store_txn *t;
	const char	*list, *token;
	struct pd_err	*err;
	const char	*post;		/* the post whose copies are looked at */
	char		 hit_post[POST_ID_MAX];
	char		 hit_member[ADDR_MAX + 1];
	size_t		 hits;
};

/* ledger_each_member(): a copy of f->post whose member the token names. */
static int
member_named(const char *member, void *arg)
{
	struct find *f = arg;
	char part[VERP_MEMBER_LEN + 1];

	member_part(f->list, f->post, member, part);
	if (memcmp(part, f->token + VERP_POST_LEN, VERP_MEMBER_LEN) != 0)
		return 0;
	if (f->hits++ == 0) {
		snprintf(f->hit_post, sizeof f->hit_post, "%s", f->post);
		snprintf(f->hit_member, sizeof f->hit_member, "%s", member);
	}
	return 0;
}

/* post_each_id(): a post the token names, whose copies are looked at. */
static int
post_named(const char *post, void *arg)
{
	struct find *f = arg;
	char part[VERP_POST_LEN + 1];

	post_part(f->list, post, part);
	if (memcmp(part, f->token, VERP_POST_LEN) != 0)
		return 0;
	f->post = post;
	return ledger_each_member(f->t, f->list, post, member_named, f,
	    f->err);
}

int
verp_find(struct store_txn *t, const char *list, const char *token,
    struct ledger_entry *e, enum verp_match *m, struct pd_err *err)
{
	struct find f = { t, list, token, err, NULL, "", "", 0 };
	bool found = false;

	*m = VERP_NONE;
	if (strlen(token) != VERP_TOKEN_LEN)
		return 0;
	if (post_each_id(t, list, post_named, &f, err) != 0)
		return -1;
	if (f.hits > 1)
		*m = VERP_MANY;
	else if (f.hits == 1) {
		if (ledger_get(t, list, f.hit_post, f.hit_member, e, &found,
		    err) == -1)
			return -1;
		*m = found ? VERP_ONE : VERP_NONE;
	}
	return 0;
}

bool
verp_per_copy(enum post_kind kind)
{
	switch (kind) {
	case POST_NOTICE:
	case POST_HELD_NOTICE:
	case POST_HELD_REVISION:
	case POST_AUTO_REPLY:
	case POST_REJECT_NOTICE:
	case POST_CVE_REMINDER:
		return false;
	default:
		return true;
	}
}

int
verp_sender(const char *datadir, enum post_kind kind, const struct job *j,
    char out[ADDR_MAX + 1], struct pd_err *err)
{
	char token[VERP_TOKEN_LEN + 1];
	struct list_paths p;

	if (verp_per_copy(kind)) {
		list_paths(datadir, j->list, &p);
		if (verp_token(&p, j->list, j->post, j->member, token,
		    err) == -1)
			return -1;
		if (route_address(j->list, RCPT_BOUNCES, token, out) == 0)
			return 0;
	}
	(void)route_address(j->list, RCPT_BOUNCES, NULL, out);
	return 0;
}
