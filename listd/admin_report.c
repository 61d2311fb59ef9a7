/*
 * listd/admin_report.c: the read-only views that listctl asks for through
 * admin (see report.h): an advisory's record, the team's report.
 */
#include "listd/admin_int.h"
#include "listd/advrecord.h"
#include "listd/list.h"
#include "listd/report.h"

/* The list list_in, normalized, opened with its keyring. */
static int
open_list(struct admin *a, const char *list_in, struct list **l,
    struct pd_err *err)
{
	char list[ADDR_MAX + 1];

	if (existing_list(a, list_in, list, err) == -1)
		return -1;
	return list_open(a->store, a->conf->datadir, list, LIST_KEYS, l, err);
}

int
admin_advisory_export(struct admin *a, const char *list_in, const char *id,
    json_t **out, struct pd_err *err)
{
	struct list *l;
	int rc;

	*out = NULL;
	if (open_list(a, list_in, &l, err) == -1)
		return -1;
	rc = advrec_build(l, id, out, err);
	list_close(l);
	return rc;
}

int
admin_report(struct admin *a, const char *list_in, bool subjects,
    json_t **out, struct pd_err *err)
{
	struct list *l;
	int rc;

	*out = NULL;
	if (open_list(a, list_in, &l, err) == -1)
		return -1;
	rc = report_build(l, subjects, time(NULL), out, err);
	list_close(l);
	return rc;
}
