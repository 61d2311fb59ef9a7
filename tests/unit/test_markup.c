/*
 * tests/unit/test_markup.c: the one escaping writer for XML and HTML
 * (listd/markup.c) and the record's XML and text (listd/advrecord_fmt.c)
 * with hostile strings in every field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/advrecord.h"
#include "listd/markup.h"
#include "tap.h"

/* What markup_esc() writes for s, in a static buffer. */
static const char *
esc(const char *s)
{
	static char out[512];
	FILE *f;

	memset(out, 0, sizeof out);
	f = fmemopen(out, sizeof out, "w");

	markup_esc(f, s);
	fclose(f);
	return out;
}

static void
test_escape(void)
{
	is_str(esc("a & b <c> \"d\" 'e'"),
	    "a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;",
	    "the five markup characters become references");
	is_str(esc("</title><script>x</script>"),
	    "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;",
	    "no element can be closed or opened from a string");
	is_str(esc("tab\tnewline\n"), "tab\tnewline\n", "tab and newline stay");
	is_str(esc("bell\aesc\x1b" "del\x7f"),
	    "bell\xef\xbf\xbd" "esc\xef\xbf\xbd" "del\xef\xbf\xbd",
	    "other control characters (not XML 1.0) become U+FFFD");
	is_str(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "UTF-8 stays");
	is_str(esc("bad \xff \xc3( \xed\xa0\x80 \xc0\xaf"),
	    "bad \xef\xbf\xbd \xef\xbf\xbd( \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
	    "\xef\xbf\xbd\xef\xbf\xbd",
	    "bytes that are not UTF-8 (a surrogate, an overlong form) become "
	    "U+FFFD");
	is_str(esc("cut \xe2\x82"), "cut \xef\xbf\xbd\xef\xbf\xbd",
	    "a sequence cut short at the end is not read past");
	is_str(esc(NULL), "", "NULL writes nothing");
}

static void
test_record(void)
{
	json_t *r = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:[s], s:s, "
	    "s:n, s:n, s:[{s:i, s:s, s:s, s:n, s:s}], s:[], s:[], "
	    "s:[{s:s, s:i, s:s}]}", "schema", ADVREC_SCHEMA, "version", 1,
	    "list", "l@example.org", "id", "XSA-1", "title",
	    "</summary><x a=\"1\">&", "state", "embargoed", "cves",
	    "CVE-2026-1", "first-distribution", "2026-11-28T00:00:00Z",
	    "embargo", "published", "revisions", "revision", 1, "date",
	    "2026-11-28T00:00:00Z", "outcome", "delivered", "embargo",
	    "reason", "a \"quoted\" <reason>", "extensions", "restarts",
	    "patches", "name", "\"><evil/>.patch", "size", 3, "sha256",
	    "00");
	char *out = NULL;
	size_t len = 0;
	struct pd_err err = { 0 };
	FILE *f = open_memstream(&out, &len);

	ok(advrec_write(r, "xml", f, &err) == 0, "the record as XML");
	fclose(f);
	like(out, "<summary>&lt;/summary&gt;&lt;x a=&quot;1&quot;&gt;&amp;"
	    "</summary>", "the title is escaped");
	like(out, "name=\"&quot;&gt;&lt;evil/&gt;.patch\"",
	    "an attribute value is escaped");
	like(out, "<advisory type=\"CVE\" id=\"2026-1\"/>",
	    "a CVE as libvirt writes it");
	ok(strstr(out, "<evil") == NULL && strstr(out, "<x ") == NULL,
	    "no element from a string");
	free(out);
	ok(advrec_write(r, "yaml", stdout, &err) == -1 &&
	    err.status == PD_REFUSED, "an unknown format is refused: %s",
	    err.text);
	json_decref(r);
}

int
main(void)
{
	test_escape();
	test_record();
	return done_testing();
}
