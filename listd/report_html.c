/*
 * listd/report_html.c: the team's report as one self-contained HTML page
 * (see report.h): inline CSS, an inline SVG timeline, no script, font,
 * image or link to fetch (its Content-Security-Policy forbids them).
 * Every string from the report goes through markup_esc().
 *
 * The timeline: one row per advisory, a bar (class "bar" and its state)
 * from first distribution to the embargo date, a circle per revision, a
 * triangle per extension, a diamond per restart, a tick at publication;
 * a vertical line (id "today") at the time of the report.
 */
#include <stdio.h>
#include <string.h>

#include "listd/advisory_int.h"
#include "listd/markup.h"
#include "listd/report.h"

#define LEFT	130	/* room for the ids */
#define PLOT	840	/* the plot's width */
#define ROW	30
#define TOP	40	/* room for the axis */
#define BAR_MIN	12	/* a bar of a day's work is still seen */

struct scale {
	time_t	 from, to;
};

static int
x_of(const struct scale *s, time_t t)
{
	return LEFT + (int)((double)(t - s->from) * PLOT /
	    (double)(s->to - s->from));
}

/* From a day before the first start to a day after the last end or now. */
static void
scale_of(const json_t *advs, time_t now, struct scale *s)
{
	const json_t *a;
	time_t t;
	size_t i;

	s->from = s->to = now;
	json_array_foreach(advs, i, a) {
		if ((t = parse_iso(adv_str(a, "start"))) != 0 && t < s->from)
			s->from = t;
		if ((t = parse_iso(adv_str(a, "end"))) > s->to)
			s->to = t;
	}
	s->from -= 86400;
	s->to += 86400;
}

static void
axis(FILE *f, const struct scale *s, int height)
{
	char day[16];
	time_t t;
	int i, x;

	for (i = 0; i <= 6; i++) {
		t = s->from + (s->to - s->from) * i / 6;
		x = x_of(s, t);
		fprintf(f, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\"/>\n<text class=\"axis\" x=\"%d\" y=\"%d\">%s"
		    "</text>\n", x, TOP - 12, x, height, x, TOP - 18,
		    fmt_time(t, "%Y-%m-%d", day, sizeof day));
	}
}

/* A mark's tooltip: <title>label revision N date</title>. */
static void
tip(FILE *f, const char *label, const json_t *v)
{
	fprintf(f, "<title>%s revision %lld ", label, (long long)
	    json_integer_value(json_object_get(v, "revision")));
	markup_esc(f, adv_str(v, "date"));
	if (adv_str(v, "outcome")[0] != '\0') {
		fputc(' ', f);
		markup_esc(f, adv_str(v, "outcome"));
	}
	fprintf(f, "</title>");
}

static void
marks(FILE *f, const struct scale *s, const json_t *a, int y)
{
	const json_t *v;
	size_t i;
	int x;

	json_array_foreach(json_object_get(a, "revisions"), i, v) {
		x = x_of(s, parse_iso(adv_str(v, "date")));
		fprintf(f, "<circle class=\"mark revision %s\" cx=\"%d\" "
		    "cy=\"%d\" r=\"5\">", adv_str(v, "outcome"), x, y);
		tip(f, "", v);
		fprintf(f, "</circle>\n");
	}
	json_array_foreach(json_object_get(a, "extensions"), i, v) {
		x = x_of(s, parse_iso(adv_str(v, "date")));
		fprintf(f, "<path class=\"mark extension\" d=\"M%d %dl6 -11h-12z"
		    "\">", x, y - 8);
		tip(f, "extension at", v);
		fprintf(f, "</path>\n");
	}
	json_array_foreach(json_object_get(a, "restarts"), i, v) {
		x = x_of(s, parse_iso(adv_str(v, "date")));
		fprintf(f, "<path class=\"mark restart\" d=\"M%d %dl6 6l-6 6"
		    "l-6 -6z\">", x, y + 4);
		tip(f, "restart at", v);
		fprintf(f, "</path>\n");
	}
	if (adv_str(a, "published")[0] != '\0')
		fprintf(f, "<line class=\"mark published\" x1=\"%d\" y1=\"%d\" "
		    "x2=\"%d\" y2=\"%d\"/>\n", x_of(s, parse_iso(adv_str(a,
		    "published"))), y - 12, x_of(s, parse_iso(adv_str(a,
		    "published"))), y + 12);
}

