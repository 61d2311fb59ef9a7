/*
 * tests/unit/test_frame.c: one frame for a post's copies (listd/msg.h,
 * msg_frame_make/msg_frame_from).  A copy made from the frame is the copy
 * GMime builds for it, Date and MIME boundary aside; a copy whose headers
 * differ otherwise, or whose Message-ID is not as long or not plain, is
 * not made from it.
 */
#include <stdlib.h>
#include <string.h>

#include "listd/msg.h"
#include "tap.h"

#define MID1 "20261128T202900Z-036b8dfe.0000000000000001@lists.example.org"
#define MID2 "20261128T202900Z-036b8dfe.ffffffffffff0002@lists.example.org"

/* text's MIME boundary (in *b, at most cap - 1 bytes); "" when none. */
static void
boundary(const char *text, char *b, size_t cap)
{
	const char *p = strstr(text, "boundary=\"");
	size_t n = 0;

	if (p != NULL) {
		p += 10;
		n = strcspn(p, "\"");
		if (n >= cap)
			n = cap - 1;
		memcpy(b, p, n);
	}
	b[n] = '\0';
}

/*
 * text without its Date: line and with its boundary written as "B": what
 * two frames of the same headers share.
 */
static char *
normal(const char *text)
{
	char b[200], *out, *o;
	const char *p = text;
	size_t bl;

	boundary(text, b, sizeof b);
	bl = strlen(b);
	if ((out = o = malloc(strlen(text) + 1)) == NULL)
		return NULL;
	while (*p != '\0') {
		if (strncasecmp(p, "Date: ", 6) == 0 && (p == text ||
		    p[-1] == '\n')) {
			p += strcspn(p, "\n");
			p += *p == '\n';
			continue;
		}
		if (bl > 0 && strncmp(p, b, bl) == 0) {
			*o++ = 'B';
			p += bl;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

int
main(void)
{
	struct msg_copy c1 = { .list = "xsa@lists.example.org",
	    .subject = "[...]", .message_id = MID1, .precedence = true,
	    .openpgp_fpr = "0123456789ABCDEF0123456789ABCDEF01234567" };
	struct msg_copy c2 = c1, c3 = c1;
	struct pd_err err = { 0 };
	struct msg_frame f;
	char *made = NULL, *built = NULL, *n1 = NULL, *n2 = NULL;
	size_t len, at, blen, bat;

	c2.message_id = MID2;
	ok(msg_frame_make(&f, &c1, &err), "a frame from the first copy: %s",
	    err.text);
	ok(msg_frame_from(&f, &c2, &made, &len, &at),
	    "the next copy is made from it");
	ok(made != NULL && len == f.len && at == f.at &&
	    memcmp(made, f.text, f.mid_at) == 0 &&
	    memcmp(made + f.mid_at + f.mid_len, f.text + f.mid_at + f.mid_len,
	    len - f.mid_at - f.mid_len + 1) == 0,
	    "the frame's bytes but for its Message-ID");
	ok(made != NULL && memmem(made, len, "<" MID2 ">", strlen(MID2) + 2) &&
	    !memmem(made, len, MID1, strlen(MID1)),
	    "which is the copy's own, the first one's gone");
	ok(msg_encrypted_frame(&c2, &built, &blen, &bat, &err) == 0,
	    "GMime builds the same copy: %s", err.text);
	if (made != NULL && built != NULL) {
		n1 = normal(made);
		n2 = normal(built);
		is_str(n1, n2, "the same text, Date and boundary aside");
		ok(blen - bat == len - at, "the armor goes at the same place "
		    "from the end");
	}
	free(made);
	free(built);
	free(n1);
	free(n2);

	c3.to = "security@v1.example";
	c3.message_id = MID2;
	made = NULL;
	ok(!msg_frame_from(&f, &c3, &made, &len, &at) && made == NULL,
	    "a copy To: its member (a notice) is not made from it");
	c3 = c1;
	c3.subject = "Another";
	c3.message_id = MID2;
	ok(!msg_frame_from(&f, &c3, &made, &len, &at),
	    "nor one with another subject");
	c3 = c1;
	c3.message_id = MID2 "x";
	ok(!msg_frame_from(&f, &c3, &made, &len, &at),
	    "nor one whose Message-ID is longer");
	c3.message_id = "20261128T202900Z-036b8dfe.ffffffff\"fff0002@lists.example.org";
	ok(!msg_frame_from(&f, &c3, &made, &len, &at),
	    "nor one whose Message-ID needs quoting");
	msg_frame_clear(&f);
	ok(!msg_frame_from(&f, &c2, &made, &len, &at),
	    "a cleared frame makes nothing");

	c3 = c1;
	c3.subject = MID1;
	ok(!msg_frame_make(&f, &c3, &err) && f.key == NULL,
	    "no frame where the Message-ID is found twice (a subject the same)");
	msg_frame_clear(&f);
	return done_testing();
}
