/*
 * listd/route.h: a list's own addresses.  Each list LOCAL@DOMAIN takes
 * mail at
 *
 *	LOCAL@DOMAIN			posts (RCPT_POST)
 *	LOCAL-bounces@DOMAIN		reports to notices, auto-replies
 *	LOCAL-bounces+TOKEN@DOMAIN	reports about one copy (VERP)
 *	LOCAL-owner@DOMAIN		to the admins, encrypted
 *	LOCAL-request@DOMAIN		commands by signed mail (request.c)
 *
 * The rule that keeps them apart: an address that is a list is that
 * list's post address, whatever it ends in; otherwise a suffix names the
 * kind when what is before it is a list.  list create refuses a list whose
 * address is another list's own address, or whose own addresses are
 * another list (route_clash()), so no address means two things.  A TOKEN
 * is 1 to RCPT_TOKEN_MAX - 1 of [a-z0-9] (addresses are lower-cased);
 * any other suffix is no address of the list.
 */
#ifndef PDLIST_ROUTE_H
#define PDLIST_ROUTE_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/record.h"

struct route {
	char		 list[ADDR_MAX + 1];	/* the list's own address */
	enum rcpt_kind	 kind;
	char		 token[RCPT_TOKEN_MAX];	/* RCPT_BOUNCES: or "" */
};

/* Whether list is a list: 1, 0, or -1 with err (temporary). */
typedef int (*route_exists_fn)(void *arg, const char *list,
    struct pd_err *err);

/*
 * Which list address (normalized: addr_normalize()) belongs to, asking
 * exists.  0 with *r; -1 with err: PD_REFUSED "no list ..." when it is no
 * list's, or exists' own failure.
 */
int	route_resolve(const char *address, route_exists_fn exists, void *arg,
	    struct route *r, struct pd_err *err);

/*
 * The address of list's kind (with token, when not NULL or "") into out;
 * -1 when it is longer than ADDR_MAX (cut short: not to be used).
 */
int	route_address(const char *list, enum rcpt_kind kind, const char *token,
	    char out[ADDR_MAX + 1]);

/* Whether address is one of list's own addresses (any kind). */
bool	route_own(const char *list, const char *address);

/*
 * Whether a list at address a and one at b would share an address: one is
 * the other, or one of the other's own addresses.
 */
bool	route_clash(const char *a, const char *b);

#endif
