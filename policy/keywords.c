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
	"Advisory", "Revision", "Embargo", "CVE", "Resend", "Extension"
};

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

/* "YYYY-MM-DD HH:MM UTC" or "none". */
static const char *
parse_embargo(const char *v, struct keywords *kw)
{
	struct tm tm;
	char *end;

	if (strcasecmp(v, "none") == 0) {
		kw->embargo_none = true;
		return NULL;
	}
	memset(&tm, 0, sizeof tm);
	/* HH:MM, or HH:MM:SS where a release must be that precise */
	end = strptime(v, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL || strcmp(end, " UTC") != 0) {
		memset(&tm, 0, sizeof tm);
		end = strptime(v, "%Y-%m-%d %H:%M", &tm);
	}
	if (end == NULL || strcmp(end, " UTC") != 0 || tm.tm_year < 100)
		return "the embargo must be 'YYYY-MM-DD HH:MM UTC' or 'none'";
	if ((kw->embargo = timegm(&tm)) == (time_t)-1)
		return "the embargo date is out of range";
	return NULL;
}

static const char *
parse_value(int key, const char *v, struct keywords *kw)
{
	char *end;

	switch (key) {
	case 0:
		if (kw->advisory[0] != '\0')
			return "Advisory is given twice";
		if (strlen(v) >= sizeof kw->advisory || !all(v, isalnum, "-_."))
			return "an advisory id is letters, digits and '-'";
		snprintf(kw->advisory, sizeof kw->advisory, "%s", v);
		return NULL;
	case 1:
		if (kw->revision != 0)
			return "Revision is given twice";
		kw->revision = strtol(v, &end, 10);
		if (!all(v, isdigit, "") || *end != '\0' || kw->revision <= 0 ||
		    kw->revision > 100000)
			return "a revision is a whole number from 1";
		return NULL;
	case 2:
		if (kw->embargo_set)
			return "Embargo is given twice";
		kw->embargo_set = true;
		return parse_embargo(v, kw);
	case 3:
		if (strncmp(v, "CVE-", 4) != 0 || strlen(v) < 13 ||
		    strlen(v) >= sizeof kw->cve[0] || !isdigit((unsigned char)v[4]) ||
		    v[8] != '-' || !all(v + 9, isdigit, ""))
			return "a CVE id is CVE-YYYY-NNNN";
		if (kw->ncves == KW_MAX_CVES)
			return "too many CVE lines";
		snprintf(kw->cve[kw->ncves++], sizeof kw->cve[0], "%s", v);
		return NULL;
	case 4:
		if (strcasecmp(v, "yes") != 0 && strcasecmp(v, "no") != 0)
			return "Resend is yes or no";
		kw->resend = strcasecmp(v, "yes") == 0;
		return NULL;
	default:
		if (*v == '\0' || strlen(v) >= sizeof kw->extension)
			return "an Extension gives its reason in one line";
		snprintf(kw->extension, sizeof kw->extension, "%s", v);
		return NULL;
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

static int
fail(char *err, size_t errlen, int lineno, const char *why, const char *line)
{
	snprintf(err, errlen, "line %d: %s: '%.80s'", lineno, why, line);
	return -1;
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
	if (split(line, &v) == -1)
		return 0;	/* an ordinary post */
	kw->present = true;
	for (;;) {
		if (too_long)
			return fail(err, errlen, lineno, "line too long", line);
		if ((key = split(line, &v)) == -1)
			return fail(err, errlen, lineno, "not a known keyword "
			    "(Advisory, Revision, Embargo, CVE, Resend, "
			    "Extension)", line);
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
	return 0;
}
