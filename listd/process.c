/* listd/process.c: see process.h.  (Being written: decides nothing yet.) */
#include "listd/process.h"

int
process_inbox(const struct conf *conf, struct store *st, unsigned *done,
    struct pd_err *err)
{
	(void)conf;
	(void)st;
	(void)err;
	*done = 0;
	return 0;
}
