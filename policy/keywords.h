/*
 * policy/keywords.h: the advisory keywords, read from the top of a signed
 * body (design.md, pdlist-keywords(7)): "Key: value" lines before the
 * first blank line.
 *
 *	Advisory: XSA-123
 *	Revision: 2
 *	Embargo: 2026-12-01 12:00 UTC		(a date with its zone, or none)
 *	CVE: CVE-2026-12345			(repeatable)
 *	Resend: yes				(optional)
 *	Extension: <reason>			(optional: a longer embargo)
 *	Restart: <reason>			(optional: restart the clock)
 *
 * A body whose first line is not a known keyword has no keyword block (an
 * ordinary post).  Once a block starts, every line up to the blank line must
 * be a known keyword with a valid value, or the block is malformed.  One
 * advisory per post, its block first: an Advisory: or Embargo: line at the
 * start of any other line of the text is refused too.
 * Pure: no I/O.  Only ever call it on content whose signature was verified.
 */
#ifndef PDLIST_KEYWORDS_H
#define PDLIST_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define KW_MAX_CVES	32

#define KW_REASON_MAX	200	/* an Extension's or Restart's reason */
#define KW_SEALED_MAX	2048	/* room for it sealed, armored */

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
	/* "": none.  At most KW_REASON_MAX as written; listd keeps them
	   sealed to the list's key (armored) once judged. */
	char	 extension[KW_SEALED_MAX];
	char	 restart[KW_SEALED_MAX];
};

#define KW_MALFORMED	(-1)	/* a line of the block is wrong */
#define KW_MISPLACED	(-2)	/* keywords outside the opening block */

/*
 * Parses the keyword block at the top of text (len bytes, need not be NUL-
 * terminated).  Returns 0; KW_MALFORMED with "line N: what is wrong: 'the
 * line'" in err (errlen bytes); or KW_MISPLACED with one line saying what
 * to do ("two advisories in one post: send each on its own ...", "the
 * keyword block must open the signed text ...").
 */
int	kw_parse(const char *text, size_t len, struct keywords *out, char *err,
	    size_t errlen);

/*
 * An Embargo: date in one of the unambiguous forms (pdlist-keywords(7)):
 * "2026-12-01 12:00 UTC" (or GMT, UT, Z, seconds optional), ISO 8601
 * "2026-12-01T12:00:00Z" or with a numeric offset "+01:00", "+0100", or an
 * RFC 5322 date "Tue, 1 Dec 2026 12:00:00 +0000".  Returns NULL and the
 * time in *out, or why it is refused (a date without a zone is ambiguous).
 */
const char *kw_parse_date(const char *value, time_t *out);

#endif
