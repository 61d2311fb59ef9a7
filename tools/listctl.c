/*
 * tools/listctl.c: the admin command.  Parses the global options, then the
 * command with the shared table and parser (listd/command.c), whose runner
 * calls the operation in listd/admin*.c and prints its result as text or
 * --json.  Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/command.h"
#include "listd/conf.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: listctl [-c FILE] [--actor NAME] COMMAND ...\n");
	command_usage(f, "       listctl ", false, 0);
	fprintf(f, "See listctl(8).\n");
}

int
main(int argc, char **argv)
{
	static const struct option global[] = {
		{ "actor", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf_path = NULL, *actor = NULL;
	struct cmd_call call = { .o = { .out = stdout, .err = stderr,
	    .prog = "listctl: " } };
	struct pd_err err = { 0 };
	struct conf *conf = NULL;
	struct admin *a = NULL;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+c:hV", global, NULL)) != -1)
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'A': actor = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("listctl (pdlist) %s\n", PDLIST_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = command_parse(argc, argv, NULL, 0, &call)) != 0) {
		if (call.cmd == NULL)
			usage(stderr);
		return rc;
	}
	if (call.o.actor == NULL)
		call.o.actor = actor;
	if ((actor != NULL && command_check_text(&call.o, "--actor",
	    actor) != 0) || (conf_path != NULL &&
	    command_check_text(&call.o, "-c", conf_path) != 0))
		return EXIT_USAGE;
	if (conf_load(conf_path, &conf, &err) == -1 ||
	    admin_open(conf, call.o.actor, &a, &err) == -1) {
		refused(&call.o, &err);
		conf_free(conf);
		/* The MTA keeps the mail and tries again. */
		return call.cmd->run == run_inject ? EX_TEMPFAIL : EXIT_REFUSED;
	}
	rc = command_exec(a, &call);
	admin_close(a);
	conf_free(conf);
	return rc;
}
