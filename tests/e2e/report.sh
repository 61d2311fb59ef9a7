#!/bin/sh
# The team's embargo calendar, end to end: a list with three advisories in
# different states (embargoed, released, held before any went out), a
# skipped and a failed copy, held mail; listctl report as text, JSON and
# one HTML page, the page checked in a real browser (headless Chromium):
# its DOM, its console and a screenshot's pixels.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v chromium >/dev/null 2>&1 || skip_all "chromium not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v xmllint >/dev/null 2>&1 || skip_all "xmllint not installed (libxml2-utils)"

advisory_list
add_vendor $L security@vendor.example
add_vendor $L security@refusing.example
# A member whose key expires in seconds, so that its copy is skipped.
add_expiring_vendor $L security@late.example 3
sleep 4
start_sink --reject-rcpt security@refusing.example || bail_out smtp-sink

# Embargoed, with canaries in its subject and its Extension's reason.
post canary-subject-4711 XSA-400 1 7 "Extension: canary-reason-4711"
# Released.
post xsa401-public XSA-401 1 7
lc advisory release $L XSA-401 >/dev/null
listd_once >/dev/null 2>&1
# Held before any revision went out: its embargo is in the past.
post xsa402-held XSA-402 1 -1
canaries='canary-[a-z]*-4711'

is "$(lc advisory ls $L --json | tr -d ' \n' | grep -o '"state":"[a-z]*"' | tr '\n' ' ')" \
    '"state":"embargoed" "state":"public" "state":"new" ' "three advisories in three states"

# Every state's record is valid against the shipped schemas.
for id in XSA-400 XSA-401 XSA-402; do
	lc advisory export $L $id --format xml >"$W/$id.xml"
	ok "$id's XML record is valid" record_xml_valid "$W/$id.xml"
	lc advisory export $L $id --format json >"$W/$id.json"
	if python3 -c 'import jsonschema' 2>/dev/null; then
		ok "$id's JSON record is valid" record_json_valid "$W/$id.json"
	else
		skip "python3-jsonschema not installed"
	fi
done
like "$(cat "$W/XSA-402.json")" '"outcome": "held"' "a held revision is in the record as held"

# ---- text and JSON ----------------------------------------------------------------
T=$(lc report $L)
like "$T" "XSA-400  embargoed" "the text report lists the embargoed advisory"
like "$T" "XSA-401  public" "the released one"
like "$T" "XSA-402  new" "and the held one"
like "$T" "!! security@refusing.example +revision 1  failed" "a failed copy stands out"
like "$T" "!! security@late.example +revision 1  skipped" "a skipped copy stands out"
like "$T" "   security@vendor.example +revision 1  accepted" "a delivered one does not"
like "$T" "Held: 1  advisory 1" "the held queue by reason"
unlike "$T" "$canaries" "no embargoed subject or reason without --subjects"
like "$(lc report $L --subjects)" "XSA-400 .*canary-subject-4711" "--subjects shows the subject"
like "$(lc report $L --subjects)" "canary-reason-4711" "and the extension's reason"
like "$(lc report $L --json)" '"delivered": false' "report --json"
unlike "$(lc report $L --json)" "$canaries" "nor in its JSON"
fails 2 "--html and --json together is a usage error" lc report $L --json --html "$W/x.html"

# ---- the page -------------------------------------------------------------------------
like "$(lc report $L --html "$W/report.html")" "wrote $W/report.html" "report --html writes the page"
is "$(stat -c %a "$W/report.html")" 600 "mode 0600"
lc report $L --html "$W/no/such/dir/p.html" >/dev/null 2>"$W/err"
is $? 1 "a page that cannot be written is refused"
like "$(cat "$W/err")" "^listctl: report: cannot write $W/no/such/dir/p.html: No such file" "saying where and why"
ok "no embargoed subject or reason on the page" sh -c "! grep -qE '$canaries' '$W/report.html'"
ok "self-contained: no script and nothing to fetch" \
    sh -c "! grep -qiE '<script|<link|<img|src=|href=|url\\(|@import' '$W/report.html'"
