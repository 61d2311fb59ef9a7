/* policy/keywords.c: see keywords.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "policy/keywords.h"

#define KW_LINE_MAX	256

static const char *const known[] = {
	"Advisory", "Revision", "Embargo", "CVE", "Resend", "Extension",
	"Restart"
};
enum { K_ADVISORY, K_REVISION, K_EMBARGO, K_CVE, K_RESEND, K_EXTENSION,
	K_RESTART };

/* Splits "Key: value"; returns the index of a known key or -1. */
static int
split(const char *line, const char **value)
{
	const char *colon = strchr(line, ':');
	size_t i, n;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - line);
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i]) == n && strncasecmp(line, known[i], n) == 0) {
			for (*value = colon + 1; **value == ' ' ||
			    **value == '\t'; (*value)++)
				;
			return (int)i;
		}
	return -1;
}

static bool
all(const char *s, int (*pred)(int), const char *also)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!pred((unsigned char)*s) && strchr(also, *s) == NULL)
			return false;
	return true;
}

/* ---- dates ---------------------------------------------------------------- */

#define DATE_FORMS	"'2026-12-01 12:00 UTC', '2026-12-01T12:00:00Z', " \
	"'2026-12-01T13:00+01:00' or 'Tue, 1 Dec 2026 12:00:00 +0000'"

/* n digits (exactly) at *s into *v; moves *s on. */
static bool
digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return true;
}

/* One or two digits. */
static bool
digits12(const char **s, int *v)
{
	return digits(s, isdigit((unsigned char)(*s)[0]) &&
	    isdigit((unsigned char)(*s)[1]) ? 2 : 1, v);
}

