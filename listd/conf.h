/*
 * listd/conf.h: listd.conf, read with libconfuse.  Lists and members live in
 * the store, not here.
 */
#ifndef PDLIST_CONF_H
#define PDLIST_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

#define CONF_DEFAULT_PATH	PDLIST_SYSCONFDIR "/pdlist/listd.conf"

struct conf {
	char		*path;		/* the file read, or NULL for defaults */
	char		*datadir;
	char		*policy_dir;	/* where --policy NAME finds NAME.conf */
	char		*lmtp_listen;	/* "unix:PATH" or "HOST:PORT" */
	char		*smtp_url;
	bool		 smtp_starttls;	/* require STARTTLS on smtp:// */
	char		*smtp_helo;	/* EHLO's name; NULL: the host's fully
					   qualified name */
	char		*smtp_ca_file;	/* the PEM file of the CAs that the
					   relay's certificate is verified
					   against; NULL: the system's */
	unsigned	 workers;
	unsigned	 retry_first;	/* seconds before the first retry */
	/* Deadlines, in seconds: */
	unsigned	 lmtp_idle_timeout;	/* outside transactions */
	unsigned	 lmtp_txn_timeout;	/* MAIL to the final dot */
	unsigned	 smtp_connect_timeout;	/* to the greeting */
	unsigned	 smtp_reply_timeout;	/* no reply, no progress */
	unsigned	 smtp_message_timeout;	/* one copy, all told */
	unsigned long	 store_map_mib;
	bool		 verbose;
	unsigned	 gpg_timeout;	/* seconds for one gpg operation */
	unsigned	 unpack_factor;	/* x max-message-size gpg may unpack */
	unsigned long	 max_held_size;	/* bytes: oversize = hold's ceiling */
	unsigned	 process_attempts;	/* engine failures before a message
					   is held as cannot-process */
	/* Key lookup over HTTPS (keyfetch.h): */
	bool		 key_lookup_wkd;	/* WKD before the keyservers */
	char		**keyservers;	/* https:// VKS base URLs, NULL-ended */
	size_t		 nkeyservers;
	unsigned	 key_lookup_timeout;	/* seconds, per request */
	size_t		 key_lookup_max;	/* bytes, per response */
	char		*key_lookup_connect_to;	/* tests: "HOST:PORT" every
					   lookup connects to, or NULL */
	char		*key_lookup_cafile;	/* tests: the CA to trust, or
					   NULL for the system's */
	unsigned	 encrypt_shard_size;	/* recipients per gpg call */
};

/*
 * Reads the configuration at path.  With path NULL, reads CONF_DEFAULT_PATH
 * when it exists and otherwise takes the built-in defaults.  Errors are
 * one line "FILE:LINE: what".  The caller frees *out with conf_free().
 */
int	conf_load(const char *path, struct conf **out, struct pd_err *err);
/*
 * The same from text already read (len bytes), name standing for the
 * file in errors and in path; for the fuzz target.
 */
int	conf_load_text(const char *name, const char *text, size_t len,
	    struct conf **out, struct pd_err *err);
void	conf_free(struct conf *);

/*
 * How long to wait after the attempts-th temporary failure (1, 2, ...):
 * retry-first, doubling, at most six hours.
 */
long	conf_retry_delay(const struct conf *, int attempts);

#endif
