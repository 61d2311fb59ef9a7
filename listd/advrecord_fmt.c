/*
 * listd/advrecord_fmt.c: an advisory's record written as JSON, XML or text
 * (see advrecord.h).
 *
 * The XML follows the shape of libvirt-security-notice's files (read in
 * github.com/libvirt/libvirt-security-notice, notices/2019/0001.xml at
 * 033c2c9b and notices/template.xml): the root <security-notice> in a
 * namespace of its own, <id>, <summary> (there the one-line title; here
 * the advisory's subject), <lifecycle> with <published> (libvirt also has
 * <reported> and <fixed>; pdlist knows <distributed> and <embargo>
 * instead), and <reference> holding one <advisory type="CVE" id="YYYY-N"/>
 * per CVE, its id without the "CVE-" prefix as libvirt writes it.  What
 * libvirt keeps by hand and pdlist does not know (description, impact,
 * workaround, credits, product) is left out; what pdlist knows and libvirt
 * does not (revisions, extensions, restarts, patches) follows in elements
 * of its own.  doc/advisory-record.xsd is the schema; libvirt's dates
 * (YYYYMMDD) are ISO 8601 times here.
 */
#include <stdio.h>
#include <string.h>

#include "listd/advisory_int.h"
#include "listd/advrecord.h"
#include "listd/markup.h"

#define XMLNS	"urn:pdlist:advisory-record:1"

/* ---- XML ------------------------------------------------------------- */

/* name="escaped value" with a space before it, when o has key. */
static void
xml_attr(FILE *f, const char *name, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v)) {
		fprintf(f, " %s=\"%lld\"", name, (long long)json_integer_value(v));
		return;
	}
	if (!json_is_string(v))
		return;
	fprintf(f, " %s=\"", name);
	markup_esc(f, json_string_value(v));
	fputc('"', f);
}

static void
xml_lifecycle(FILE *f, const json_t *r)
{
	static const char *const when[][2] = {
		{ "distributed", "first-distribution" }, { "embargo", "embargo" },
		{ "published", "published" },
	};
	size_t i;

	fprintf(f, "  <lifecycle>\n");
	for (i = 0; i < sizeof when / sizeof when[0]; i++)
		if (json_is_string(json_object_get(r, when[i][1])))
			markup_elem(f, 4, when[i][0], adv_str(r, when[i][1]));
	fprintf(f, "  </lifecycle>\n");
}

static void
xml_references(FILE *f, const json_t *r)
{
	const json_t *c;
	const char *id;
	size_t i;

	fprintf(f, "  <reference>\n");
	json_array_foreach(json_object_get(r, "cves"), i, c) {
		id = json_string_value(c);
		if (id == NULL)
			continue;
		if (strncmp(id, "CVE-", 4) == 0)
			id += 4;
		fprintf(f, "    <advisory type=\"CVE\" id=\"");
		markup_esc(f, id);
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "  </reference>\n");
}

static void
xml_revisions(FILE *f, const json_t *r)
{
	static const char *const texts[] = { "reason", "extension", "restart" };
	const json_t *v;
	size_t i, k;

	fprintf(f, "  <revisions>\n");
	json_array_foreach(json_object_get(r, "revisions"), i, v) {
		fprintf(f, "    <revision");
		xml_attr(f, "number", v, "revision");
		xml_attr(f, "date", v, "date");
		xml_attr(f, "outcome", v, "outcome");
		xml_attr(f, "embargo", v, "embargo");
		xml_attr(f, "by", v, "by");
		fprintf(f, ">\n");
		for (k = 0; k < sizeof texts / sizeof texts[0]; k++)
			if (json_object_get(v, texts[k]) != NULL)
				markup_elem(f, 6, texts[k], adv_str(v, texts[k]));
		fprintf(f, "    </revision>\n");
	}
	fprintf(f, "  </revisions>\n");
}

/* <extensions><extension revision= date=>reason</extension>... */
static void
xml_notes(FILE *f, const json_t *r, const char *list, const char *one)
{
	const json_t *v;
	size_t i;

	fprintf(f, "  <%s>\n", list);
	json_array_foreach(json_object_get(r, list), i, v) {
		fprintf(f, "    <%s", one);
		xml_attr(f, "revision", v, "revision");
		xml_attr(f, "date", v, "date");
		fprintf(f, ">");
		markup_esc(f, adv_str(v, "reason"));
		fprintf(f, "</%s>\n", one);
	}
	fprintf(f, "  </%s>\n", list);
}

