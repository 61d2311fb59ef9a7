/* common/log.c: see log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/log.h"

static const char *prog = "pdlist";
static bool use_stderr = true;
static bool debug;
static bool events;	/* log_init() ran: listd logs its events */

void
log_init(const char *progname, bool to_stderr, bool verbose)
{
	prog = progname;
	use_stderr = to_stderr;
	debug = verbose;
	events = true;
	if (!to_stderr)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static void
vlog(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (use_stderr) {
		if (errstr != NULL)
			fprintf(stderr, "%s: %s: %s\n", prog, msg, errstr);
		else
			fprintf(stderr, "%s: %s\n", prog, msg);
	} else if (errstr != NULL)
		syslog(pri, "%s: %s", msg, errstr);
	else
		syslog(pri, "%s", msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_WARNING, e, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debug)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
log_event(const char *event, const char *fmt, ...)
{
	char line[900];
	va_list ap;

	if (!events)
		return;		/* listctl: its audit log says it */
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_info("event=%s %s", event, line);
}

bool
log_verbose(void)
{
	return debug;
}

const char *
log_q(const char *s, char *buf, size_t len)
{
	size_t i, o = 0;

	if (len < 4)
		return "\"\"";
	if (s[0] != '\0' && strpbrk(s, " \"\\=") == NULL) {
		for (i = 0; s[i] != '\0' && (unsigned char)s[i] > ' ' &&
		    s[i] != 127; i++)
			;
		if (s[i] == '\0') {
			snprintf(buf, len, "%s", s);
			return buf;
		}
	}
	buf[o++] = '"';
	for (i = 0; s[i] != '\0' && o + 3 < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf[o++] = '\\';
		buf[o++] = (unsigned char)s[i] < ' ' || s[i] == 127 ? '?' : s[i];
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(70);	/* EX_SOFTWARE */
}
