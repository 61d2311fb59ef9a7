/* tests/unit/test_keywords.c: the advisory keyword block, line by line. */
#include <string.h>

#include "common/util.h"
#include "policy/keywords.h"
#include "tap.h"

static int
parse(const char *text, struct keywords *kw, char *err)
{
	return kw_parse(text, strlen(text), kw, err, 256);
}

static void
test_good(void)
{
	struct keywords kw;
	char err[256];

	ok(parse("Advisory: XSA-123\nRevision: 2\nEmbargo: 2026-12-01 12:00 UTC\n"
	    "CVE: CVE-2026-12345\nCVE: CVE-2026-0001\nResend: yes\n\nText\n",
	    &kw, err) == 0, "a full block parses: %s", err);
	ok(kw.present, "it is present");
	is_str(kw.advisory, "XSA-123", "advisory");
	ok(kw.revision == 2, "revision 2");
	ok(kw.embargo_set && !kw.embargo_none && kw.embargo == 1796126400,
	    "embargo 2026-12-01 12:00 UTC (%lld)", (long long)kw.embargo);
	ok(kw.ncves == 2 && strcmp(kw.cve[1], "CVE-2026-0001") == 0, "two CVEs");
	ok(kw.resend, "resend");

	ok(parse("\r\n\nadvisory: XSA-1\r\nembargo: none\r\n\r\nbody", &kw,
	    err) == 0 && kw.embargo_none && kw.revision == 1,
	    "CRLF, leading blank lines, any case, Embargo: none, revision 1 by default");
	ok(parse("Advisory: XSA-9\nEmbargo: 2026-12-01 12:00:30 UTC\n", &kw,
	    err) == 0 && kw.embargo == 1796126430, "an embargo to the second");
	ok(parse("Advisory: XSA-9\nExtension: the discoverer asked for 4 weeks\n",
	    &kw, err) == 0 && strcmp(kw.extension, "the discoverer asked for 4 "
	    "weeks") == 0, "Extension keeps its reason");
	ok(parse("Advisory: XSA-9", &kw, err) == 0 && kw.present,
	    "a block that is the whole text");
}

static void
test_ordinary(void)
{
	struct keywords kw;
	char err[256];

	ok(parse("Hello team,\nAdvisory: XSA-1\n", &kw, err) == 0 && !kw.present,
	    "a body that starts with prose has no block");
	ok(parse("", &kw, err) == 0 && !kw.present, "an empty body has none");
	ok(parse("Subject: x\n\nbody", &kw, err) == 0 && !kw.present,
	    "an unknown first keyword is no block");
}

/* Each malformed line is named with its number. */
static void
bad(const char *text, const char *want, const char *what)
{
	struct keywords kw;
	char err[256];

	ok(parse(text, &kw, err) == -1, "%s is refused", what);
	like(err, want, "%s: the error names it", what);
}

static void
test_bad(void)
{
	bad("Advisory: XSA-1\nRevision: two\n", "line 2: a revision is a whole "
	    "number from 1: 'Revision: two'", "a word for a revision");
	bad("Advisory: XSA-1\nRevision: 0\n", "line 2", "revision 0");
	bad("Advisory: XSA-1\nEmbargo: next week\n", "line 2: the embargo must "
	    "be", "a vague embargo");
	bad("Advisory: XSA-1\nEmbargo: 2026-12-01 12:00 CET\n", "line 2",
	    "an embargo not in UTC");
	bad("Advisory: XSA-1\nCVE: 2026-1234\n", "line 2: a CVE id", "a bad CVE");
	bad("Advisory: XSA-1\nResend: please\n", "line 2: Resend is yes or no",
	    "Resend: please");
	bad("Advisory: XSA-1\nSeverity: high\n", "line 2: not a known keyword",
	    "an unknown keyword inside the block");
	bad("Advisory: XSA 1\n", "line 1: an advisory id", "a space in the id");
	bad("Advisory: XSA-1\nAdvisory: XSA-2\n", "line 2: Advisory is given twice",
	    "two advisories");
	bad("Revision: 2\nCVE: CVE-2026-1234\n", "needs an Advisory",
	    "a block without Advisory");
	bad("Advisory: XSA-1\nCVE: CVE-2026-1234567890123456789012345678901\n",
	    "line 2", "an overlong CVE");
}

/* The shared UTC time forms (common/util.c) the keywords and store use. */
static void
test_times(void)
{
	char buf[32];

	is_str(iso_time(1796126400, buf), "2026-12-01T12:00:00Z", "iso_time");
	ok(parse_iso("2026-12-01T12:00:00Z") == 1796126400, "parse_iso");
	ok(parse_iso(iso_time(1234567890, buf)) == 1234567890,
	    "iso_time and parse_iso round-trip");
	ok(parse_iso("2026-12-01 12:00 UTC") == 0 && parse_iso("") == 0 &&
	    parse_iso(NULL) == 0 && parse_iso("2026-12-01T12:00:00Zjunk") == 0,
	    "parse_iso refuses anything else");
	is_str(fmt_time(1796126400, "%Y-%m-%d %H:%M UTC", buf, sizeof buf),
	    "2026-12-01 12:00 UTC", "fmt_time with the keyword's form");
}

int
main(void)
{
	test_times();
	test_good();
	test_ordinary();
	test_bad();
	return done_testing();
}
