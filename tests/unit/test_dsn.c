/*
 * tests/unit/test_dsn.c: reports to a bounce address (listd/dsn.c).  Every
 * report in the corpus's bounces/ is recognised (the delays as transient,
 * the rest as failed), nothing in its not-bounces/ is; a DSN as Postfix
 * writes it gives its status, diagnostic and recipient.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "listd/dsn.h"
#include "listd/msg.h"
#include "tests/unit/tap.h"

static const char postfix[] =
    "Return-Path: <>\n"
    "From: MAILER-DAEMON@relay.example (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "To: sec-bounces+abcdefghij0123456789@lists.example.org\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B1\"\n\n"
    "--B1\nContent-Description: Notification\n"
    "Content-Type: text/plain; charset=us-ascii\n\n"
    "This is the mail system at host relay.example.\n\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n\n"
    "--B1\nContent-Description: Delivery report\n"
    "Content-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; relay.example\n"
    "X-Postfix-Queue-ID: 4F2A81C0\n"
    "Arrival-Date: Sat, 28 Nov 2026 12:00:00 +0000 (UTC)\n\n"
    "Final-Recipient: rfc822; security@v1.example\n"
    "Original-Recipient: rfc822;security@v1.example\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.v1.example\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <security@v1.example>: Recipient\n"
    "    address rejected: User unknown\n\n"
    "--B1\nContent-Description: Undelivered Message Headers\n"
    "Content-Type: text/rfc822-headers\n\n"
    "Subject: [...]\n\n--B1--\n";

static char corpus[1024];

/* Classifies every file in corpus/sub; checks each against want. */
static void
classify(const char *sub)
{
	char path[1400];
	struct dirent *e;
	struct pd_err err;
	struct dsn d;
	char *raw;
	size_t len;
	DIR *dir;
	bool soft;

	snprintf(path, sizeof path, "%s/%s", corpus, sub);
	if ((dir = opendir(path)) == NULL) {
		ok(0, "cannot open %s", path);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".eml") == NULL)
			continue;
		snprintf(path, sizeof path, "%s/%s/%s", corpus, sub, e->d_name);
		if (read_file(path, 1 << 20, &raw, &len, &err) == -1) {
			ok(0, "%s", err.text);
			continue;
		}
		if (dsn_parse(raw, len, &d, &err) == -1)
			d.kind = DSN_NKINDS;
		free(raw);
		/* the corpus's delays: Gmail's "(Delay)", and Postfix's
		   "failed" with a 4.0.0 status */
		soft = strstr(e->d_name, "_soft") || strstr(e->d_name,
		    "bounce_18") || strstr(e->d_name, "bounce_19") ||
		    strstr(e->d_name, "bounce_10.");
		if (strcmp(sub, "not-bounces") == 0)
			ok(d.kind == DSN_NONE, "%s/%s: no report (%s)", sub,
			    e->d_name, dsn_kind_name(d.kind));
		else
			ok(d.kind == (soft ? DSN_TRANSIENT : DSN_FAILED),
			    "%s/%s: %s, status '%s' by %s: %s", sub, e->d_name,
			    dsn_kind_name(d.kind), d.status, d.how,
			    d.diagnostic);
	}
	closedir(dir);
}

int
main(void)
{
	struct pd_err err;
	struct dsn d;

	msg_init();
	if (dsn_parse(postfix, strlen(postfix), &d, &err) == -1)
		d.kind = DSN_NKINDS;
	ok(d.kind == DSN_FAILED, "Postfix's DSN: failed (%s)",
	    dsn_kind_name(d.kind));
	is_str(d.status, "5.1.1", "its status");
	is_str(d.recipient, "security@v1.example", "its final recipient");
	is_str(d.how, "rfc3464", "read as RFC 3464");
	like(d.diagnostic, "550 5.1.1 <security@v1.example>: Recipient "
	    "address rejected: User unknown", "its diagnostic, unfolded");
	ok(dsn_parse("Subject: hi\n\nhello\n", 16, &d, &err) == 0 &&
	    d.kind == DSN_NONE, "a plain message is no report");
	ok(dsn_parse("\x01\x02garbage", 9, &d, &err) == 0 &&
	    d.kind == DSN_NONE, "nor is garbage");
	if (!find_corpus(corpus, sizeof corpus, "bounces")) {
		diag("corpus not found: its bounces are not classified");
		return done_testing();
	}
	classify("bounces");
	classify("not-bounces");
	return done_testing();
}