ok "it is well-formed enough for an XML parser's HTML mode" \
    xmllint --html --noout "$W/report.html"
lc report $L --subjects --html "$W/subjects.html" >/dev/null
like "$(cat "$W/subjects.html")" "canary-subject-4711" "--subjects puts the subjects on the page"

# chrome FILE ARGS...: headless Chromium on file FILE, its own profile and
# HOME under $W, its log (console messages included) in $W/chrome.err.
chrome() {
	_page=$1
	shift
	HOME="$W/chrome-home" timeout 120 chromium --headless --no-sandbox \
	    --disable-gpu --user-data-dir="$W/chrome-profile" \
	    --enable-logging=stderr --v=0 "$@" "file://$_page" 2>"$W/chrome.err"
}
console_errors() { grep -E 'CONSOLE|Uncaught|Refused to' "$W/chrome.err"; }
mkdir -p "$W/chrome-home"

# The console check can fail: a page with an error and a blocked load.
printf '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src %s"><script>nope()</script><img src="http://127.0.0.1:1/x.png">' \
    "'none'" >"$W/bad.html"
chrome "$W/bad.html" --dump-dom >/dev/null
ok "the console check can fail: a broken page is caught" console_errors

chrome "$W/report.html" --dump-dom >"$W/dom.html"
ok "Chromium loads the page" test -s "$W/dom.html"
ok "without console errors" sh -c "! grep -E 'CONSOLE|Uncaught|Refused to' '$W/chrome.err'"
is "$(grep -o '<rect class="bar [a-z]*"' "$W/dom.html" | sort | tr '\n' ' ')" \
    '<rect class="bar embargoed" <rect class="bar new" <rect class="bar public" ' \
    "the timeline has one bar per advisory, by state"
is "$(grep -c '<g class="advisory" data-id="XSA-40[012]"' "$W/dom.html")" 3 "and a row for each"
is "$(grep -c 'id="today"' "$W/dom.html")" 1 "and today's line"
like "$(grep -o '<path class="mark extension"' "$W/dom.html")" extension "the extension is marked"
# Each post's failed and skipped copy: XSA-400, XSA-401 and its release.
is "$(grep -c '<tr class="undelivered">' "$W/dom.html")" 6 "the failed and the skipped copies stand out"
is "$(grep -c '<tr class="undelivered">.*<td>skipped</td>' "$W/dom.html")" 3 "each with its state"

chrome "$W/report.html" --window-size=1100,500 --screenshot="$W/shot.png" >/dev/null
ok "Chromium renders a screenshot" test -s "$W/shot.png"
# colors PNG RGB...: how many pixels of each color a PNG has (8-bit RGB or
# RGBA, not interlaced: what Chromium writes), decoded here with zlib.
cat >"$W/colors.py" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype, _, _, lace = struct.unpack('>IIBBBBB', body)
        assert depth == 8 and ctype in (2, 6) and lace == 0, 'unexpected PNG'
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pred = [0, a, b, (a + b) // 2,
                a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c][f]
        line[i] = (line[i] + pred) & 0xff
    rows.append(line)
    prev = line
want = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in sys.argv[2:]]
count = dict.fromkeys(want, 0)
for line in rows:
    for x in range(0, stride, bpp):
        px = tuple(line[x:x + 3])
        if px in count:
            count[px] += 1
print(' '.join(str(count[c]) for c in want))
EOF
# embargoed bar, public bar, held bar, today's line (report_html.c's colors)
px=$(python3 "$W/colors.py" "$W/shot.png" e67e22 27ae60 95a5a6 ff0000)
set -- $px
ok "the screenshot shows the embargoed bar ($1 pixels)" test "${1:-0}" -gt 500
ok "the released one ($2 pixels)" test "${2:-0}" -gt 20
ok "the held one ($3 pixels)" test "${3:-0}" -gt 20
ok "and today's line ($4 pixels)" test "${4:-0}" -gt 100
fails 1 "the pixel check can fail: a color that is not there" \
    sh -c "test \$(python3 '$W/colors.py' '$W/shot.png' 123456) -gt 0"

done_testing
