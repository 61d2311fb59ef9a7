/*
 * listd/dsn.h: what a report to a bounce address says, parsed with GMime.
 * An RFC 3464 delivery status notification (a message/delivery-status part,
 * usually in a multipart/report) is read field by field; the common
 * non-standard reports (qmail, Exim, Gmail, Exchange and the like: plain
 * text from MAILER-DAEMON or postmaster) are recognised by their sender
 * and their wording, their status taken from the text where it is there.
 * Anything else is no report (DSN_NONE): the caller keeps it for a person.
 * Pure: no store, no clock.
 */
#ifndef PDLIST_DSN_H
#define PDLIST_DSN_H

#include <stddef.h>

#include "common/util.h"

enum dsn_kind {
	DSN_NONE,		/* not a delivery report */
	DSN_FAILED,		/* failed for good: Action failed, 5.x.x */
	DSN_TRANSIENT,		/* delayed, or failed with a 4.x.x status */
	DSN_OTHER,		/* delivered, relayed, expanded */
	DSN_NKINDS
};

struct dsn {
	enum dsn_kind	 kind;
	char		 how[16];	/* "rfc3464", "qmail", "exim", "gmail",
					   "exchange", "text" */
	char		 action[16];	/* RFC 3464's, or "failed"/"delayed" */
	char		 status[16];	/* "5.1.1", or "" when none was given */
	char		 recipient[ADDR_MAX + 1];	/* or "" */
	char		 diagnostic[200];	/* one line, printable ASCII */
};

const char *dsn_kind_name(enum dsn_kind);

/*
 * Reads the report in raw (len bytes, a message as received) into *d.
 * 0; -1 only when out of memory (PD_TEMPFAIL).  Malformed MIME is no
 * report, not an error.
 */
/*
 * The first enhanced status code "[245].d.d" in s (not inside a longer
 * number), such as "5.1.1", into out; false when s has none.
 */
bool	dsn_find_status(const char *s, char out[16]);
int	dsn_parse(const char *raw, size_t len, struct dsn *d,
	    struct pd_err *err);

#endif
