/*
 * common/outbuf.h: bytes staged in a buffer of the caller's and written
 * out, through the caller's write function, whenever it is full and when
 * flushed: many small pieces (lines, their dot-stuffing) go out in few
 * writes.  Used by listd's SMTP data phase and by listctl inject's LMTP
 * hand-over.
 */
#ifndef PDLIST_OUTBUF_H
#define PDLIST_OUTBUF_H

#include <stddef.h>

struct outbuf {
	char	*buf;		/* cap bytes, the caller's */
	size_t	 cap, len;
	int	(*write)(void *arg, const char *p, size_t n);	/* 0 or -1 */
	void	*arg;
};

/* Stages the n bytes at p; -1 when a write of what was staged failed. */
int	outbuf_put(struct outbuf *, const char *p, size_t n);
/* Writes out what is staged; -1 when the write failed.  Empty after. */
int	outbuf_flush(struct outbuf *);

#endif
