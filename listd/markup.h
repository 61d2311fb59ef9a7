/*
 * listd/markup.h: text into XML and HTML (the advisory record's XML, the
 * archive's index and feed, the team's report page).  Every string from
 * outside (a subject, an id, an address, a file name, a reason) goes
 * through markup_esc(): nothing is concatenated unescaped.
 */
#ifndef PDLIST_MARKUP_H
#define PDLIST_MARKUP_H

#include <stdio.h>

/*
 * Writes s to f escaped for XML and HTML, text and quoted attribute
 * values alike: & < > " ' as references; control characters other than
 * tab and newline (not allowed in XML 1.0) and bytes that are not UTF-8 as
 * U+FFFD.  NULL writes nothing.
 */
void	markup_esc(FILE *f, const char *s);

/* <name>escaped text</name> and a newline, indented by indent spaces. */
void	markup_elem(FILE *f, int indent, const char *name, const char *text);

#endif
