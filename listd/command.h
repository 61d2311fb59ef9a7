/*
 * listd/command.h: the admin commands, one table and one parser for the
 * command line (tools/listctl.c) and for signed mail to LIST-request@
 * (listd/request.c).  command.c holds the table (which command takes
 * which options, and which roles may send it by mail) and parses an argv;
 * the runners (command_lists.c: lists and members; command_posts.c: held
 * mail, advisories, the queue, the audit log, inject; command_keys.c:
 * keys and help) call the operation in listd/admin*.c and print its
 * result as text or --json to the caller's stream.
 */
#ifndef PDLIST_COMMAND_H
#define PDLIST_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "listd/admin.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

/* Every option a command may take; each command says which it allows. */
enum opt_bit {
	O_JSON = 1 << 0, O_POLICY = 1 << 1, O_PUBLIC = 1 << 2, O_KEY = 1 << 3,
	O_ROLE = 1 << 4, O_ORG = 1 << 5, O_CATEGORY = 1 << 6, O_BASE = 1 << 7,
	O_VOUCH = 1 << 8, O_EVIDENCE = 1 << 9, O_AGREED = 1 << 10,
	O_JUSTIFY = 1 << 11, O_SENDER = 1 << 12, O_ADVISORY = 1 << 13,
	O_REASON = 1 << 14, O_NO_PUBLIC = 1 << 15, O_MESSAGE = 1 << 16,
	O_TRANSPORT = 1 << 17, O_PUBLISH_DIR = 1 << 18, O_FORMAT = 1 << 19,
	O_HTML = 1 << 20, O_SUBJECTS = 1 << 21, O_FETCH = 1 << 22,
	O_SCHLEUDER = 1 << 23, O_MEMBER = 1 << 24
};

#define MAX_MULTI	64

struct opts {
	bool		 json;
	const char	*actor;
	const char	*policy, *key, *role, *org, *category, *vouched_by;
	const char	*justification;
	long		 installed_base;
	const char	*public[MAX_MULTI];
	size_t		 npublic;
	bool		 no_public;
	const char	*evidence[MAX_MULTI];
	size_t		 nevidence;
	bool		 agreed;
	const char	*sender;
	const char	*advisory;
	const char	*reason;
	bool		 message;	/* held show --message */
	const char	*transport;	/* mta-map --transport */
	const char	*publish_dir;	/* list set --publish-dir */
	const char	*format;	/* advisory export: json, xml, text */
	const char	*html;		/* report: the page to write */
	bool		 subjects;	/* report: embargoed subjects too */
	bool		 fetch;		/* member add/key --fetch */
	const char	*database;	/* list import-schleuder */
	const char	*lists_dir;	/* list import-schleuder */
	const char	*member;	/* queue retry --member */
	/* where the command runs */
	FILE		*out, *err;	/* its output and its errors */
	const char	*prog;		/* "listctl: " or "" before errors */
	char		 name[64];	/* "member add", for messages */
	bool		 by_mail;	/* from LIST-request@ */
	unsigned	 role_bit;	/* by mail: the signer's BY_ROLE() */
	char		*mail_part;	/* by mail: held show's message, for the
					   reply to carry (malloc'd, wiped) */
	size_t		 mail_part_len;
};

/* sysexits(3), what an MTA's pipe transport understands */
#define EX_DATAERR	65
#define EX_NOUSER	67
#define EX_TEMPFAIL	75

/* Role bits of the table's "by mail" column: 1 << enum pol_role. */
#define BY_ROLE(r)	(1u << (r))
#define BY_NOBODY	0u	/* the command line only */

/* One row of the command table. */
struct cmd {
	const char	*word1, *word2;	/* "member", "add" */
	int		 nargs;		/* positional arguments after the words */
	const char	*args;		/* their names, for usage */
	unsigned	 allowed;	/* enum opt_bit */
	unsigned	 by_mail;	/* BY_ROLE() of the roles that may mail it */
	int		(*run)(struct admin *, char **args, struct opts *);
};

/* A command line parsed (command_parse()), ready to run. */
struct cmd_call {
	const struct cmd *cmd;
	char		**args;		/* its positional arguments */
	char		*with_list[8];	/* by mail: the list, then those */
	struct opts	 o;
};

