/*
 * listd/archive.h: the public advisory archive.  A list with a publish
 * directory (listctl list set LIST --publish-dir DIR) gets there, for each
 * public advisory, once its public copy is signed:
 *
 *	DIR/ID/record.json, record.xml, record.txt   its record (advrecord.h)
 *	DIR/ID/revision-N.eml     the list-signed public copy (RFC 3156), as
 *	                          the public addresses receive it
 *	DIR/ID/revision-N/NAME    each attachment (patch) of that copy
 *	DIR/index.html, DIR/feed.atom   every archived advisory, newest first
 *
 * Every file is written whole (a temporary file, fsync, rename, fsync of
 * the directory), mode 0644, the copy last: an advisory whose copy is
 * there is archived, and one that is not is written again by the next run
 * (after a crash, too).  Nothing of an advisory that is not public is ever
 * written there: only advisories in state public whose public copy exists,
 * that is after their release.
 */
#ifndef PDLIST_ARCHIVE_H
#define PDLIST_ARCHIVE_H

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/*
 * Archives every public advisory of every list with a publish directory
 * that is not there yet, and writes each such list's index and feed
 * again; *n counts the advisories archived.
 */
int	archive_publish_due(const struct conf *, struct store *, unsigned *n,
	    struct pd_err *err);

#endif
