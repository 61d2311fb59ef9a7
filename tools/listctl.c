/*
 * tools/listctl.c: the admin command.  Parses the global options, then the
 * command with the shared table and parser (listd/command.c), whose runner
 * calls the operation in listd/admin*.c and prints its result as text or
 * --json.  Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/owner.h"
#include "common/util.h"
#include "listd/command.h"
#include "listd/conf.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: listctl [-c FILE] [--actor NAME] COMMAND ...\n");
	command_usage(f, "       listctl ", false, 0);
	fprintf(f, "See listctl(8).\n");
}

/*
 * A file named on the command line that root can read and the datadir's
 * owner perhaps cannot (a key in /root): read before the switch, and
 * handed on afterwards as a file of the owner's in memory.
 */
struct stash {
	const char	**path;
	char		*text;
	size_t		 len;
	char		 fd_path[40];
};

static void
stash_read(struct stash *s, const char **path)
{
	struct pd_err ignore;

	s->path = path;
	if (*path != NULL && read_file(*path, 64 << 20, &s->text, &s->len,
	    &ignore) == -1)
		s->text = NULL;
}

static int
stash_hand_on(struct stash *s, struct pd_err *err)
{
	int fd;

	if (s->text == NULL || access(*s->path, R_OK) == 0)
		goto out;
	if ((fd = memfd_create("listctl-file", MFD_CLOEXEC)) == -1 ||
	    write(fd, s->text, s->len) != (ssize_t)s->len)
		return pd_fail(err, PD_FAIL, "cannot hand %s on: %s", *s->path,
		    strerror(errno));
	snprintf(s->fd_path, sizeof s->fd_path, "/proc/self/fd/%d", fd);
	*s->path = s->fd_path;
out:
	free(s->text);
	s->text = NULL;
	return 0;
}

/*
 * Works on the datadir as its owner (common/owner.h): as root, becomes
 * the owner first, the files named by --key and --policy read before.
 * backup's DIR is made for the owner then too.
 */
static int
take_datadir(const struct conf *conf, const struct cmd *c, char **args,
    struct opts *o, struct pd_err *err)
{
	static struct stash key, policy;
	struct owner ow;

	if (owner_check(conf->datadir, "listctl", &ow, err) == -1)
		return -1;
	if (ow.become) {
		stash_read(&key, &o->key);
		stash_read(&policy, &o->policy);
		if (c->run == run_backup && backup_dir_for(args[0], ow.uid,
		    ow.gid, err) == -1)
			return -1;
	}
	if (owner_take(conf->datadir, &ow, err) == -1 ||
	    stash_hand_on(&key, err) == -1 ||
	    stash_hand_on(&policy, err) == -1)
		return -1;
	return 0;
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
	    take_datadir(conf, call.cmd, call.args, &call.o, &err) == -1 ||
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
