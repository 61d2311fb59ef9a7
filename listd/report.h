/*
 * listd/report.h: the embargo calendar for a list's team (listctl report):
 * every advisory under embargo or released lately, with its dates, its
 * revisions, extensions and restarts and who received which revision; the
 * held queue by reason and age.  Built as JSON (report.c), written as text
 * for a terminal (report.c) or as one self-contained HTML page with an SVG
 * timeline (report_html.c).
 *
 * The report (a new object):
 *   {"list", "generated", "subjects": bool, "recent-days",
 *    "advisories": [{"id", "state", "title"?, "cves", "first-distribution",
 *        "embargo", "published", "start", "end", "revisions": [{"revision",
 *        "date", "outcome", "embargo"}], "extensions": [{"revision",
 *        "date", "reason"?}], "restarts": [...], "copies": [{"member",
 *        "revision", "state", "time", "reply", "delivered": bool}]}],
 *    "held": {"total", "by-reason": {REASON: n}, "by-age": {AGE: n}}}
 * Titles of embargoed advisories and the reasons of extensions and
 * restarts (sealed at rest: embargoed detail) are there only with
 * subjects; a public advisory's title is public.
 */
#ifndef PDLIST_REPORT_H
#define PDLIST_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "common/util.h"
#include "listd/admin.h"
#include "listd/list.h"

/* Released advisories stay in the report this many days. */
#define REPORT_RECENT_DAYS	30

/* The report of l (opened with LIST_KEYS) at now, in a new *out. */
int	report_build(struct list *l, bool subjects, time_t now, json_t **out,
	    struct pd_err *err);

/* The report as text for a terminal. */
void	report_text(const json_t *report, FILE *f);

/* The report as one self-contained HTML page (report_html.c). */
void	report_html(const json_t *report, time_t now, FILE *f);

/* Whether a copy in state state reached its member (accepted, sent). */
bool	report_delivered(const char *state);

/* ---- through admin (admin_report.c) ---------------------------------- */

/* The record of advisory id of list (advrecord.h), in a new *out. */
int	admin_advisory_export(struct admin *, const char *list, const char *id,
	    json_t **out, struct pd_err *err);
/* The report of list now, in a new *out. */
int	admin_report(struct admin *, const char *list, bool subjects,
	    json_t **out, struct pd_err *err);

#endif
