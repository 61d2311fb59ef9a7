/*
 * common/log.h: a small logging family after OpenSMTPD's.
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() is for
 * broken invariants and exits.  Log identifiers (message IDs, addresses,
 * fingerprints), never bodies, subjects of embargoed mail or secrets.
 */
#ifndef PDLIST_LOG_H
#define PDLIST_LOG_H

#include <stdbool.h>
#include <stddef.h>

void	log_init(const char *progname, bool to_stderr, bool verbose);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * One line per event in a stable key=value shape for log tools:
 * "event=NAME " and then fmt's "key=value key=value".  Values are
 * identifiers, codes and counts; text that may hold spaces goes through
 * log_q().  Logged at info, by a program that called log_init() (listd;
 * listctl's actions are in the audit log).
 */
void	log_event(const char *event, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * s as one value: as it is when it holds no space, quote or control
 * character, otherwise in double quotes with '"' and '\\' escaped and
 * control characters as '?'; cut to fit buf (len bytes).  Returns buf.
 */
const char *log_q(const char *s, char *buf, size_t len);
/* Whether listd.conf's verbose asks for detail (never for secrets). */
bool	log_verbose(void);
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
