/*
 * listd/request.h: mail to LIST-request@, the list run by signed mail.
 *
 * The signed text holds a "List: ADDRESS" line naming this list and one
 * command a line in the grammar of listctl without the list argument
 * (command.h; quoted lines "> ...", "#" comments and blank lines aside,
 * nothing after a "-- " signature separator).  It counts only with a good
 * signature by the key of an active member whose role may send every
 * command in it (the table's by-mail column), a signature never seen on
 * the list before and made less than the policy's max-request-age ago.
 * Every line is parsed and checked before any runs (its grammar, the role,
 * and that the held message, advisory or member it names is there); one
 * refused then refuses the mail, and the first that fails as it runs
 * stops the rest (the reply says which ran).  The commands run as the signer (address and key in the
 * audit log); the reply, each command's output as listctl prints it or its
 * refusal, is signed by the list and encrypted to the signer's key.
 * Mail with no such signer is held for the moderators as "request".
 */
#ifndef PDLIST_REQUEST_H
#define PDLIST_REQUEST_H

#include "common/util.h"
#include "listd/conf.h"
#include "listd/list.h"
#include "listd/record.h"

/* Message in to l's request address.  -1 only for temporary trouble. */
int	request_process(const struct conf *conf, struct list *l,
	    const struct inbox_entry *in, struct pd_err *err);

#endif
