/*
 * listd/msg_int.h: what msg.c (parsing, OpenPGP structure), msg_build.c
 * (payloads and copies), msg_parts.c and dsn.c (reports) share.  Only they
 * include it.
 */
#ifndef PDLIST_MSG_INT_H
#define PDLIST_MSG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <gmime/gmime.h>

struct msg {
	GMimeMessage	*gm;
};

/* A stream's bytes in a malloc'd, NUL-terminated buffer. */
char	*mem_take(GMimeStream *mem, size_t *len);
/* A leaf part's content with its transfer encoding undone. */
char	*part_bytes(GMimeObject *o, size_t *len);
/* An entity as it was sent, line ends made CRLF (RFC 3156, section 5). */
char	*canonical_bytes(GMimeObject *o, size_t *len);
bool	 is_type(GMimeObject *o, const char *type, const char *subtype);
/* The first leaf under o that want says yes to, depth first. */
GMimeObject *first_leaf(GMimeObject *o, int depth, bool (*want)(GMimeObject *));
/* The first text/plain leaf that is no attachment, depth first. */
GMimeObject *first_text(GMimeObject *o, int depth);
/* A multipart/signed among the parts of multipart o (a list's footer added
   beside a signed post, or worse), or NULL. */
GMimeObject *nested_signed(GMimeObject *o);

#endif
