#!/bin/sh
# Advisory records and the public archive, end to end: an advisory with two
# revisions (the second suppressed under the xen profile) and a release;
# advisory export in its three formats, checked against the shipped schemas;
# the publish directory before and after the release, with an embargoed
# advisory's canaries never in it.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v xmllint >/dev/null 2>&1 || skip_all "xmllint not installed (libxml2-utils)"
python3 -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema not installed"

advisory_list
V=security@vendor.example
add_vendor $L $V
start_sink || bail_out smtp-sink

# ---- the publish directory --------------------------------------------------------
D="$W/public"
fails 1 "a relative publish directory is refused" lc list set $L --publish-dir public
fails 1 "one that does not exist is refused" lc list set $L --publish-dir "$D"
mkdir "$D"
like "$(lc list set $L --publish-dir "$D")" "publish-dir: $D" "list set --publish-dir sets it"
like "$(lc list show $L --json)" "\"publish-dir\": \"$D\"" "the list shows it"
like "$(lc list show $L)" "publish-dir: $D" "in text too"
like "$(lc audit $L | tail -n 1)" "list set .*done" "the change is audited"

like "$(lc report $L)" "No advisory under embargo" "the report of a list with no advisory says so"

# ---- an advisory with two revisions, the second suppressed ---------------------------
post xsa300-v1 XSA-300 1 7 "Extension: the discoverer asked for three weeks"
post xsa300-v2 XSA-300 2 7 "CVE: CVE-2026-0002"
is "$(lc advisory show $L XSA-300 --json | tr -d ' \n' | grep -o '"action":"[a-z]*"' | tr '\n' ' ')" \
    '"action":"deliver" "action":"suppress" ' "revision 1 delivered, revision 2 suppressed"

# An advisory still under embargo, with canaries in its subject, body and reason.
advisory "$W/canary-subject-5817.txt" XSA-301 1 7 "Extension: canary-reason-5817"
echo "canary-body-5817" >>"$W/canary-subject-5817.txt"
post_file $ALICE $L canary-subject-5817
canaries='XSA-301|canary-[a-z]*-5817'

json() { lc advisory export $L XSA-300 --format json; }
like "$(json)" '"state": "embargoed"' "export works during the embargo"
ok "nothing is in the publish directory before the release" \
    sh -c "! grep -rlE 'XSA-30[01]|canary|xsa300' '$D' && [ -z \"\$(ls '$D' | grep -v -e index.html -e feed.atom)\" ]"

# ---- the release --------------------------------------------------------------------
lc --actor "Security Team" advisory release $L XSA-300 >/dev/null
is $? 0 "the advisory is released"
listd_once >/dev/null 2>&1
is "$(copies_to $PUB)" 1 "and published to the public address"

# ---- advisory export: every field, right values ----------------------------------------
json >"$W/r.json"
lc advisory export $L XSA-300 --format xml >"$W/r.xml"
lc advisory export $L XSA-300 --format text >"$W/r.txt"
field() { python3 -c "import json,sys; r=json.load(open('$W/r.json')); print($1)"; }
emb=$(date -u -d "$(embargo_in 7)" '+%Y-%m-%dT%H:%M:%SZ')
# the attachment as decoded: its last line end belongs to the boundary
patch_sha=$(printf -- '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-bug\n+fix' | sha256sum | cut -d' ' -f1)
is "$(field 'r["schema"], r["version"]')" "pdlist-advisory-record 1" "the record names its schema and version"
is "$(field 'r["id"], r["title"], r["state"]')" "XSA-300 xsa300-v2 public" "id, title (the current revision's subject), state"
is "$(field '" ".join(r["cves"])')" "CVE-2026-0001 CVE-2026-0002" "the CVEs of both revisions"
is "$(field '[(v["revision"], v["outcome"]) for v in r["revisions"]]')" \
    "[(1, 'delivered'), (2, 'suppressed'), (2, 'published')]" "each revision with its outcome, and the publication"
is "$(field 'set(v["embargo"] for v in r["revisions"])')" "{'$emb'}" "each with its embargo date"
is "$(field 'r["embargo"]')" "$emb" "the embargo date"
like "$(field 'r["first-distribution"], r["published"], r["revisions"][0]["date"]')" \
    '^20[0-9-]+T[0-9:]+Z 20[0-9-]+T[0-9:]+Z 20[0-9-]+T[0-9:]+Z$' "first distribution, publication and revision dates"
is "$(field 'r["first-distribution"] == r["revisions"][0]["date"] <= r["published"] == r["revisions"][2]["date"]')" \
    True "first distributed with revision 1, published at the release"
is "$(field 'r["revisions"][2]["by"]')" "Security Team" "the release names who released it"
is "$(field '[(e["revision"], e["reason"]) for e in r["extensions"]]')" \
    "[(1, 'the discoverer asked for three weeks')]" "the extension with its reason, opened"
is "$(field 'r["restarts"]')" "[]" "no restart"
is "$(field '[(p["name"], p["size"], p["sha256"]) for p in r["patches"]]')" \
    "[('fix.patch', 41, '$patch_sha')]" "the patch: name, size, SHA-256"
