/* common/outbuf.c: see outbuf.h. */
#include <string.h>

#include "common/outbuf.h"

int
outbuf_flush(struct outbuf *o)
{
	size_t n = o->len;

	o->len = 0;
	return n == 0 ? 0 : o->write(o->arg, o->buf, n);
}

int
outbuf_put(struct outbuf *o, const char *p, size_t n)
{
	size_t room;

	while (n > 0) {
		if (o->len == o->cap && outbuf_flush(o) == -1)
			return -1;
		room = o->cap - o->len;
		if (room > n)
			room = n;
		memcpy(o->buf + o->len, p, room);
		o->len += room;
		p += room;
		n -= room;
	}
	return 0;
}
