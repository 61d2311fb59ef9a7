/* tests/unit/tap.c: see tap.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "policy/policy.h"
#include "tap.h"

static int planned = -1;
static int run;
static int failed;

void
plan(int n)
{
	planned = n;
	printf("1..%d\n", n);
}

static bool
report(bool cond, const char *file, int line, const char *fmt, va_list ap)
{
	run++;
	printf("%sok %d - ", cond ? "" : "not ", run);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

bool
ok_at(bool cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = report(cond, file, line, fmt, ap);
	va_end(ap);
	return r;
}

bool
is_str_at(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	bool r, same;

	same = got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want;
	va_start(ap, fmt);
	r = report(same, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got: '%s'\n#   expected: '%s'\n",
		    got ? got : "(null)", want ? want : "(null)");
	return r;
}

bool
like_at(const char *got, const char *needle, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = report(got != NULL && strstr(got, needle) != NULL, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got: '%s'\n#   expected to contain: '%s'\n",
		    got ? got : "(null)", needle);
	return r;
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

const char *
srcdir(void)
{
	const char *top = getenv("top_srcdir");

	return top != NULL && *top != '\0' ? top : ".";
}

struct policy *
load_profile(const char *name)
{
	struct policy *p = NULL;
	char path[1024], err[512];

	snprintf(path, sizeof path, "%s/policy/%s.conf", srcdir(), name);
	if (pol_load(path, &p, err, sizeof err) == -1) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return p;
}

bool
find_corpus(char *out, size_t len, const char *probe)
{
	const char *env = getenv("PDLIST_CORPUS");
	char buf[1200];
	struct stat sb;

	if (env != NULL && *env != '\0')
		snprintf(out, len, "%s", env);
	else
		snprintf(out, len, "%s/../shared/corpus", srcdir());
	snprintf(buf, sizeof buf, "%s/%s", out, probe);
	return stat(buf, &sb) == 0;
}

void
skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

int
done_testing(void)
{
	if (planned < 0)
		printf("1..%d\n", run);
	else if (planned != run)
		printf("# planned %d tests but ran %d\n", planned, run);
	return failed == 0 && (planned < 0 || planned == run) ? 0 : 1;
}