static void
skip_space(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

/* "HH:MM" or "HH:MM:SS" into tm. */
static bool
clock_time(const char **s, struct tm *tm)
{
	if (!digits(s, 2, &tm->tm_hour) || *(*s)++ != ':' ||
	    !digits(s, 2, &tm->tm_min))
		return false;
	if (**s == ':') {
		(*s)++;
		return digits(s, 2, &tm->tm_sec);
	}
	return true;
}

static const struct {
	const char	*name;
	int		 hours;		/* east of UTC */
} zones[] = {
	{ "UTC", 0 }, { "GMT", 0 }, { "UT", 0 }, { "Z", 0 },
	/* RFC 5322's obsolete zones, which it defines exactly */
	{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
	{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 }
};

/*
 * The zone at s, the rest of the value: its offset east of UTC in *off.
 * NULL, or why not.
 */
static const char *
zone(const char *s, long *off)
{
	int h, m = 0, sign;
	size_t i;

	skip_space(&s);
	if (*s == '\0')
		return "the embargo date has no time zone, so it is ambiguous: "
		    "add one, e.g. '2026-12-01 12:00 UTC'";
	if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (!digits(&s, 2, &h) || (*s == ':' && *++s == '\0') ||
		    (*s != '\0' && !digits(&s, 2, &m)) || *s != '\0' ||
		    h > 14 || m > 59)
			return "a zone offset is +HHMM or +HH:MM, e.g. +0100";
		*off = sign * (h * 3600L + m * 60L);
		return NULL;
	}
	for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
		if (strcasecmp(s, zones[i].name) == 0) {
			*off = zones[i].hours * 3600L;
			return NULL;
		}
	return all(s, isalpha, "") ? "the embargo date's time zone is not one "
	    "read unambiguously: give UTC, GMT, Z or an offset such as +0100" :
	    "the embargo must be a date and time with its zone, "
	    DATE_FORMS ", or 'none'";
}

/* ISO 8601's "YYYY-MM-DD", then 'T' or spaces, then the time. */
static bool
iso_date(const char **s, struct tm *tm)
{
	if (!digits(s, 4, &tm->tm_year) || *(*s)++ != '-' ||
	    !digits(s, 2, &tm->tm_mon) || *(*s)++ != '-' ||
	    !digits(s, 2, &tm->tm_mday))
		return false;
	if (**s == 'T' || **s == 't')
		(*s)++;
	else if (**s == ' ')
		skip_space(s);
	else
		return false;
	return clock_time(s, tm);
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat" };

/* RFC 5322's "[Day, ]D Mon YYYY HH:MM[:SS]"; *wday -1 when not given. */
static bool
rfc_date(const char **s, struct tm *tm, int *wday)
{
	int i;

	*wday = -1;
	for (i = 0; i < 7 && isalpha((unsigned char)**s); i++)
		if (strncasecmp(*s, wdays[i], 3) == 0 && (*s)[3] == ',') {
			*wday = i;
			*s += 4;
			skip_space(s);
			break;
		}
	if (!digits12(s, &tm->tm_mday) || **s != ' ')
		return false;
	skip_space(s);
	for (i = 0; i < 12 && strncasecmp(*s, months[i], 3) != 0; i++)
		;
	if (i == 12 || (*s)[3] != ' ')
		return false;
	tm->tm_mon = i + 1;
	*s += 3;
	skip_space(s);
	if (!digits(s, 4, &tm->tm_year) || **s != ' ')
		return false;
	skip_space(s);
	return clock_time(s, tm);
}

/* Whether tm (year, month from 1) names a real day and time. */
static bool
real_time(const struct tm *tm)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y = tm->tm_year;

	if (tm->tm_mon < 1 || tm->tm_mon > 12 || tm->tm_mday < 1 ||
	    tm->tm_mday > mdays[tm->tm_mon - 1] || tm->tm_hour > 23 ||
	    tm->tm_min > 59 || tm->tm_sec > 59)
		return false;
	return tm->tm_mon != 2 || tm->tm_mday < 29 ||
	    (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

const char *
kw_parse_date(const char *v, time_t *out)
{
	const char *s = v, *why;
	struct tm tm, check;
	long off = 0;
	int wday = -1;
	bool parsed;

	memset(&tm, 0, sizeof tm);
	skip_space(&s);
	parsed = strspn(s, "0123456789") == 4 && s[4] == '-' ?
	    iso_date(&s, &tm) : rfc_date(&s, &tm, &wday);
	if (!parsed)
		return "the embargo must be a date and time with its zone, "
		    DATE_FORMS ", or 'none'";
	if ((why = zone(s, &off)) != NULL)
		return why;
	if (tm.tm_year < 2000 || !real_time(&tm))
		return "the embargo date names no such day or time";
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	check = tm;
	if ((*out = timegm(&check)) == (time_t)-1)
		return "the embargo date is out of range";
	if (wday != -1 && wday != check.tm_wday)
		return "the embargo date's day of the week does not match it";
	*out -= off;
	return NULL;
}

/* A date, or "none". */
static const char *
parse_embargo(const char *v, struct keywords *kw)
{
	if (strcasecmp(v, "none") == 0) {
		kw->embargo_none = true;
		return NULL;
	}
	return kw_parse_date(v, &kw->embargo);
}

/* A reason on one line, into buf (cap bytes). */
static const char *
reason(const char *v, char *buf, size_t cap, const char *what)
{
	if (*v == '\0' || strlen(v) >= cap)
		return what;
	snprintf(buf, cap, "%s", v);
	return NULL;
}

static const char *
parse_value(int key, const char *v, struct keywords *kw)
{
	char *end;

	switch (key) {
	case K_ADVISORY:
		if (kw->advisory[0] != '\0')
			return "Advisory is given twice";
		if (strlen(v) >= sizeof kw->advisory || !all(v, isalnum, "-_."))
			return "an advisory id is letters, digits and '-'";
		snprintf(kw->advisory, sizeof kw->advisory, "%s", v);
		return NULL;
	case K_REVISION:
		if (kw->revision != 0)
			return "Revision is given twice";
		kw->revision = strtol(v, &end, 10);
		if (!all(v, isdigit, "") || *end != '\0' || kw->revision <= 0 ||
		    kw->revision > 100000)
			return "a revision is a whole number from 1";
		return NULL;
	case K_EMBARGO:
		if (kw->embargo_set)
			return "Embargo is given twice";
		kw->embargo_set = true;
		return parse_embargo(v, kw);
	case K_CVE:
		if (strncmp(v, "CVE-", 4) != 0 || strlen(v) < 13 ||
		    strlen(v) >= sizeof kw->cve[0] || !isdigit((unsigned char)v[4]) ||
		    v[8] != '-' || !all(v + 9, isdigit, ""))
			return "a CVE id is CVE-YYYY-NNNN";
		if (kw->ncves == KW_MAX_CVES)
			return "too many CVE lines";
		snprintf(kw->cve[kw->ncves++], sizeof kw->cve[0], "%s", v);
		return NULL;
	case K_RESEND:
		if (strcasecmp(v, "yes") != 0 && strcasecmp(v, "no") != 0)
			return "Resend is yes or no";
		kw->resend = strcasecmp(v, "yes") == 0;
		return NULL;
	case K_EXTENSION:
		if (kw->extension[0] != '\0')
			return "Extension is given twice";
		return reason(v, kw->extension, KW_REASON_MAX,
		    "an Extension gives its reason in one line");
	default:
		if (kw->restart[0] != '\0')
			return "Restart is given twice";
		return reason(v, kw->restart, KW_REASON_MAX,
		    "a Restart gives its reason in one line");
	}
}

/* Copies line n (without its end) into buf; returns the next offset. */
static size_t
next_line(const char *text, size_t len, size_t off, char *buf, size_t cap,
    bool *too_long)
{
	size_t n = 0;

	*too_long = false;
	while (off < len && text[off] != '\n') {
		if (n + 1 < cap)
			buf[n++] = text[off];
		else
			*too_long = true;
		off++;
	}
	while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
	    buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return off < len ? off + 1 : off;
}

/*
 * A malformed line, named by its number and keyword, never by its value:
 * the reason is kept in the store and the audit log, where a line of an
 * embargoed text must not be.
 */
static int
fail(char *err, size_t errlen, int lineno, const char *why, const char *line)
{
	int key = (int)strcspn(line, ":");

	if (key > 20 || line[key] == '\0')
		snprintf(err, errlen, "line %d: %s", lineno, why);
	else
		snprintf(err, errlen, "line %d: %s (the %.*s: line)", lineno,
		    why, key, line);
	return KW_MALFORMED;
}

/*
 * One advisory per post, its block first: the lines after the opening
 * block (from off; the last one read was lineno) must not start with
 * Advisory: or Embargo:.  Without an opening block such a line is a block
 * in the wrong place; after one, a second advisory or a second block.
 */
static int
stray(const char *text, size_t len, size_t off, int lineno,
    const struct keywords *kw, char *err, size_t errlen)
{
	char line[KW_LINE_MAX];
	const char *v;
	bool too_long;
	int key;

	while (off < len) {
		off = next_line(text, len, off, line, sizeof line, &too_long);
		lineno++;
		if ((key = split(line, &v)) != K_ADVISORY && key != K_EMBARGO)
			continue;
		if (!kw->present)
			snprintf(err, errlen, "the keyword block must open the "
			    "signed text: line %d comes after other text; put "
			    "the keywords first, before any greeting", lineno);
		else if (key == K_ADVISORY && strcasecmp(v, kw->advisory) != 0)
			snprintf(err, errlen, "two advisories in one post: send "
			    "each on its own (%s, and %.63s at line %d)",
			    kw->advisory, v, lineno);
		else
			snprintf(err, errlen, "the keyword block must open the "
			    "signed text, once: line %d is outside it", lineno);
		return KW_MISPLACED;
	}
	return 0;
}

int
kw_parse(const char *text, size_t len, struct keywords *kw, char *err,
    size_t errlen)
{
	char line[KW_LINE_MAX];
	const char *v, *why;
	size_t off = 0;
	bool too_long;
	int key, lineno = 0;

	memset(kw, 0, sizeof *kw);
	if (errlen > 0)
		err[0] = '\0';
	/* Leading blank lines are not part of the block. */
	do {
		off = next_line(text, len, off, line, sizeof line, &too_long);
		lineno++;
	} while (line[0] == '\0' && off < len);
	if (split(line, &v) == -1)	/* an ordinary post, unless ... */
		return stray(text, len, off, lineno, kw, err, errlen);
	kw->present = true;
	for (;;) {
		if (too_long)
			return fail(err, errlen, lineno, "line too long", line);
		if ((key = split(line, &v)) == -1)
			return fail(err, errlen, lineno, "not a known keyword "
			    "(Advisory, Revision, Embargo, CVE, Resend, "
			    "Extension, Restart)", line);
		if ((why = parse_value(key, v, kw)) != NULL)
			return fail(err, errlen, lineno, why, line);
		if (off >= len)
			break;
		off = next_line(text, len, off, line, sizeof line, &too_long);
		lineno++;
		if (line[0] == '\0')
			break;
	}
	if (kw->advisory[0] == '\0')
		return fail(err, errlen, 1, "a keyword block needs an Advisory",
		    "");
	if (kw->revision == 0)
		kw->revision = 1;
	return stray(text, len, off, lineno, kw, err, errlen);
}