static void
timeline(FILE *f, const json_t *advs, time_t now)
{
	struct scale s;
	const json_t *a;
	int height = TOP + ROW * (int)json_array_size(advs) + 10, y, x0, x1;
	size_t i;

	scale_of(advs, now, &s);
	fprintf(f, "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"embargo timeline\">\n", LEFT + PLOT + 50, height,
	    LEFT + PLOT + 50, height);
	axis(f, &s, height);
	json_array_foreach(advs, i, a) {
		y = TOP + ROW * (int)i + ROW / 2;
		x0 = x_of(&s, parse_iso(adv_str(a, "start")));
		x1 = x_of(&s, parse_iso(adv_str(a, "end")));
		fprintf(f, "<g class=\"advisory\" data-id=\"");
		markup_esc(f, adv_str(a, "id"));
		fprintf(f, "\">\n<text class=\"label\" x=\"6\" y=\"%d\">", y + 5);
		markup_esc(f, adv_str(a, "id"));
		fprintf(f, "</text>\n<rect class=\"bar %s\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"14\"><title>", adv_str(a, "state"), x0,
		    y - 7, x1 - x0 > BAR_MIN ? x1 - x0 : BAR_MIN);
		markup_esc(f, adv_str(a, "id"));
		fprintf(f, ": ");
		markup_esc(f, adv_str(a, "start"));
		fprintf(f, " to ");
		markup_esc(f, adv_str(a, "end"));
		fprintf(f, "</title></rect>\n");
		marks(f, &s, a, y);
		fprintf(f, "</g>\n");
	}
	x0 = x_of(&s, now);
	fprintf(f, "<line id=\"today\" class=\"today\" x1=\"%d\" y1=\"%d\" "
	    "x2=\"%d\" y2=\"%d\"><title>now</title></line>\n</svg>\n", x0,
	    TOP - 12, x0, height);
}

static void
cell(FILE *f, const char *text)
{
	fprintf(f, "<td>");
	markup_esc(f, text);
	fprintf(f, "</td>");
}

static void
held_table(FILE *f, const json_t *held)
{
	static const char *const parts[][2] = {
		{ "by-reason", "reason" }, { "by-age", "age" },
	};
	const char *k;
	json_t *v;
	size_t i;

	fprintf(f, "<h2>Held queue</h2>\n<p id=\"held-total\">%lld held</p>\n",
	    (long long)json_integer_value(json_object_get(held, "total")));
	for (i = 0; i < 2; i++) {
		fprintf(f, "<table class=\"held\"><tr><th>%s</th><th>held</th>"
		    "</tr>\n", parts[i][1]);
		json_object_foreach(json_object_get(held, parts[i][0]), k, v) {
			fprintf(f, "<tr>");
			cell(f, k);
			fprintf(f, "<td>%lld</td></tr>\n", (long long)
			    json_integer_value(v));
		}
		fprintf(f, "</table>\n");
	}
}

static void
copies_table(FILE *f, const json_t *a)
{
	const json_t *c;
	char rev[24];
	size_t i;

	fprintf(f, "<h3>");
	markup_esc(f, adv_str(a, "id"));
	if (json_object_get(a, "title") != NULL) {
		fprintf(f, ": ");
		markup_esc(f, adv_str(a, "title"));
	}
	fprintf(f, " <small>(");
	markup_esc(f, adv_str(a, "state"));
	fprintf(f, ")</small></h3>\n");
	if (json_array_size(json_object_get(a, "copies")) == 0) {
		fprintf(f, "<p>No copy yet.</p>\n");
		return;
	}
	fprintf(f, "<table class=\"copies\"><tr><th>member</th><th>revision"
	    "</th><th>copy</th><th>when</th><th>server's reply</th></tr>\n");
	json_array_foreach(json_object_get(a, "copies"), i, c) {
		fprintf(f, "<tr class=\"%s\">", json_is_true(json_object_get(c,
		    "delivered")) ? "delivered" : "undelivered");
		cell(f, adv_str(c, "member"));
		snprintf(rev, sizeof rev, "%lld", (long long)json_integer_value(
		    json_object_get(c, "revision")));
		cell(f, rev);
		cell(f, adv_str(c, "state"));
		cell(f, adv_str(c, "time"));
		cell(f, adv_str(c, "reply"));
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
}

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
    "tr.undelivered{background:#f6c6c6;font-weight:bold}"
    "svg .bar{shape-rendering:crispEdges}"
    "svg .bar.embargoed{fill:#e67e22}svg .bar.public{fill:#27ae60}"
    "svg .bar.new{fill:#95a5a6}"
    "svg .mark{stroke:#222;stroke-width:1;fill:#fff}"
    "svg .mark.extension{fill:#2c3e50}svg .mark.restart{fill:#8e44ad}"
    "svg .mark.published{stroke:#1e8449;stroke-width:3}"
    "svg .today{stroke:#ff0000;stroke-width:3;shape-rendering:crispEdges}"
    "svg .grid{stroke:#ddd}svg .axis{font-size:11px;text-anchor:middle}"
    "svg .label{font-size:13px;font-weight:bold}";

void
report_html(const json_t *r, time_t now, FILE *f)
{
	const json_t *a;
	size_t i;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-"
	    "Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'"
	    "\">\n<title>Embargo calendar: ");
	markup_esc(f, adv_str(r, "list"));
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>Embargo "
	    "calendar of ", style);
	markup_esc(f, adv_str(r, "list"));
	fprintf(f, "</h1>\n<p>At ");
	markup_esc(f, adv_str(r, "generated"));
	fprintf(f, "%s.</p>\n<h2>Timeline</h2>\n", json_is_true(
	    json_object_get(r, "subjects")) ? "" : "; the subjects of "
	    "embargoed advisories are not shown (listctl report --subjects "
	    "shows them)");
	timeline(f, json_object_get(r, "advisories"), now);
	held_table(f, json_object_get(r, "held"));
	fprintf(f, "<h2>Copies</h2>\n");
	json_array_foreach(json_object_get(r, "advisories"), i, a)
		copies_table(f, a);
	fprintf(f, "</body></html>\n");
}
