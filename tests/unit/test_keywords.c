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
	ok(parse("Advisory: XSA-9\nRestart: the patch broke live migration\n",
	    &kw, err) == 0 && strcmp(kw.restart, "the patch broke live "
	    "migration") == 0, "Restart keeps its reason");
}

static void
test_ordinary(void)
{
	struct keywords kw;
	char err[256];

	ok(parse("Hello team,\nthe patch is fine.\n", &kw, err) == 0 &&
	    !kw.present, "a body that starts with prose has no block");
	ok(parse("Hi,\n\n> Advisory: XSA-1\n  Embargo: none\nCVE: CVE-2026-1234"
	    "\nRevision: 2\n", &kw, err) == 0 && !kw.present,
	    "quoted, indented or other keyword lines in discussion are not");
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

/* One advisory per post, its block first. */
static void
misplaced(const char *text, const char *want, const char *what)
{
	struct keywords kw;
	char err[256];

	ok(parse(text, &kw, err) == KW_MISPLACED, "%s is refused as misplaced",
	    what);
	like(err, want, "%s: the reason says so", what);
	ok(strchr(err, '\n') == NULL, "%s: on one line", what);
}

static void
test_misplaced(void)
{
	misplaced("Advisory: XSA-801\nEmbargo: 2026-12-01 12:00 UTC\n\nText.\n"
	    "\nAdvisory: XSA-802\nEmbargo: 2026-12-05 12:00 UTC\n\nMore.\n",
	    "two advisories in one post: send each on its own (XSA-801, and "
	    "XSA-802 at line 6)", "two keyword blocks");
	misplaced("Hello team,\n\nAdvisory: XSA-1\nEmbargo: none\n",
	    "the keyword block must open the signed text: line 3 comes after "
	    "other text", "keywords after a greeting");
	misplaced("Hi,\nembargo: 2026-12-01 12:00 UTC\n", "must open the "
	    "signed text: line 2", "an Embargo: line alone, in any case");
	misplaced("Advisory: XSA-1\nEmbargo: none\n\nText\nEmbargo: 2026-12-01 "
	    "12:00 UTC\n", "must open the signed text, once: line 5",
	    "a second Embargo: after the block");
	misplaced("Advisory: XSA-1\n\nText\nAdvisory: XSA-1\n", "once: line 4",
	    "the same advisory again");
}

/* The forms of a date people write, and the ambiguous ones. */
#define NOON	((time_t)1796126400)	/* 2026-12-01 12:00:00 UTC */

static const struct {
	const char	*v;
	time_t		 want;		/* 0: refused */
	const char	*says;		/* refused: why */
	const char	*what;
} dates[] = {
	{ "2026-12-01 12:00 UTC", NOON, NULL, "the canonical form" },
	{ "2026-12-01 12:00:30 UTC", NOON + 30, NULL, "with seconds" },
	{ "2026-12-01 12:00 GMT", NOON, NULL, "GMT" },
	{ "2026-12-01 12:00 utc", NOON, NULL, "a zone in any case" },
	{ "2026-12-01  12:00  UT", NOON, NULL, "UT, doubled spaces" },
	{ "2026-12-01T12:00:00Z", NOON, NULL, "ISO 8601 with Z" },
	{ "2026-12-01T12:00Z", NOON, NULL, "ISO 8601 without seconds" },
	{ "2026-12-01T13:00:00+01:00", NOON, NULL, "ISO 8601 with +01:00" },
	{ "2026-12-01T07:30-0430", NOON, NULL, "ISO 8601 with -0430" },
	{ "2026-12-01 14:00 +02", NOON, NULL, "an offset in hours" },
	{ "2026-12-01 12:00 +0000", NOON, NULL, "a space and +0000" },
	{ "Tue, 1 Dec 2026 12:00:00 +0000", NOON, NULL, "RFC 5322" },
	{ "1 Dec 2026 07:00 EST", NOON, NULL, "RFC 5322, no day, EST" },
	{ "Tue, 01 dec 2026 12:00:00 GMT", NOON, NULL, "RFC 5322, GMT" },
	{ "2028-02-29 00:00 UTC", 1835395200, NULL, "a leap day" },
	{ "2026-12-01 12:00", 0, "no time zone, so it is ambiguous",
	    "no zone" },
	{ "2026-12-01T12:00:00", 0, "ambiguous", "ISO 8601 without a zone" },
	{ "Tue, 1 Dec 2026 12:00:00", 0, "ambiguous", "RFC 5322 without" },
	{ "2026-12-01 12:00 CET", 0, "not one read unambiguously",
	    "CET (or CEST?)" },
	{ "2026-12-01 12:00 IST", 0, "unambiguously", "IST" },
	{ "2026-12-01", 0, "a date and time with its zone", "a day alone" },
	{ "next week", 0, "a date and time with its zone", "words" },
	{ "2026-02-30 12:00 UTC", 0, "no such day", "February 30" },
	{ "2027-02-29 12:00 UTC", 0, "no such day", "not a leap year" },
	{ "2026-12-01 24:00 UTC", 0, "no such day or time", "24:00" },
	{ "Wed, 1 Dec 2026 12:00:00 +0000", 0, "day of the week does not "
	    "match", "a wrong weekday" },
	{ "2026-12-01 12:00 +1:00", 0, "+HHMM or +HH:MM", "a short offset" },
	{ "2026-12-01 12:00 +01:", 0, "+HHMM", "a cut offset" },
	{ "2026-12-01 12:00 UTC+1", 0, "a date and time", "UTC+1" },
	{ "1999-12-01 12:00 UTC", 0, "no such day", "last century" },
	{ "", 0, "a date and time", "empty" },
	{ "2", 0, "a date and time", "one digit" },
	{ "Tue,", 0, "a date and time", "a weekday alone" },
};

static void
test_dates(void)
{
	struct keywords kw;
	const char *why;
	char err[256];
	time_t t;
	size_t i;

	for (i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		t = 0;
		why = kw_parse_date(dates[i].v, &t);
		if (dates[i].says == NULL)
			ok(why == NULL && t == dates[i].want, "%s: '%s' is read "
			    "(%s)", dates[i].what, dates[i].v, why ? why : "");
		else
			like(why ? why : "", dates[i].says, "%s: '%s' is "
			    "refused, saying why", dates[i].what, dates[i].v);
	}
	ok(parse("Advisory: XSA-1\nEmbargo: 2026-12-01 12:00\n", &kw, err) ==
	    KW_MALFORMED, "a keyword block with an ambiguous date is malformed");
	like(err, "line 2: the embargo date has no time zone, so it is "
	    "ambiguous: add one, e.g. '2026-12-01 12:00 UTC' (the Embargo: "
	    "line)", "the error names the line and what to do");
	ok(strstr(err, "2026-12-01 12:00'") == NULL, "and does not quote the "
	    "line's value, which the store keeps (%s)", err);
	ok(parse("Advisory: XSA-1\nEmbargo: 2026-12-01 12:00 GMT\n", &kw,
	    err) == 0 && kw.embargo == NOON, "Embargo: ... GMT is read");
}

static void
test_bad(void)
{
	bad("Advisory: XSA-1\nRevision: two\n", "line 2: a revision is a whole "
	    "number from 1 (the Revision: line)", "a word for a revision");
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
	bad("Advisory: XSA-1\nRestart:\n", "line 2: a Restart gives its reason",
	    "a Restart without a reason");
	bad("Advisory: XSA-1\nRestart: a\nRestart: b\n", "line 3: Restart is "
	    "given twice", "two Restarts");
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
	test_misplaced();
	test_dates();
	test_bad();
	return done_testing();
}