static void
xml_patches(FILE *f, const json_t *r)
{
	const json_t *v;
	size_t i;

	fprintf(f, "  <patches>\n");
	json_array_foreach(json_object_get(r, "patches"), i, v) {
		fprintf(f, "    <patch");
		xml_attr(f, "name", v, "name");
		xml_attr(f, "size", v, "size");
		xml_attr(f, "sha256", v, "sha256");
		fprintf(f, "/>\n");
	}
	fprintf(f, "  </patches>\n");
	if (json_object_get(r, "patches-error") != NULL)
		markup_elem(f, 2, "patches-error", adv_str(r, "patches-error"));
}

static void
write_xml(const json_t *r, FILE *f)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<security-notice xmlns=\"%s\" version=\"%d\">\n", XMLNS,
	    ADVREC_VERSION);
	markup_elem(f, 2, "id", adv_str(r, "id"));
	markup_elem(f, 2, "list", adv_str(r, "list"));
	markup_elem(f, 2, "summary", adv_str(r, "title"));
	markup_elem(f, 2, "state", adv_str(r, "state"));
	xml_lifecycle(f, r);
	xml_references(f, r);
	xml_revisions(f, r);
	xml_notes(f, r, "extensions", "extension");
	xml_notes(f, r, "restarts", "restart");
	xml_patches(f, r);
	fprintf(f, "</security-notice>\n");
}

/* ---- text, as pasted into a ticket ------------------------------------ */

/* A time of the record, or "-". */
static const char *
when(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "-";
}

static void
text_notes(FILE *f, const json_t *r, const char *name, const char *title)
{
	const json_t *v;
	size_t i;

	fprintf(f, "\n%s:%s\n", title, json_array_size(json_object_get(r,
	    name)) ? "" : " none");
	json_array_foreach(json_object_get(r, name), i, v)
		fprintf(f, "  revision %lld, %s: %s\n", (long long)
		    json_integer_value(json_object_get(v, "revision")),
		    when(v, "date"), adv_str(v, "reason"));
}

static void
write_text(const json_t *r, FILE *f)
{
	const json_t *v;
	size_t i;

	fprintf(f, "Advisory %s on %s\n\nTitle:              %s\n"
	    "State:              %s\nCVEs:               ", adv_str(r, "id"),
	    adv_str(r, "list"), adv_str(r, "title"), adv_str(r, "state"));
	json_array_foreach(json_object_get(r, "cves"), i, v)
		fprintf(f, "%s%s", i ? ", " : "", json_string_value(v));
	fprintf(f, "%s\nFirst distribution: %s\nEmbargo:            %s\n"
	    "Published:          %s\n\nRevisions:\n",
	    json_array_size(json_object_get(r, "cves")) ? "" : "none",
	    when(r, "first-distribution"), when(r, "embargo"),
	    when(r, "published"));
	json_array_foreach(json_object_get(r, "revisions"), i, v) {
		fprintf(f, "  revision %-3lld %-20s  %-10s  embargo %s",
		    (long long)json_integer_value(json_object_get(v,
		    "revision")), when(v, "date"), adv_str(v, "outcome"),
		    json_is_string(json_object_get(v, "embargo")) ?
		    adv_str(v, "embargo") : "none");
		if (json_object_get(v, "by") != NULL)
			fprintf(f, "  by %s", adv_str(v, "by"));
		if (adv_str(v, "reason")[0] != '\0')
			fprintf(f, "\n      %s", adv_str(v, "reason"));
		fprintf(f, "\n");
	}
	text_notes(f, r, "extensions", "Extensions");
	text_notes(f, r, "restarts", "Restarts");
	fprintf(f, "\nPatches:%s\n", json_array_size(json_object_get(r,
	    "patches")) ? "" : " none");
	json_array_foreach(json_object_get(r, "patches"), i, v)
		fprintf(f, "  %s  %lld bytes  SHA-256 %s\n", adv_str(v, "name"),
		    (long long)json_integer_value(json_object_get(v, "size")),
		    adv_str(v, "sha256"));
	if (json_object_get(r, "patches-error") != NULL)
		fprintf(f, "  (%s)\n", adv_str(r, "patches-error"));
}

bool
advrec_format_known(const char *format)
{
	return format != NULL && (strcmp(format, "json") == 0 ||
	    strcmp(format, "xml") == 0 || strcmp(format, "text") == 0);
}

int
advrec_write(const json_t *record, const char *format, FILE *f,
    struct pd_err *err)
{
	if (!advrec_format_known(format))
		return pd_fail(err, PD_REFUSED, "--format %s: give json, xml "
		    "or text", format ? format : "(none)");
	if (strcmp(format, "json") == 0) {
		if (json_dumpf(record, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ==
		    -1)
			return pd_fail(err, PD_FAIL, "cannot write the record");
		fputc('\n', f);
	} else if (strcmp(format, "xml") == 0)
		write_xml(record, f);
	else
		write_text(record, f);
	return ferror(f) ? pd_fail(err, PD_FAIL, "cannot write the record") :
	    0;
}
