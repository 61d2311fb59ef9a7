/*
 * listd/work.h: everything that is due, in order: advisories whose embargo
 * date has come are released, teams are reminded of advisories without a
 * CVE, the inbox is processed, posts decided for distribution are
 * encrypted, due copies are delivered.
 * What listd's processing thread and `listd --once` run.
 */
#ifndef PDLIST_WORK_H
#define PDLIST_WORK_H

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/*
 * One pass; *done counts what it did (messages decided, posts encrypted,
 * copies sent).  Temporary delivery trouble is left for a later pass and
 * is not an error.  One thread at a time.
 */
int	work_due(const struct conf *, struct store *, unsigned *done,
	    struct pd_err *err);

#endif
