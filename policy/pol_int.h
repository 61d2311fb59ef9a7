/*
 * policy/pol_int.h: what the profile loader (pol_load.c) and its checks
 * (pol_check.c) share.  Not for other modules: their API is policy.h.
 */
#ifndef PDLIST_POL_INT_H
#define PDLIST_POL_INT_H

#include <confuse.h>

#ifndef CFGF_MODIFIED
#error "pdlist needs libconfuse 3.3 or later (CFGF_MODIFIED)"
#endif

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * A libconfuse parse callback for a length of time written with its unit,
 * "2d", "36h", "90m": *(long *)result in seconds, from a minute to a year.
 */
int	pol_parse_duration(cfg_t *, cfg_opt_t *, const char *value,
	    void *result);

/* Sets the validation callback of every setting that has one on cfg. */
void	pol_check_install(cfg_t *cfg);

#endif
