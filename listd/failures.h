/*
 * listd/failures.h: the admins hear of copies that did not arrive (refused
 * by the mail servers, or bounced after they were accepted), naming each
 * copy's member, advisory and revision (or post, for mail that carries no
 * advisory) and the server's words; at most once per member a day (the
 * last notice is remembered in the store), so a dead address is not news
 * with every post.
 */
#ifndef PDLIST_FAILURES_H
#define PDLIST_FAILURES_H

#include "listd/list.h"
#include "listd/record.h"

#define FAIL_QUIET_SECS	86400	/* a member is named once a day at most */

/*
 * One log line for what became of job j's copy: its state, attempts, the
 * server's reply (with its queue id), the next attempt of a retry.
 */
void	log_copy(const struct job *j);

/*
 * Tells l's admins of the jobs in js that FAILED or BOUNCED, under
 * subject, leaving out members named in the last FAIL_QUIET_SECS.  A
 * notice that cannot be written is recorded (notice_tell()).
 */
void	fail_tell(struct list *l, const char *subject, const struct job_set *js);

#endif
