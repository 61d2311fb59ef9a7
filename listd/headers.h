/*
 * listd/headers.h: the outer headers of every copy listd sends, by what
 * its post is (msg.h builds them).  Copies of posts go To: the list with
 * Precedence: list and a neutral Subject (a public copy: the real one);
 * the list's own notices go To: their recipient with Auto-Submitted:
 * auto-generated; auto-replies and rejection notices are replies
 * (Auto-Submitted: auto-replied, In-Reply-To, References), and a
 * rejection names the rejected message's Subject where it came in clear.
 * Every copy has its own Message-ID on the list's domain, stable across
 * retries, so that a copy sent twice (a crash between the relay's reply
 * and the ledger) is one message to the member's client.
 */
#ifndef PDLIST_HEADERS_H
#define PDLIST_HEADERS_H

#include "listd/msg.h"
#include "listd/record.h"

/* What *mc points into. */
struct copy_bufs {
	char	mid[420];
	char	subject[320];
};

/* The headers of job j's copy of post p into *mc (pointing into p, j, b). */
void	copy_headers(const struct post *p, const struct job *j,
	    struct copy_bufs *b, struct msg_copy *mc);

#endif
