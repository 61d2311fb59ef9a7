/*
 * listd/advrecord.h: an advisory's record for people and programs outside
 * the store: what `listctl advisory export` prints and what the public
 * archive (archive.h) publishes.  Built from the store's advisory record
 * (advisory.c), its revisions' posts and the content of its current
 * revision; written as JSON (doc/advisory-record.schema.json), XML
 * (doc/advisory-record.xsd, shaped like libvirt-security-notice's files)
 * or text for a ticket (advrecord_fmt.c).
 *
 * The record (version ADVREC_VERSION):
 *   {"schema", "version", "list", "id", "title", "state", "cves": [...],
 *    "first-distribution", "embargo", "published" (ISO 8601 UTC or null),
 *    "revisions": [{"revision", "date", "outcome", "embargo", "reason"?,
 *                   "extension"?, "restart"?, "by"?}],
 *    "extensions": [{"revision", "date", "reason"}], "restarts": [...],
 *    "patches": [{"name", "size", "sha256"}], "patches-error"?}
 * A revision's outcome is delivered, suppressed, published or held.
 */
#ifndef PDLIST_ADVRECORD_H
#define PDLIST_ADVRECORD_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "common/util.h"
#include "listd/list.h"
#include "listd/msg.h"
#include "listd/record.h"

#define ADVREC_SCHEMA	"pdlist-advisory-record"
#define ADVREC_VERSION	1

/*
 * The record of advisory id of l (opened with LIST_KEYS: the title, the
 * reasons and the content are sealed at rest) in a new *out.  No such
 * advisory is PD_REFUSED.  The record names embargoed facts (its title):
 * what is published is archive.c's to decide.
 */
int	advrec_build(struct list *l, const char *id, json_t **out,
	    struct pd_err *err);
/* The same without "patches": no content is opened. */
int	advrec_facts(struct list *l, const char *id, json_t **out,
	    struct pd_err *err);

/*
 * The content of advisory id's latest public copy (its post's id in post,
 * *public true) or, before its release, of its current revision (*public
 * false), and its attachments.  Plaintext: the caller wipes *payload with
 * wipe_free() and frees files with msg_leaves_free().  A content
 * that no longer authenticates is PD_REFUSED.
 */
int	advrec_content(struct list *l, const char *id, char post[POST_ID_MAX],
	    bool *public, char **payload, size_t *len, struct msg_leaves *files,
	    struct pd_err *err);

/*
 * The latest public post of advisory id whose public copy the store keeps
 * (a release's, a public revision's) into post, with its revision; ""
 * when there is none yet (before its release, or before fan-out signed
 * it).
 */
int	advrec_public_post(struct list *l, const char *id,
	    char post[POST_ID_MAX], long *revision, struct pd_err *err);

/* Opens o's field name in place when listd sealed it (an armored seal). */
void	advrec_unseal(struct list *l, json_t *o, const char *name);

/*
 * Writes record to f as format "json", "xml" or "text"; an unknown format
 * is PD_REFUSED.  (advrecord_fmt.c)
 */
int	advrec_write(const json_t *record, const char *format, FILE *f,
	    struct pd_err *err);

/* Whether format names one advrec_write() writes. */
bool	advrec_format_known(const char *format);

#endif
