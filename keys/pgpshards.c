/* keys/pgpshards.c: see pgpshards.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/pgpshards.h"

#define MAGIC		"PDSHARDS1\n"
#define MAGIC_LEN	(sizeof MAGIC - 1)
#define SHARDS_MAX	4096

struct pgp_shards {
	struct pgp_split **sp;
	size_t		   n;
};

int
pgp_shards_pack(char *const *msg, const size_t *len, size_t n, char **out,
    size_t *out_len, struct pd_err *err)
{
	size_t i, total = MAGIC_LEN, off;
	char *b;

	*out = NULL;
	if (n == 0 || n > SHARDS_MAX)
		return pd_fail(err, PD_FAIL, "%zu shards", n);
	for (i = 0; i < n; i++) {
		if (len[i] > UINT32_MAX)
			return pd_fail(err, PD_FAIL, "a shard over 4 GiB");
		total += 4 + len[i];
	}
	if (n == 1)
		total = len[0];
	if ((b = malloc(total ? total : 1)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (n == 1)
		memcpy(b, msg[0], len[0]);
	else {
		memcpy(b, MAGIC, MAGIC_LEN);
		for (i = 0, off = MAGIC_LEN; i < n; i++) {
			b[off++] = (char)(len[i] >> 24);
			b[off++] = (char)(len[i] >> 16);
			b[off++] = (char)(len[i] >> 8);
			b[off++] = (char)len[i];
			memcpy(b + off, msg[i], len[i]);
			off += len[i];
		}
	}
	*out = b;
	*out_len = total;
	return 0;
}

void
pgp_shards_free(struct pgp_shards *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		pgp_split_free(s->sp[i]);
	free(s->sp);
	free(s);
}

/* Adds the shard at m (len bytes), its keys new to the shards before it. */
static int
add_shard(struct pgp_shards *s, const unsigned char *m, size_t len,
    struct pd_err *err)
{
	struct pgp_split *sp;
	const char *id;
	size_t i, k;

	if (pgp_split_parse(m, len, &sp, err) == -1)
		return -1;
	for (i = 0; (id = pgp_split_keyid(sp, i)) != NULL; i++)
		for (k = 0; k < s->n; k++)
			if (pgp_split_has(s->sp[k], id)) {
				/* id lives in sp: the message first */
				pd_fail(err, PD_REFUSED, "key ID %s in shards "
				    "%zu and %zu", id, k + 1, s->n + 1);
				pgp_split_free(sp);
				return -1;
			}
	s->sp[s->n++] = sp;
	return 0;
}

int
pgp_shards_parse(const void *blob, size_t len, struct pgp_shards **out,
    struct pd_err *err)
{
	const unsigned char *b = blob;
	struct pgp_shards *s;
	size_t off, n;
	int rc = 0;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->sp = calloc(SHARDS_MAX, sizeof *s->sp)) == NULL) {
		free(s);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	if (len < MAGIC_LEN || memcmp(b, MAGIC, MAGIC_LEN) != 0)
		rc = add_shard(s, b, len, err);	/* one plain message */
	else
		for (off = MAGIC_LEN; rc == 0 && off < len; off += n) {
			if (len - off < 4 || s->n == SHARDS_MAX) {
				rc = pd_fail(err, PD_REFUSED, "shard %zu: cut "
				    "short at byte %zu", s->n + 1, off);
				break;
			}
			n = (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 |
			    (size_t)b[off + 2] << 8 | b[off + 3];
			off += 4;
			if (n > len - off) {
				rc = pd_fail(err, PD_REFUSED, "shard %zu: %zu "
				    "bytes past the end", s->n + 1,
				    n - (len - off));
				break;
			}
			rc = add_shard(s, b + off, n, err);
		}
	if (rc == 0 && s->n == 0)
		rc = pd_fail(err, PD_REFUSED, "no shard");
	if (rc == -1) {
		pgp_shards_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

size_t
pgp_shards_count(const struct pgp_shards *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += pgp_split_count(s->sp[i]);
	return n;
}

/* The shard that has keyid, else the last (which then refuses it). */
static const struct pgp_split *
shard_of(const struct pgp_shards *s, const char *keyid)
{
	size_t i;

	for (i = 0; i + 1 < s->n && !pgp_split_has(s->sp[i], keyid); i++)
		;
	return s->sp[i];
}

int
pgp_shards_copy_parts(const struct pgp_shards *s, const char *keyid,
    struct pgp_copy *out, struct pd_err *err)
{
	return pgp_split_copy_parts(shard_of(s, keyid), keyid, out, err);
}
