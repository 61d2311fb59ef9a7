/*
 * listd/net.h: libcurl, started once for the whole process; SMTP (smtp.c)
 * and HTTPS (keyfetch.c) share it.  curl_global_init() is not safe to run
 * from two threads at once: every user of libcurl calls net_start() first.
 */
#ifndef PDLIST_NET_H
#define PDLIST_NET_H

#include "common/util.h"

/* 0 once libcurl has started; else -1, PD_FAIL with libcurl's reason. */
int	net_start(struct pd_err *err);

#endif
