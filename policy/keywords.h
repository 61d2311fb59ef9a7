/*
 * policy/keywords.h: the advisory keywords, read from the top of a signed
 * body (design.md): "Key: value" lines before the first blank line.
 *
 *	Advisory: XSA-123
 *	Revision: 2
 *	Embargo: 2026-12-01 12:00 UTC		(or 12:00:30 UTC, or: none)
 *	CVE: CVE-2026-12345			(repeatable)
 *	Resend: yes				(optional)
 *	Extension: <reason>			(optional: a longer embargo)
 *
 * A body whose first line is not a known keyword has no keyword block (an
 * ordinary post).  Once a block starts, every line up to the blank line must
 * be a known keyword with a valid value, or the block is malformed.
 * Pure: no I/O.  Only ever call it on content whose signature was verified.
 */
#ifndef PDLIST_KEYWORDS_H
#define PDLIST_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define KW_MAX_CVES	32

struct keywords {
	bool	 present;		/* a keyword block was found */
	char	 advisory[64];
	long	 revision;		/* 0: not given */
	bool	 embargo_set;
	bool	 embargo_none;		/* "Embargo: none" */
	time_t	 embargo;		/* UTC */
	size_t	 ncves;
	char	 cve[KW_MAX_CVES][32];
	bool	 resend;
	char	 extension[200];	/* "": none */
};

/*
 * Parses the keyword block at the top of text (len bytes, need not be NUL-
 * terminated).  Returns 0, or -1 with "line N: what is wrong: 'the line'"
 * in err (errlen bytes).
 */
int	kw_parse(const char *text, size_t len, struct keywords *out, char *err,
	    size_t errlen);

#endif
