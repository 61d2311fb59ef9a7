/*
 * listd/encrypt.h: who gets an encrypted copy of a post, and the one
 * encryption that serves them all.  Each member's key is checked just
 * before encryption (an unusable key is skipped with the reason: never a
 * plaintext copy); the post is then signed and encrypted ONCE to every
 * recipient's subkey together, and the result is checked to carry exactly
 * one session key packet per recipient (keys/pgpsplit.h cuts the copies).
 */
#ifndef PDLIST_ENCRYPT_H
#define PDLIST_ENCRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/util.h"
#include "listd/list.h"
#include "listd/record.h"

struct rcpt {
	char	address[ADDR_MAX + 1];
	bool	public;		/* a public address: signed, not encrypted */
	char	subkey[41];	/* the encryption subkey to use */
	char	keyid[17];
	char	skip[300];	/* why not, or "" */
};

/* A recipient who gets an encrypted copy. */
bool	enc_to(const struct rcpt *);

/*
 * Checks the key of address, whose member record is m (NULL: no member of
 * l any more), at now into *r: the subkey to encrypt to, or why it is
 * skipped.  The keyring is listed once per list context (a lookup per
 * member would start gpg once per member), and again when a key is not
 * found in it.  A gpg failure is -1 (the caller retries later); a member
 * gone or suspended is a skip.
 */
int	enc_check(struct list *, const struct member *m, const char *address,
	    time_t now, struct rcpt *r, struct pd_err *err);

/* The job of r's copy: ready, with the subkey to cut it for, or skipped. */
void	enc_job(struct job *, const struct rcpt *r);

/*
 * Signs payload with the list's key and encrypts it once to every
 * recipient of r[0..n) that is not skipped; binary OpenPGP in *cipher
 * (malloc'd).  Above the shard size, once per shard of recipients, the
 * shards in parallel, packed together (encrypt_shard.c, keys/pgpshards.h).
 * PD_REFUSED when gpg's result does not carry exactly one session key
 * packet per recipient (nothing is sent then).
 */
int	enc_once(struct list *, const char *payload, size_t len,
	    const struct rcpt *r, size_t n, char **cipher, size_t *clen,
	    struct pd_err *err);

/* Recipients per shard (listd.conf's encrypt-shard-size); 0: the default. */
#define ENC_SHARD_SIZE	1000
void	enc_set_shard_size(size_t n);

#endif
