/*
 * listd/lmtp_int.h: the listening socket, between lmtp.c (the server) and
 * lmtp_listen.c (which opens and removes it).  Not for other modules.
 */
#ifndef PDLIST_LMTP_INT_H
#define PDLIST_LMTP_INT_H

#include <sys/types.h>

#include "common/util.h"

struct lmtp_sock {
	int		 fd;		/* non-blocking; -1 when closed */
	char		*path;		/* the unix socket we made, or NULL */
	dev_t		 dev;		/* and which file it is */
	ino_t		 ino;
};

/*
 * Opens listen (checked with lmtp_check_listen()) into *ls, as lmtp_open()
 * describes.  0, or -1 with err and nothing left open.
 */
int	lmtp_sock_open(const char *listen, struct lmtp_sock *ls,
	    struct pd_err *err);

/*
 * Closes the socket and removes a unix socket file if it is still the one
 * we made; frees path.  Closing twice is a no-op.
 */
void	lmtp_sock_close(struct lmtp_sock *ls);

#endif
