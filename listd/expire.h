/*
 * listd/expire.h: held mail nobody decided on goes after the list's
 * held-expire-days; the moderators are told, so nothing disappears
 * silently.
 */
#ifndef PDLIST_EXPIRE_H
#define PDLIST_EXPIRE_H

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/* Removes every held message past its list's limit; *n counts them. */
int	held_expire_due(const struct conf *, struct store *, unsigned *n,
	    struct pd_err *err);

#endif
