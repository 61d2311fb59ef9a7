/*
 * listd/admin_int.h: what the parts of admin (admin.c, admin_list.c,
 * admin_member.c, admin_held.c, admin_queue.c) share.  Not for other modules.
 */
#ifndef PDLIST_ADMIN_INT_H
#define PDLIST_ADMIN_INT_H

#include "listd/admin.h"
#include "listd/store.h"

struct admin {
	const struct conf *conf;
	struct store	*store;
	bool		 borrowed;	/* store is the caller's (admin_attach) */
	char		 actor[384];	/* who the audit log names */
	char		 unix_user[64];	/* who ran the command, always */
};

/*
 * Records a refusal in its own transaction; a failure to record it is
 * ignored (the refusal itself is what the caller reports).
 */
void	audit_refusal(struct admin *, const char *list, const char *action,
	    const char *subject, const struct pd_err *why, const json_t *detail);
/* Appends a "done" entry by the actor in t. */
int	audit_done(struct admin *, struct store_txn *t, const char *list,
	    const char *action, const char *subject, const json_t *detail,
	    struct pd_err *err);

/* Reads one record in its own read transaction; *out NULL when absent. */
int	get_record(struct admin *, enum store_db, const char *key, json_t **out,
	    struct pd_err *err);
/* The record of an existing list (PD_REFUSED when there is none). */
int	need_list(struct admin *, const char *list, json_t **rec,
	    struct pd_err *err);
/* Takes the list's lock (held until *fd is closed): one change at a time. */
int	lock_list(struct admin *, const char *list, int *fd, struct pd_err *err);
/* A string field of o, "" when absent (member and list records). */
const char *json_str(const json_t *o, const char *key);
/* The records of list_in, which must exist, in db into a new array *out
   (store_values()). */
int	list_records(struct admin *, enum store_db, const char *list_in,
	    json_t **out, struct pd_err *err);
/* One record of an existing list in db by id; what and ls name it in a
   refusal ("no what ID on LIST: see listctl ls ls LIST"). */
int	record_by_id(struct admin *, enum store_db, const char *list_in,
	    const char *id, const char *what, const char *ls, json_t **rec,
	    struct pd_err *err);
/* An array of the n strings of v. */
json_t	*str_array(const char *const *v, size_t n);
/* Normalizes list_in into list and checks that the list exists. */
int	existing_list(struct admin *, const char *list_in,
	    char list[ADDR_MAX + 1], struct pd_err *err);

/* Undoes a list create that nothing has used yet: record and files. */
void	list_uncreate(struct admin *, const char *list);

#endif
