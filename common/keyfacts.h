/*
 * common/keyfacts.h: what pdlist knows about one OpenPGP key, as plain data.
 *
 * keys/ fills it from gpgme; policy/ judges it without any I/O, so every
 * key rule is a unit test away.  All times are seconds since the epoch,
 * 0 meaning "never" for expiry.
 */
#ifndef PDLIST_KEYFACTS_H
#define PDLIST_KEYFACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct kf_subkey {
	char	 fpr[41];	/* upper-case hex, NUL-terminated */
	char	 keyid[17];	/* last 16 hex digits of fpr */
	char	 algo[16];	/* "rsa", "dsa", "elg", "ed25519", "cv25519",
				   "nistp256", ...: gpgme's name without size */
	unsigned bits;
	bool	 can_encrypt;
	bool	 can_sign;
	bool	 revoked;
	bool	 invalid;
	time_t	 created;
	time_t	 expires;	/* 0: does not expire */
};

struct kf_uid {
	char	*email;		/* lower-cased; "" when the user ID has none */
	bool	 revoked;
	bool	 invalid;
};

struct keyfacts {
	bool		  secret;	/* the key material includes a secret key */
	bool		  revoked;	/* the primary key is revoked */
	size_t		  nsub;		/* >= 1 */
	struct kf_subkey *sub;		/* sub[0] is the primary key */
	size_t		  nuid;
	struct kf_uid	 *uid;
};

/* Frees what the struct owns (not the struct itself); NULL is fine. */
void	keyfacts_clear(struct keyfacts *);

#endif
