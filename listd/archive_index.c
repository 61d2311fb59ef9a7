/*
 * listd/archive_index.c: the archive's index.html and feed.atom (RFC 4287),
 * made from the records in the archive (see archive.h), newest first.
 * Every string goes through markup_esc().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "listd/advisory_int.h"
#include "listd/archive_int.h"
#include "listd/markup.h"

bool
archive_index_exists(const char *dir)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof path, "%s/index.html", dir);
	return stat(path, &st) == 0;
}

static bool
exists(const char *dir, const char *id, const char *name)
{
	char path[4400];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s/%s", dir, id, name);
	return stat(path, &st) == 0;
}

/* The archived records of ids, newest published first. */
static json_t *
records(const char *dir, const json_t *ids)
{
	json_t *out = json_array(), *v, *r;
	char path[4400];
	size_t i;

	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);

		if (id == NULL || !archive_safe_name(id))
			continue;
		snprintf(path, sizeof path, "%s/%s/record.json", dir, id);
		if ((r = json_load_file(path, 0, NULL)) != NULL)
			json_array_append_new(out, r);
	}
	(void)adv_sort(out, "published", true);	/* else as they came */
	return out;
}

/* <a href="ID/NAME">text</a>; id and name are safe path components. */
static void
link(FILE *f, const char *id, const char *name, const char *text)
{
	fprintf(f, "<a href=\"");
	markup_esc(f, id);
	fputc('/', f);
	markup_esc(f, name);
	fprintf(f, "\">");
	markup_esc(f, text);
	fprintf(f, "</a>");
}

static void
row(FILE *f, const char *th, const char *td)
{
	fprintf(f, "<tr><th>%s</th><td>", th);
	markup_esc(f, td[0] ? td : "-");
	fprintf(f, "</td></tr>\n");
}

/* The signed copies of the published revisions that are archived. */
static void
copies(FILE *f, const char *dir, const json_t *r)
{
	const char *id = adv_str(r, "id");
	const json_t *v;
	char name[64], text[64];
	size_t i;

	fprintf(f, "<p>Record: ");
	link(f, id, "record.json", "JSON");
	fprintf(f, ", ");
	link(f, id, "record.xml", "XML");
	fprintf(f, ", ");
	link(f, id, "record.txt", "text");
	fprintf(f, ". Signed text:");
	json_array_foreach(json_object_get(r, "revisions"), i, v) {
		long rev = (long)json_integer_value(json_object_get(v,
		    "revision"));

		snprintf(name, sizeof name, "revision-%ld.eml", rev);
		if (strcmp(adv_str(v, "outcome"), "published") != 0 ||
		    !exists(dir, id, name))
			continue;
		snprintf(text, sizeof text, "revision %ld", rev);
		fputc(' ', f);
		link(f, id, name, text);
	}
	fprintf(f, ".</p>\n");
}

static void
patches(FILE *f, const char *dir, const json_t *r)
{
	const json_t *v, *all = json_object_get(r, "patches");
	char name[180], path[200];
	long rev = archive_content_revision(r);
	size_t i;

	if (json_array_size(json_object_get(r, "patches")) == 0)
		return;
	fprintf(f, "<table class=\"patches\"><tr><th>patch</th><th>bytes</th>"
	    "<th>SHA-256</th></tr>\n");
	json_array_foreach(json_object_get(r, "patches"), i, v) {
		archive_patch_name(all, i, name);
		snprintf(path, sizeof path, "revision-%ld/%s", rev, name);
		fprintf(f, "<tr><td>");
		if (exists(dir, adv_str(r, "id"), path))
			link(f, adv_str(r, "id"), path, adv_str(v, "name"));
		else
			markup_esc(f, adv_str(v, "name"));
		fprintf(f, "</td><td>%lld</td><td><code>", (long long)
		    json_integer_value(json_object_get(v, "size")));
		markup_esc(f, adv_str(v, "sha256"));
		fprintf(f, "</code></td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void
revisions(FILE *f, const json_t *r)
{
	const json_t *v;
	size_t i;

	fprintf(f, "<table class=\"revisions\"><tr><th>revision</th><th>date"
	    "</th><th>outcome</th><th>embargo</th></tr>\n");
	json_array_foreach(json_object_get(r, "revisions"), i, v) {
		fprintf(f, "<tr><td>%lld</td><td>", (long long)
		    json_integer_value(json_object_get(v, "revision")));
		markup_esc(f, adv_str(v, "date"));
		fprintf(f, "</td><td>");
		markup_esc(f, adv_str(v, "outcome"));
		fprintf(f, "</td><td>");
		markup_esc(f, json_is_string(json_object_get(v, "embargo")) ?
		    adv_str(v, "embargo") : "none");
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void
cves(FILE *f, const json_t *r)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cves"), i, c) {
		if (i > 0)
			fprintf(f, ", ");
		markup_esc(f, json_string_value(c));
	}
	if (i == 0)
		fprintf(f, "none");
}

static void
index_html(FILE *f, const char *list, const char *dir, const json_t *recs)
{
	const json_t *r;
	size_t i;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
	    "\"utf-8\">\n<title>Security advisories: ");
	markup_esc(f, list);
	fprintf(f, "</title>\n<link rel=\"alternate\" type=\"application/atom"
	    "+xml\" href=\"feed.atom\">\n<style>body{font-family:sans-serif;"
	    "margin:1.5em}table{border-collapse:collapse}td,th{border:1px "
	    "solid #bbb;padding:.2em .6em;text-align:left}</style></head>"
	    "<body>\n<h1>Security advisories: ");
	markup_esc(f, list);
	fprintf(f, "</h1>\n<p><a href=\"feed.atom\">Atom feed</a></p>\n");
	json_array_foreach(recs, i, r) {
		fprintf(f, "<section class=\"advisory\" id=\"");
		markup_esc(f, adv_str(r, "id"));
		fprintf(f, "\">\n<h2>");
		markup_esc(f, adv_str(r, "id"));
		fprintf(f, ": ");
		markup_esc(f, adv_str(r, "title"));
		fprintf(f, "</h2>\n<table>\n<tr><th>CVEs</th><td>");
		cves(f, r);
		fprintf(f, "</td></tr>\n");
		row(f, "First distribution", adv_str(r, "first-distribution"));
		row(f, "Embargo", adv_str(r, "embargo"));
		row(f, "Published", adv_str(r, "published"));
		fprintf(f, "</table>\n");
		revisions(f, r);
		patches(f, dir, r);
		copies(f, dir, r);
		fprintf(f, "</section>\n");
	}
	fprintf(f, "</body></html>\n");
}

/* When a record last changed in public: its last published revision. */
static const char *
updated(const json_t *r)
{
	const char *last = adv_str(r, "published");
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r, "revisions"), i, v)
		if (strcmp(adv_str(v, "outcome"), "published") == 0 &&
		    strcmp(adv_str(v, "date"), last) > 0)
			last = adv_str(v, "date");
	return last;
}

