/* common/keyfacts.c: see keyfacts.h. */
#include <stdlib.h>

#include "common/keyfacts.h"

void
keyfacts_clear(struct keyfacts *kf)
{
	size_t i;

	if (kf == NULL)
		return;
	for (i = 0; i < kf->nuid; i++)
		free(kf->uid[i].email);
	free(kf->uid);
	free(kf->sub);
	kf->uid = NULL;
	kf->sub = NULL;
	kf->nuid = kf->nsub = 0;
}
