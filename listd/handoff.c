/* listd/handoff.c: see handoff.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "listd/handoff.h"
#include "listd/inbox.h"
#include "listd/record.h"

#define HANDOFF_SLOTS	64

static struct slot {
	char	 list[ADDR_MAX + 1];
	char	 id[INBOX_ID_MAX];
	char	*raw;		/* NULL: free */
	size_t	 len;
	time_t	 at;
} slots[HANDOFF_SLOTS];
static size_t held;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
drop(struct slot *s)
{
	wipe_free(s->raw, s->len);
	held -= s->len;
	memset(s, 0, sizeof *s);
}

/* Drops what waited too long; a free slot, or NULL. */
static struct slot *
sweep(time_t now)
{
	struct slot *free_slot = NULL;
	size_t i;

	for (i = 0; i < HANDOFF_SLOTS; i++) {
		if (slots[i].raw != NULL && (now - slots[i].at > HANDOFF_MAX_AGE ||
		    now < slots[i].at))
			drop(&slots[i]);
		if (slots[i].raw == NULL && free_slot == NULL)
			free_slot = &slots[i];
	}
	return free_slot;
}

void
handoff_put(const char *list, const char *id, const char *raw, size_t len,
    time_t now)
{
	struct slot *s;
	char *copy;

	if (strlen(list) >= sizeof s->list || strlen(id) >= sizeof s->id)
		return;
	pthread_mutex_lock(&lock);
	if ((s = sweep(now)) != NULL && len <= HANDOFF_MAX_BYTES - held &&
	    (copy = malloc(len + 1)) != NULL) {
		memcpy(copy, raw, len);
		copy[len] = '\0';
		snprintf(s->list, sizeof s->list, "%s", list);
		snprintf(s->id, sizeof s->id, "%s", id);
		s->raw = copy;
		s->len = len;
		s->at = now;
		held += len;
	}
	pthread_mutex_unlock(&lock);
}

/* Takes message id of list out of its slot; false when not there. */
static bool
take_locked(const char *list, const char *id, char **raw, size_t *len)
{
	size_t i;

	*raw = NULL;
	*len = 0;
	for (i = 0; i < HANDOFF_SLOTS && *raw == NULL; i++)
		if (slots[i].raw != NULL && strcmp(slots[i].id, id) == 0 &&
		    strcmp(slots[i].list, list) == 0) {
			*raw = slots[i].raw;
			*len = slots[i].len;
			held -= slots[i].len;
			memset(&slots[i], 0, sizeof slots[i]);
		}
	return *raw != NULL;
}

bool
handoff_take(const char *list, const char *id, char **raw, size_t *len,
    time_t now)
{
	bool found;

	pthread_mutex_lock(&lock);
	sweep(now);
	found = take_locked(list, id, raw, len);
	pthread_mutex_unlock(&lock);
	return found;
}

bool
handoff_drop(const char *list, const char *id)
{
	char *raw;
	size_t len;
	bool found;

	pthread_mutex_lock(&lock);
	found = take_locked(list, id, &raw, &len);
	pthread_mutex_unlock(&lock);
	wipe_free(raw, len);
	return found;
}

void
handoff_sweep(time_t now)
{
	pthread_mutex_lock(&lock);
	sweep(now);
	pthread_mutex_unlock(&lock);
}

void
handoff_clear(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < HANDOFF_SLOTS; i++)
		if (slots[i].raw != NULL)
			drop(&slots[i]);
	pthread_mutex_unlock(&lock);
}

size_t
handoff_bytes(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = held;
	pthread_mutex_unlock(&lock);
	return n;
}
