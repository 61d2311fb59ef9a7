/*
 * common/log.h: a small logging family after OpenSMTPD's.
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() is for
 * broken invariants and exits.  Log identifiers (message IDs, addresses,
 * fingerprints), never bodies, subjects of embargoed mail or secrets.
 */
#ifndef PDLIST_LOG_H
#define PDLIST_LOG_H

#include <stdbool.h>

void	log_init(const char *progname, bool to_stderr, bool verbose);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
