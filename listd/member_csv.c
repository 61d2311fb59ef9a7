/*
 * listd/member_csv.c: member import's rows from CSV (RFC 4180), see
 * member_int.h.  The first line names the columns with the JSON fields'
 * names; each further line is a member.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listd/member_int.h"

#define CSV_COLUMNS_MAX	16

/*
 * One field at *p (quoted or not) into a new string *out; *p moves past
 * it and its separator; *eol says the line ended.  -1: an unclosed quote.
 */
static int
field(const char **p, const char *end, char **out, bool *eol)
{
	const char *s = *p;
	char *f = malloc((size_t)(end - s) + 1);
	size_t n = 0;
	bool quoted = s < end && *s == '"';

	if (f == NULL)
		return -1;
	for (s += quoted; s < end; s++) {
		if (quoted && *s == '"') {
			if (s + 1 < end && s[1] == '"') {
				f[n++] = *s++;
				continue;
			}
			quoted = false;
			continue;
		}
		if (!quoted && (*s == ',' || *s == '\n' || *s == '\r'))
			break;
		f[n++] = *s;
	}
	if (quoted) {
		free(f);
		return -1;
	}
	f[n] = '\0';
	*eol = s >= end || *s != ',';
	if (s < end && *s == '\r')
		s++;
	*p = s < end ? s + 1 : s;
	*out = f;
	return 0;
}

/* A field's value as the JSON field it fills takes it. */
static json_t *
value(const char *column, char *v)
{
	json_t *a;
	char *w, *save = NULL;

	if (strcmp(column, "installed-base") == 0 && v[0] != '\0' &&
	    strspn(v, "0123456789") == strlen(v) && strlen(v) < 16)
		return json_integer(strtoll(v, NULL, 10));
	if (strcmp(column, "agreed") == 0)
		return json_boolean(strcasecmp(v, "true") == 0 ||
		    strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0);
	if (strcmp(column, "evidence") != 0)
		return json_string(v);
	a = json_array();	/* URLs apart by blanks */
	for (w = strtok_r(v, " \t", &save); w != NULL && a != NULL;
	    w = strtok_r(NULL, " \t", &save))
		json_array_append_new(a, json_string(w));
	return a;
}

int
member_csv_rows(const char *text, size_t len, const char *name,
    json_t **rows, struct pd_err *err)
{
	const char *p = text, *end = text + len;
	char *col[CSV_COLUMNS_MAX] = { NULL }, *f;
	size_t ncol = 0, i, line = 1;
	json_t *row = NULL;
	bool eol = false;
	int rc = -1;

	if ((*rows = json_array()) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	while (!eol && p < end && ncol < CSV_COLUMNS_MAX)
		if (field(&p, end, &col[ncol++], &eol) == -1)
			goto bad;
	if (ncol == 0 || !eol) {
		pd_fail(err, PD_REFUSED, "%s: %s", name, ncol == 0 ? "empty: "
		    "give a header line naming the columns (address,role,...)" :
		    "more than 16 columns");
		goto out;
	}
	while (p < end) {
		line++;
		if (*p == '\n' || *p == '\r') {	/* a blank line */
			p++;
			continue;
		}
		row = json_object();
		for (i = 0, eol = false; !eol && row != NULL; i++) {
			if (field(&p, end, &f, &eol) == -1)
				goto bad;
			if (i < ncol && f[0] != '\0')
				json_object_set_new(row, col[i], value(col[i], f));
			else if (i >= ncol && f[0] != '\0')
				json_object_set_new(row, "extra-column",
				    json_string(f));
			free(f);
		}
		json_array_append_new(*rows, row);
		row = NULL;
	}
	rc = 0;
	goto out;
bad:
	pd_fail(err, PD_REFUSED, "%s:%zu: a quoted field is not closed", name,
	    line);
out:
	json_decref(row);
	for (i = 0; i < ncol; i++)
		free(col[i]);
	if (rc == -1) {
		json_decref(*rows);
		*rows = NULL;
	}
	return rc;
}
