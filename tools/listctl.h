/*
 * tools/listctl.h: what the parts of listctl share: the options a command
 * may take, their values, and the commands' runners (listctl_lists.c:
 * lists and members; listctl_posts.c: held mail, advisories, the queue,
 * the audit log, inject), which listctl.c's table calls.
 */
#ifndef PDLIST_LISTCTL_H
#define PDLIST_LISTCTL_H

#include <stdbool.h>
#include <stddef.h>

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
	O_REASON = 1 << 14, O_NO_PUBLIC = 1 << 15, O_TRANSPORT = 1 << 16,
	O_PUBLISH_DIR = 1 << 17, O_FORMAT = 1 << 18, O_HTML = 1 << 19,
	O_SUBJECTS = 1 << 20,
	O_FETCH = 1 << 21, O_SCHLEUDER = 1 << 22,
	O_MEMBER = 1 << 23
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
	bool		 fetch;		/* --fetch: look the key up */
	const char	*database, *lists_dir;	/* Schleuder's */
	const char	*evidence[MAX_MULTI];
	size_t		 nevidence;
	bool		 agreed;
	const char	*sender;
	const char	*advisory;
	const char	*reason;
	const char	*member;
	const char	*transport;
	const char	*publish_dir;
	const char	*format;	/* advisory export: json, xml, text */
	const char	*html;		/* report: the page to write */
	bool		 subjects;	/* report: embargoed subjects too */
};

/* sysexits(3), what an MTA's pipe transport understands */
#define EX_DATAERR	65
#define EX_NOUSER	67
#define EX_TEMPFAIL	75

/* The command being run ("member add"), for messages. */
extern const char *lc_cmd_name;

/* "listctl: COMMAND: why" on stderr. */
void	refused(const struct pd_err *err);
/* refused(), and the exit status of a refusal. */
int	failed(const struct pd_err *err);
/* j as indented JSON on stdout. */
void	print_json(json_t *j);
/*
 * The output of a listing command: the array rows as JSON with --json,
 * otherwise one row() call for each; then rows is freed.  Returns 0.
 */
int	print_rows(json_t *rows, const struct opts *o,
	    void (*row)(const json_t *));

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
int	run_member_remove(struct admin *, char **args, struct opts *);
int	run_member_suspend(struct admin *, char **args, struct opts *);
int	run_member_resume(struct admin *, char **args, struct opts *);
int	run_member_ls(struct admin *, char **args, struct opts *);
int	run_member_check(struct admin *, char **args, struct opts *);
int	run_member_key(struct admin *, char **args, struct opts *);
int	run_member_refresh(struct admin *, char **args, struct opts *);
int	run_member_import(struct admin *, char **args, struct opts *);
int	run_list_import_schleuder(struct admin *, char **args, struct opts *);
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
int	run_mta_map(struct admin *, char **args, struct opts *);
int	run_backup(struct admin *, char **args, struct opts *);
/* listctl_report.c */
int	run_advisory_export(struct admin *, char **args, struct opts *);
int	run_report(struct admin *, char **args, struct opts *);

#endif