/*
 * Parses argv (argc words: "member", "add", ...; with list, the list is
 * not among them: by mail, it is the list the request came to) into call,
 * with o's streams, prog and by_mail already set in call->o.  by_mail:
 * only a command whose by_mail column has role's bit, and no option that
 * names a file on the server.  Returns 0, or the exit status of a usage
 * error (written to call->o.err).  argv is permuted and must outlive call.
 */
int	command_parse(int argc, char **argv, const char *list,
	    unsigned role_bit, struct cmd_call *call);
/* Runs a parsed call: the exit status (0, EXIT_REFUSED, ...). */
int	command_exec(struct admin *, struct cmd_call *call);
/* Usage: every command, or by mail only those role_bit may send. */
void	command_usage(FILE *, const char *prefix, bool by_mail,
	    unsigned role_bit);
/*
 * Splits line into words as a shell would for the grammar of listctl:
 * blanks separate words, 'single' and "double" quotes group them, a
 * backslash escapes the next character (not inside single quotes).
 * *argv (NULL-terminated) and its words are one allocation: free(*argv).
 * An open quote is PD_REFUSED.
 */
int	command_split(const char *line, char ***argv, int *argc,
	    struct pd_err *err);

/* 0 when v (what: "--org") is one line of UTF-8; else a usage error. */
int	command_check_text(const struct opts *o, const char *what,
	    const char *v);

/* "listctl: COMMAND: why" on o's errors. */
void	refused(const struct opts *o, const struct pd_err *err);
/* refused(), and the exit status of a refusal. */
int	failed(const struct opts *o, const struct pd_err *err);
/* j as indented JSON on o's output. */
void	print_json(const struct opts *o, json_t *j);
/*
 * The output of a listing command: the array rows as JSON with --json,
 * otherwise one row() call for each; then rows is freed.  Returns 0.
 */
int	print_rows(json_t *rows, const struct opts *o,
	    void (*row)(FILE *, const json_t *));

/* The string o[key], or "-": a field of text output. */
static inline const char *
s(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "-";
}

/* The commands: each prints its result; returns the exit status. */
int	run_list_create(struct admin *, char **args, struct opts *);
int	run_list_ls(struct admin *, char **args, struct opts *);
int	run_list_show(struct admin *, char **args, struct opts *);
int	run_list_set(struct admin *, char **args, struct opts *);
int	run_member_add(struct admin *, char **args, struct opts *);
int	run_member_set(struct admin *, char **args, struct opts *);
int	run_member_remove(struct admin *, char **args, struct opts *);
int	run_member_suspend(struct admin *, char **args, struct opts *);
int	run_member_resume(struct admin *, char **args, struct opts *);
int	run_member_ls(struct admin *, char **args, struct opts *);
int	run_member_check(struct admin *, char **args, struct opts *);
int	run_audit(struct admin *, char **args, struct opts *);
int	run_held_ls(struct admin *, char **args, struct opts *);
int	run_held_show(struct admin *, char **args, struct opts *);
int	run_queue(struct admin *, char **args, struct opts *);
int	run_queue_retry(struct admin *, char **args, struct opts *);
int	run_advisory_ls(struct admin *, char **args, struct opts *);
int	run_advisory_show(struct admin *, char **args, struct opts *);
int	run_advisory_release(struct admin *, char **args, struct opts *);
int	run_held_approve(struct admin *, char **args, struct opts *);
int	run_held_reject(struct admin *, char **args, struct opts *);
int	run_inject(struct admin *, char **args, struct opts *);
int	run_list_key(struct admin *, char **args, struct opts *);
int	run_keys(struct admin *, char **args, struct opts *);
int	run_help(struct admin *, char **args, struct opts *);
/* command_service.c */
int	run_mta_map(struct admin *, char **args, struct opts *);
int	run_backup(struct admin *, char **args, struct opts *);
/* command_report.c */
int	run_advisory_export(struct admin *, char **args, struct opts *);
int	run_report(struct admin *, char **args, struct opts *);
/* command_members.c */
int	run_member_key(struct admin *, char **args, struct opts *);
int	run_member_refresh(struct admin *, char **args, struct opts *);
int	run_member_import(struct admin *, char **args, struct opts *);
int	run_list_import_schleuder(struct admin *, char **args, struct opts *);

#endif
