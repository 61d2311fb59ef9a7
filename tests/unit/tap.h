/*
 * tests/unit/tap.h: a tiny TAP producer for the C unit tests.
 * Call plan() first (or done_testing() last); every ok() prints one line.
 */
#ifndef PDLIST_TAP_H
#define PDLIST_TAP_H

#include <stdbool.h>
#include <stddef.h>

void	plan(int n);
bool	ok_at(bool cond, const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
bool	is_str_at(const char *got, const char *want, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool	like_at(const char *got, const char *needle, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	skip_all(const char *why) __attribute__((noreturn));
/* $top_srcdir, or "." when it is unset or empty: the source tree's top. */
const char *srcdir(void);
/* The shipped profile policy/NAME.conf (pol_free() it); bails out if not. */
struct policy;
struct policy *load_profile(const char *name);
/*
 * The corpus of real mail and keys into out: $PDLIST_CORPUS, or
 * $top_srcdir/../shared/corpus; false when probe (a path in it) is not
 * there.
 */
bool	find_corpus(char *out, size_t len, const char *probe);
int	done_testing(void);	/* exit status: 0 when all passed */

#define ok(cond, ...)		ok_at((cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...)	is_str_at((g), (w), __FILE__, __LINE__, __VA_ARGS__)
/* passes when needle occurs in got */
#define like(g, n, ...)		like_at((g), (n), __FILE__, __LINE__, __VA_ARGS__)

#endif
