/*
 * listd/command_keys.c: the commands that give members what they need to
 * read the list: its key (list key), its key and the team's (keys), and
 * the commands they may mail with those keys (help).
 */
#include <stdio.h>
#include <stdlib.h>

#include "listd/command.h"

/* The list's key (with team, the team's keys too), with who is who. */
static int
print_keys(struct admin *a, const char *list, bool team, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *who, *w;
	char *armored;
	size_t len, i;

	if (admin_list_keys(a, list, team, &armored, &len, &who, &err) == -1)
		return failed(o, &err);
	if (team)
		json_array_foreach(who, i, w)
			fprintf(o->out, "%-5s %s %s\n", s(w, "role"),
			    s(w, "fingerprint"), s(w, "address"));
	if (team)
		fputc('\n', o->out);
	fwrite(armored, 1, len, o->out);
	free(armored);
	json_decref(who);
	return 0;
}

int
run_list_key(struct admin *a, char **args, struct opts *o)
{
	return print_keys(a, args[0], false, o);
}

int
run_keys(struct admin *a, char **args, struct opts *o)
{
	return print_keys(a, args[0], true, o);
}

int
run_help(struct admin *a, char **args, struct opts *o)
{
	fprintf(o->out, "Commands to %s, one a line, in mail signed by your "
	    "key and sent to its request address with a line\n\n"
	    "List: %s\n\nin the signed text.  %s\n\n", args[0], args[0],
	    o->by_mail ? "Yours:" : "Each role's are in listctl(8):");
	command_usage(o->out, "  ", true, o->by_mail ? o->role_bit : ~0u);
	fprintf(o->out, "\nThe reply is encrypted to your key.  The list's "
	    "key and the team's (to check the team's signature inside a "
	    "copy):\n\n");
	return print_keys(a, args[0], true, o);
}
