/*
 * common/util.h: errors that carry their reason up to the user, addresses,
 * files.
 */
#ifndef PDLIST_UTIL_H
#define PDLIST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Kept apart all the way up: a refusal is the user's to fix (exit 1), a
   temporary failure is worth a retry (4xx, exit 75), a failure is ours. */
enum pd_status {
	PD_OK = 0,
	PD_REFUSED,	/* bad input or a rule said no: nothing changed */
	PD_TEMPFAIL,	/* try again later */
	PD_FAIL		/* an error of the system: disk, store, gpg */
};

struct pd_err {
	enum pd_status	status;
	char		text[1024];	/* one line: what is wrong, what to do */
};

/* Sets err (when not NULL) and returns -1, so that `return pd_fail(...)`. */
int	pd_fail(struct pd_err *err, enum pd_status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define ADDR_MAX	200	/* keeps store keys (list, id, member) within LMDB's 511 bytes */

/*
 * Checks that in is a plain address local@domain (no display name, no
 * quoting, no '/' so it is safe as a file name) and writes it lower-cased
 * into out (ADDR_MAX + 1 bytes).  Returns 0, or -1 with a reason in err.
 */
int	addr_normalize(const char *in, char out[ADDR_MAX + 1], struct pd_err *err);

/*
 * A new identifier: prefix, the UTC time and 8 random hex digits, e.g.
 * "20261122T101500Z-0a1b2c3d"; sorts by time.  0, or -1 without randomness.
 */
int	make_id(const char *prefix, char *out, size_t len);

/*
 * FNV-1a: h (FNV1A_INIT to start) extended by len bytes of p.  For ids
 * that must be stable, never for secrets.
 */
#define FNV1A_INIT	1469598103934665603ULL
unsigned long long fnv1a(unsigned long long h, const void *p, size_t len);

/* Times are UTC.  TIME_ISO is the store's and --json's form. */
#define TIME_ISO	"%Y-%m-%dT%H:%M:%SZ"

/* t formatted with fmt (strftime) into buf; "(time N)" when it cannot be. */
char	*fmt_time(time_t t, const char *fmt, char *buf, size_t len);
/* t in TIME_ISO, e.g. "2026-11-22T10:00:00Z", into buf; returns buf. */
char	*iso_time(time_t t, char buf[32]);
/* Wipes the len bytes at p (mail or keys in the clear), then frees p. */
void	wipe_free(void *p, size_t len);
/* A TIME_ISO string back to a time; 0 when s is not one. */
time_t	 parse_iso(const char *s);

/*
 * Reads the regular file at path, at most max bytes, into a NUL-terminated
 * buffer the caller frees.  Anything else, or a larger file, is refused
 * (PD_REFUSED) with "cannot read PATH: why".
 */
int	read_file(const char *path, size_t max, char **buf, size_t *len,
	    struct pd_err *err);

/* Removes a directory tree (no symlinks followed); 0 or -1 with errno. */
int	rm_tree(const char *path);

/* mkdir -p with mode for each created component; 0 or -1 with errno. */
int	mkdir_p(const char *path, unsigned mode);

/*
 * Replaces the file at path with len bytes of data, mode mode, in checked
 * steps: a temporary file beside it (O_EXCL), write, fsync, rename, fsync
 * of the directory.  A reader sees the old file or the new one, never
 * part of one.  PD_FAIL with "cannot write PATH: why".
 */
int	write_file_atomic(const char *path, const void *data, size_t len,
	    unsigned mode, struct pd_err *err);

#endif
