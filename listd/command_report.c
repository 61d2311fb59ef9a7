/*
 * listd/command_report.c: advisory export (an advisory's record as JSON,
 * XML or text) and report (the team's embargo calendar, as text, JSON or
 * one HTML page).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/advrecord.h"
#include "listd/report.h"
#include "listd/command.h"

int
run_advisory_export(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *rec;
	int rc;

	if (!advrec_format_known(o->format)) {
		fprintf(o->err, "%sadvisory export: give --format json, "
		    "xml or text\n", o->prog);
		return EXIT_USAGE;
	}
	if (admin_advisory_export(a, args[0], args[1], &rec, &err) == -1)
		return failed(o, &err);
	rc = advrec_write(rec, o->format, o->out, &err);
	json_decref(rec);
	if (rc == 0 && fflush(o->out) == EOF)
		rc = pd_fail(&err, PD_FAIL, "cannot write the record");
	return rc == 0 ? 0 : failed(o, &err);
}

/* The page, written whole (mode 0600: it names members and dates). */
static int
write_page(const json_t *rep, const char *path, struct pd_err *err)
{
	char *page = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if ((f = open_memstream(&page, &len)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	report_html(rep, parse_iso(json_string_value(json_object_get(rep,
	    "generated"))), f);
	if (fclose(f) != 0) {
		free(page);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	rc = write_file_atomic(path, page, len, 0600, err);
	free(page);
	return rc;
}

int
run_report(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *rep;
	int rc = 0;

	if (o->html != NULL && o->json) {
		fprintf(o->err, "%sreport: --html and --json: give one\n", o->prog);
		return EXIT_USAGE;
	}
	if (admin_report(a, args[0], o->subjects, &rep, &err) == -1)
		return failed(o, &err);
	if (o->html != NULL) {
		if ((rc = write_page(rep, o->html, &err)) == 0)
			fprintf(o->out, "wrote %s\n", o->html);
	} else if (o->json)
		print_json(o, rep);
	else
		report_text(rep, o->out);
	json_decref(rep);
	return rc == 0 ? 0 : failed(o, &err);
}
