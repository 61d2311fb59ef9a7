/* listd/net.c: see net.h. */
#include <pthread.h>

#include <curl/curl.h>

#include "listd/net.h"

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static CURLcode start_rc = CURLE_FAILED_INIT;

static void
start(void)
{
	start_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
net_start(struct pd_err *err)
{
	if (pthread_once(&start_once, start) != 0)
		return pd_fail(err, PD_FAIL, "libcurl: cannot start it once");
	if (start_rc != CURLE_OK)
		return pd_fail(err, PD_FAIL, "libcurl: %s",
		    curl_easy_strerror(start_rc));
	return 0;
}