ok "the JSON validates against doc/advisory-record.schema.json" record_json_valid "$W/r.json"
fails 1 "the schema can fail: a record with a wrong outcome does not validate" python3 -c "
import json, jsonschema, sys
r = json.load(open('$W/r.json')); r['revisions'][0]['outcome'] = 'lost'
try: jsonschema.validate(r, json.load(open('$top_srcdir/doc/advisory-record.schema.json')))
except jsonschema.ValidationError: sys.exit(1)"
ok "the XML is valid against doc/advisory-record.xsd" record_xml_valid "$W/r.xml"
x() { xmllint --xpath "$1" "$W/r.xml" 2>/dev/null; }
N="*[local-name()='security-notice']"
is "$(x "string(/$N/*[local-name()='summary'])")" "xsa300-v2" "XML: the summary is the title"
is "$(x "count(//*[local-name()='reference']/*[local-name()='advisory'][@type='CVE'])")" 2 \
    "XML: a CVE reference per CVE"
is "$(x "string(//*[local-name()='advisory'][1]/@id)")" "2026-0001" "as libvirt writes them, without CVE-"
is "$(x "string(//*[local-name()='revision'][2]/@outcome)")" "suppressed" "XML: the revisions' outcomes"
is "$(x "string(//*[local-name()='patch']/@sha256)")" "$patch_sha" "XML: the patch's SHA-256"
like "$(x "string(//*[local-name()='lifecycle']/*[local-name()='published'])")" '^20[0-9-]+T' "XML: the publication"
like "$(cat "$W/r.txt")" "Title: +xsa300-v2" "text: the title"
like "$(cat "$W/r.txt")" "revision 2 .* suppressed .*embargo $emb" "text: the suppressed revision"
like "$(cat "$W/r.txt")" "revision 1, .*: the discoverer asked for three weeks" "text: the extension"
like "$(cat "$W/r.txt")" "fix.patch  41 bytes  SHA-256 $patch_sha" "text: the patch"
fails 2 "an unknown format is a usage error" lc advisory export $L XSA-300 --format yaml
fails 1 "an unknown advisory is refused" lc advisory export $L XSA-999 --format json

# ---- the public archive ---------------------------------------------------------------
A="$D/XSA-300"
for f in record.json record.xml record.txt revision-2.eml revision-2/fix.patch index.html feed.atom; do
	[ -f "$A/$f" ] || [ -f "$D/$f" ] || echo "missing $f" >>"$W/missing"
done
ok "the archive holds the records, the signed text, the patch, the index and the feed" \
    test ! -e "$W/missing"
is "$(sha256sum <"$A/revision-2/fix.patch" | cut -d' ' -f1)" "$patch_sha" "the published patch's SHA-256 matches the record"
is "$(python3 -c "import json; print(json.load(open('$A/record.json'))['id'])")" XSA-300 "the published record"
ok "the published record validates too" record_json_valid "$A/record.json"
ok "the signed text carries the list's good signature" verify_signed_copy "$A/revision-2.eml"
like "$(grep -i '^Subject:' "$A/revision-2.eml")" "xsa300-v2" "with the advisory's subject"
like "$(cat "$A/revision-2.eml")" "XSA-300 revision 2: the details" "and its text"
like "$(cat "$D/index.html")" '<h2>XSA-300: xsa300-v2</h2>' "the index lists the advisory"
like "$(cat "$D/index.html")" 'CVE-2026-0001, CVE-2026-0002' "with its CVEs"
like "$(cat "$D/index.html")" 'href="XSA-300/revision-2/fix.patch"' "and links its patch"
ok "the feed is well-formed XML" xmllint --noout "$D/feed.atom"
like "$(cat "$D/feed.atom")" "<id>tag:xen-pre@lists.example.org,20[0-9]{2}-[0-9]{2}-[0-9]{2}:XSA-300</id>" \
    "the feed has its entry, named by a tag URI (RFC 4151)"
is "$(stat -c %a "$A/record.json")" 644 "archive files are world-readable (0644)"
ok "no temporary file is left" sh -c "! find '$D' -name '*.tmp*' | grep -q ."
ok "the embargoed advisory left no trace in the publish directory" \
    sh -c "! grep -rlE '$canaries' '$D' && ! find '$D' | grep -qE '$canaries'"
before=$(stat -c %Y "$D/index.html")
listd_once >/dev/null 2>&1
is "$(stat -c %Y "$D/index.html")" "$before" "a run with nothing new writes nothing"

# A crash before the copy was written: the next run writes the advisory again.
rm "$A/revision-2.eml" "$A/record.xml"
listd_once >/dev/null 2>&1
ok "what a crash left unfinished is written by the next run" \
    test -f "$A/revision-2.eml" -a -f "$A/record.xml"

# A public revision after the release: archived too, the record rewritten.
post xsa300-v3 XSA-300 3 7
ok "a public revision's signed text is archived" test -f "$A/revision-3.eml"
is "$(python3 -c "import json; r = json.load(open('$A/record.json')); print([(v['revision'], v['outcome']) for v in r['revisions']][-1], r['title'])")" \
    "(3, 'published') xsa300-v3" "and the record says so"
like "$(cat "$D/index.html")" 'href="XSA-300/revision-3.eml"' "the index links it"
ok "the embargoed advisory still left no trace" \
    sh -c "! grep -rlE '$canaries' '$D' && ! find '$D' | grep -qE '$canaries'"

done_testing