/*
 * A tag URI (RFC 4151) minted by the list's address on the day of date
 * (an ISO time): tag:LIST,YYYY-MM-DD:specific.  The day a record was
 * first published does not change, so neither does the id.
 */
static void
tag_uri(FILE *f, const char *list, const char *date, const char *specific)
{
	fprintf(f, "tag:");
	markup_esc(f, list);
	fprintf(f, ",%.10s:", date);
	markup_esc(f, specific);
}

static void
feed_atom(FILE *f, const char *list, const json_t *recs)
{
	const char *latest = "", *first = NULL;
	char now[32];
	const json_t *r;
	size_t i;

	json_array_foreach(recs, i, r) {
		if (strcmp(updated(r), latest) > 0)
			latest = updated(r);
		first = adv_str(r, "published");	/* oldest last */
	}
	iso_time(time(NULL), now);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns="
	    "\"http://www.w3.org/2005/Atom\">\n  <title>Security advisories: ");
	markup_esc(f, list);
	fprintf(f, "</title>\n  <id>");
	tag_uri(f, list, first ? first : now, "archive");
	fprintf(f, "</id>\n  <updated>");
	markup_esc(f, latest[0] ? latest : now);
	fprintf(f, "</updated>\n  <author><name>");
	markup_esc(f, list);
	fprintf(f, "</name></author>\n  <link rel=\"self\" href=\"feed.atom\"/>"
	    "\n  <link href=\"index.html\"/>\n");
	json_array_foreach(recs, i, r) {
		fprintf(f, "  <entry>\n    <title>");
		markup_esc(f, adv_str(r, "id"));
		fprintf(f, ": ");
		markup_esc(f, adv_str(r, "title"));
		fprintf(f, "</title>\n    <id>");
		tag_uri(f, list, adv_str(r, "published"), adv_str(r, "id"));
		fprintf(f, "</id>\n    <updated>");
		markup_esc(f, updated(r));
		fprintf(f, "</updated>\n    <link href=\"");
		markup_esc(f, adv_str(r, "id"));
		fprintf(f, "/record.txt\"/>\n    <summary>CVEs: ");
		cves(f, r);
		fprintf(f, "; published ");
		markup_esc(f, adv_str(r, "published"));
		fprintf(f, "</summary>\n  </entry>\n");
	}
	fprintf(f, "</feed>\n");
}

int
archive_index(const char *list, const char *dir, const json_t *ids,
    struct pd_err *err)
{
	json_t *recs = records(dir, ids);
	struct archive_mem m;
	int rc = -1;

	if (recs == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (archive_mem_open(&m, err) == 0) {
		index_html(m.f, list, dir, recs);
		rc = archive_mem_write(&m, dir, "index.html", err);
	}
	if (rc == 0 && (rc = archive_mem_open(&m, err)) == 0) {
		feed_atom(m.f, list, recs);
		rc = archive_mem_write(&m, dir, "feed.atom", err);
	}
	json_decref(recs);
	return rc;
}
