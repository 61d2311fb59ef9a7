/* listd/markup.c: see markup.h. */
#include <string.h>

#include "listd/markup.h"

/* The length of the UTF-8 sequence at p (1-4), or 0 when it is none. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;	/* overlong, a surrogate, beyond U+10FFFF */
	return n;
}

void
markup_esc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (s == NULL)
		return;
	while (*p != '\0') {
		switch (*p) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&#39;", f); p++; continue;
		}
		n = utf8_len(p);
		if (n == 0 || (*p < 0x20 && *p != '\t' && *p != '\n') ||
		    *p == 0x7f) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

void
markup_elem(FILE *f, int indent, const char *name, const char *text)
{
	fprintf(f, "%*s<%s>", indent, "", name);
	markup_esc(f, text);
	fprintf(f, "</%s>\n", name);
}
