/*
 * listd/archive_int.h: what archive.c (one advisory's files) and
 * archive_index.c (the index and the feed) share.  Not for other modules.
 */
#ifndef PDLIST_ARCHIVE_INT_H
#define PDLIST_ARCHIVE_INT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "common/util.h"
#include "listd/store.h"

/* DIR/NAME replaced whole (write_file_atomic()), mode 0644. */
int	archive_write(const char *dir, const char *name, const char *data,
	    size_t len, struct pd_err *err);

/* A file written in memory first, then archive_mem_write() (which frees
   it, written or not). */
struct archive_mem {
	FILE	*f;
	char	*data;
	size_t	 len;
};
int	archive_mem_open(struct archive_mem *, struct pd_err *err);
int	archive_mem_write(struct archive_mem *, const char *dir,
	    const char *name, struct pd_err *err);

/* Whether s is safe as one path component: letters, digits, -_.+, not
   starting with a dot. */
bool	archive_safe_name(const char *s);

/*
 * The name of the i-th patch of a record's "patches" in the archive: its
 * base name with what is not a letter, digit or -_.+ made '_' (a leading
 * dot too), numbered "N-" when an earlier one has that name.
 */
void	archive_patch_name(const json_t *patches, size_t i, char out[180]);
/* The revision whose public copy a record's patches came from: its last
   published revision. */
long	archive_content_revision(const json_t *record);

/* Whether DIR/index.html is there. */
bool	archive_index_exists(const char *dir);
/*
 * DIR/index.html and DIR/feed.atom again, from the records in
 * DIR/ID/record.json of the ids that have one, newest first.
 */
int	archive_index(const char *list, const char *dir, const json_t *ids,
	    struct pd_err *err);

#endif
