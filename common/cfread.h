/*
 * common/cfread.h: reading a libconfuse file so that every error is one line
 * "FILE:LINE: what is wrong".
 *
 * libconfuse 3.3 miscounts lines after a comment and cannot parse a comment
 * inside a list, so the file is read here and its comments blanked out
 * (newlines kept) before libconfuse sees it.  ${VAR} expansion is refused: a
 * configuration must not depend on the environment of whoever loads it.
 *
 * libconfuse hands errors to a callback that carries no pointer of ours, so
 * the first error of the current read on this thread is kept here.
 * libconfuse's lexer keeps global state, so loads are serialised: each
 * holds a lock from cfread_init() to cfread_free().
 */
#ifndef PDLIST_CFREAD_H
#define PDLIST_CFREAD_H

#include <stdarg.h>
#include <stddef.h>

#include <confuse.h>

#define CFREAD_MAX	(1024 * 1024)	/* a larger file is refused */

/* Forgets the previous error: call before each read. */
void	 cfread_reset(void);

/*
 * Makes a configuration from opts whose errors come here and name path as
 * given.  The caller adds its validators and frees it with cfread_free(),
 * never cfg_free(): libconfuse is locked for this thread in between, so
 * keep that short and call nothing that loads another configuration.
 */
cfg_t	*cfread_init(cfg_opt_t *opts, const char *path);
void	 cfread_free(cfg_t *);

/* Reads path into cfg; 0, or -1 with the error in cfread_error(). */
int	 cfread_parse(cfg_t *cfg, const char *path);
/* The same for text already read (len bytes); path names it in errors. */
int	 cfread_parse_buf(cfg_t *cfg, const char *path, const char *text,
	    size_t len);

/* Records an error unless one is kept already; line 0: none applies. */
void	 cfread_set_err(const char *path, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The first error of the current read, or "". */
const char *cfread_error(void);

#endif
