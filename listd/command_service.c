/*
 * listd/command_service.c: listctl's commands for running the service:
 * the MTA's map of the lists' addresses, and the backup.
 */
#include <stdio.h>
#include <string.h>

#include "listd/command.h"

/* Every address a list takes mail at: LOCAL@, then LOCAL-SUFFIX@. */
static const char *const suffixes[] = { "", "-bounces", "-owner", "-request" };

static int
map_rows(const json_t *lists, json_t *rows)
{
	const char *addr, *at;
	const json_t *l;
	char key[ADDR_MAX + 32];
	size_t i, k;

	json_array_foreach(lists, i, l) {
		addr = json_string_value(json_object_get(l, "address"));
		if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
			continue;
		for (k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
			snprintf(key, sizeof key, "%.*s%s%s", (int)(at - addr),
			    addr, suffixes[k], at);
			if (json_array_append_new(rows, json_pack("{s:s, s:s}",
			    "address", key, "list", addr)) == -1)
				return -1;
		}
	}
	return 0;
}

static const char *map_value;

static void
map_row(FILE *f, const json_t *r)
{
	fprintf(f, "%s %s\n", s(r, "address"), map_value);
}

/*
 * mta-map [--transport NEXTHOP]: a Postfix table (postmap(1)) of every
 * address of every list: for relay_recipient_maps with "OK", for
 * transport_maps with the next hop.  VERP's LOCAL-bounces+TOKEN@ is
 * LOCAL-bounces@ with recipient_delimiter = +.
 */
int
run_mta_map(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *lists, *rows;
	int rc;

	(void)args;
	if (admin_list_ls(a, &lists, &err) == -1)
		return failed(o, &err);
	if ((rows = json_array()) == NULL || map_rows(lists, rows) == -1) {
		json_decref(lists);
		json_decref(rows);
		return failed(o, &(struct pd_err){ PD_FAIL, "out of memory" });
	}
	json_decref(lists);
	map_value = o->transport != NULL ? o->transport : "OK";
	rc = print_rows(rows, o, map_row);
	fflush(o->out);
	if (ferror(o->out))
		return failed(o, &(struct pd_err){ PD_FAIL, "cannot write the "
		    "map" });
	return rc;
}

int
run_backup(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	unsigned n;

	(void)o;
	if (admin_backup(a, args[0], &n, &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "backed up the store and %u list%s to %s\n", n, n == 1 ? "" :
	    "s", args[0]);
	return 0;
}
