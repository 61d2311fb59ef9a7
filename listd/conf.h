/*
 * listd/conf.h: listd.conf, read with libconfuse.  Lists and members live in
 * the store, not here.
 */
#ifndef PDLIST_CONF_H
#define PDLIST_CONF_H

#include <stdbool.h>

#include "common/util.h"

#define CONF_DEFAULT_PATH	PDLIST_SYSCONFDIR "/pdlist/listd.conf"

struct conf {
	char		*path;		/* the file read, or NULL for defaults */
	char		*datadir;
	char		*policy_dir;	/* where --policy NAME finds NAME.conf */
	char		*lmtp_listen;	/* "unix:PATH" or "HOST:PORT" */
	char		*smtp_url;
	bool		 smtp_starttls;	/* require STARTTLS on smtp:// */
	unsigned	 workers;
	unsigned	 retry_first;	/* seconds before the first retry */
	unsigned long	 store_map_mib;
	bool		 verbose;
	unsigned	 gpg_timeout;	/* seconds for one gpg operation */
	unsigned	 unpack_factor;	/* x max-message-size gpg may unpack */
	unsigned	 process_attempts;	/* engine failures before a message
					   is held as cannot-process */
};

/*
 * Reads the configuration at path.  With path NULL, reads CONF_DEFAULT_PATH
 * when it exists and otherwise takes the built-in defaults.  Errors are
 * one line "FILE:LINE: what".  The caller frees *out with conf_free().
 */
int	conf_load(const char *path, struct conf **out, struct pd_err *err);
void	conf_free(struct conf *);

/*
 * How long to wait after the attempts-th temporary failure (1, 2, ...):
 * retry-first, doubling, at most six hours.
 */
long	conf_retry_delay(const struct conf *, int attempts);

#endif
