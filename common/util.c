/* common/util.c: see util.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

int
pd_fail(struct pd_err *err, enum pd_status st, const char *fmt, ...)
{
	char text[sizeof err->text];
	va_list ap;

	if (err == NULL)
		return -1;
	/* Formatted apart first: an argument may be err->text itself. */
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	err->status = st;
	memcpy(err->text, text, sizeof text);
	return -1;
}

static bool
local_char(int c)
{
	return isalnum(c) || strchr("!#$%&'*+=?^_`{|}~.-", c) != NULL;
}

int
addr_normalize(const char *in, char out[ADDR_MAX + 1], struct pd_err *err)
{
	const char *at, *p;
	size_t i, len;

	len = strlen(in);
	at = strrchr(in, '@');
	if (len == 0 || len > ADDR_MAX || at == NULL || at == in || at[1] == '\0')
		return pd_fail(err, PD_REFUSED, "'%s' is not an address: "
		    "give a plain local@domain", in);
	for (p = in; p < at; p++)
		if (!local_char((unsigned char)*p))
			return pd_fail(err, PD_REFUSED, "'%s' is not an address: "
			    "'%c' is not allowed in the local part", in, *p);
	if (in[0] == '.' || at[-1] == '.' || strstr(in, "..") != NULL)
		return pd_fail(err, PD_REFUSED, "'%s' is not an address: "
		    "misplaced '.' in the local part", in);
	for (p = at + 1; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return pd_fail(err, PD_REFUSED, "'%s' is not an address: "
			    "'%c' is not allowed in a domain", in, *p);
	if (strchr(at + 1, '.') == NULL || at[1] == '.' || at[1] == '-' ||
	    in[len - 1] == '.' || in[len - 1] == '-')
		return pd_fail(err, PD_REFUSED, "'%s' is not an address: "
		    "the domain must be a full domain name", in);
	for (i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	return 0;
}

int
make_id(const char *prefix, char *out, size_t len)
{
	unsigned char r[4];
	char ts[20];

	if (getrandom(r, sizeof r, 0) != sizeof r)
		return -1;
	fmt_time(time(NULL), "%Y%m%dT%H%M%SZ", ts, sizeof ts);
	snprintf(out, len, "%s%s-%02x%02x%02x%02x", prefix, ts, r[0], r[1],
	    r[2], r[3]);
	return 0;
}

char *
fmt_time(time_t t, const char *fmt, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "(time %lld)", (long long)t);
	return buf;
}

char *
iso_time(time_t t, char buf[32])
{
	return fmt_time(t, TIME_ISO, buf, 32);
}

time_t
parse_iso(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (end = strptime(s, TIME_ISO, &tm)) == NULL ||
	    *end != '\0')
		return 0;
	return timegm(&tm);
}

int
read_file(const char *path, size_t max, char **bufp, size_t *lenp,
    struct pd_err *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n = 0;
	int fd, rc = -1;

	*bufp = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1)
		return pd_fail(err, PD_REFUSED, "cannot read %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		pd_fail(err, PD_REFUSED, "cannot read %s: %s", path,
		    S_ISDIR(sb.st_mode) ? strerror(EISDIR) : "not a regular file");
		goto out;
	}
	if ((buf = malloc(max + 2)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	while ((n = read(fd, buf + len, max + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (len += (size_t)n) > max)
			break;
	}
	if (n < 0) {
		pd_fail(err, PD_REFUSED, "cannot read %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (len > max) {
		pd_fail(err, PD_REFUSED, "%s is larger than %zu bytes", path, max);
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int
rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	char *p;

	if (strlen(path) >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -1;
		if ((*p = c) == '\0')
			break;
	}
	return 0;
}

unsigned long long
fnv1a(unsigned long long h, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

/* fsyncs the directory that holds path. */
static int
sync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
write_file_atomic(const char *path, const void *data, size_t len,
    unsigned mode, struct pd_err *err)
{
	char tmp[4200];
	const char *p = data;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path,
	    (long)getpid()) >= sizeof tmp)
		return pd_fail(err, PD_FAIL, "cannot write %s: name too long",
		    path);
	unlink(tmp);	/* left by a crash of this pid's predecessor */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode)) == -1)
		return pd_fail(err, PD_FAIL, "cannot write %s: %s", path,
		    strerror(errno));
	while (len > 0 && (n = write(fd, p, len)) > 0) {
		p += n;
		len -= (size_t)n;
	}
	if (len > 0 || fchmod(fd, (mode_t)mode) == -1 || fsync(fd) == -1) {
		pd_fail(err, PD_FAIL, "cannot write %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		pd_fail(err, PD_FAIL, "cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (sync_dir_of(path) == -1)
		return pd_fail(err, PD_FAIL, "cannot write %s: fsync of its "
		    "directory: %s", path, strerror(errno));
	return 0;
}

void
wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}
