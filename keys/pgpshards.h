/*
 * keys/pgpshards.h: a post encrypted in shards.
 *
 * Above a size, a list's recipients are split into shards and the post is
 * signed and encrypted once per shard (listd/encrypt_shard.c), the shards
 * in parallel.  Each shard is an OpenPGP message as pgpsplit.h parses it;
 * a member's copy is its shard cut down to its PKESK, exactly as from a
 * post encrypted once.  The shards are kept together as one blob:
 *
 *	"PDSHARDS1\n", then for each shard its length (4 bytes, big-endian)
 *	and its bytes
 *
 * A blob without the magic is one plain message (one shard): the format
 * of a post encrypted once, and of every post stored before shards.  No
 * OpenPGP message starts with the magic (a packet's first byte has bit 7
 * set).  Pure framing, no gpg.
 */
#ifndef PDLIST_PGPSHARDS_H
#define PDLIST_PGPSHARDS_H

#include <stddef.h>

#include "common/util.h"
#include "keys/pgpsplit.h"

struct pgp_shards;

/* The blob of n messages (n >= 1; one is kept as it is); *out malloc'd. */
int	pgp_shards_pack(char *const *msg, const size_t *len, size_t n,
	    char **out, size_t *out_len, struct pd_err *err);

/*
 * Parses a blob: each shard as pgp_split_parse() does, and no key ID in
 * two shards (each copy carries its member's one PKESK).  PD_REFUSED for
 * a malformed blob or shard (naming which), PD_FAIL out of memory.
 */
int	pgp_shards_parse(const void *blob, size_t len, struct pgp_shards **out,
	    struct pd_err *err);
void	pgp_shards_free(struct pgp_shards *);

/* The PKESKs of all shards together. */
size_t	pgp_shards_count(const struct pgp_shards *);

/* One member's copy, from the shard that has keyid, in parts:
   pgp_split_copy_parts(). */
int	pgp_shards_copy_parts(const struct pgp_shards *, const char *keyid,
	    struct pgp_copy *out, struct pd_err *err);

#endif
