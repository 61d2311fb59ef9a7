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

/* The copy's id: a digest of list, post and member (NULs between). */
static void
copy_id(const char *list, const char *post, const char *member,
    char id[VERP_ID_LEN + 1])
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	unsigned char d[32];
	gsize n = sizeof d;

	g_checksum_update(c, (const guchar *)list, (gssize)strlen(list) + 1);
	g_checksum_update(c, (const guchar *)post, (gssize)strlen(post) + 1);
	g_checksum_update(c, (const guchar *)member, (gssize)strlen(member));
	g_checksum_get_digest(c, d, &n);
	g_checksum_free(c);
	base32(d, VERP_ID_LEN, id);
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
	copy_id(list, post, member, token);
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

bool
verp_names(const char *token, const char *list, const char *post,
    const char *member)
{
	char id[VERP_ID_LEN + 1];

	copy_id(list, post, member, id);
	return strncmp(token, id, VERP_ID_LEN) == 0;
}

/* Whether copies of a post of kind come back to an address of their own. */
static bool
per_copy(enum post_kind kind)
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

	if (per_copy(kind)) {
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
