# tests/e2e/lib.sh: what every end-to-end test sources.
#
# Each test gets TAP helpers (tap.sh), a private world of its own (world.sh:
# $W with its own GNUPGHOME, datadir and listd.conf, $LISTCTL and $LISTD,
# keys, lists and members, a loopback SMTP sink, all cleaned up at exit),
# listd in the background (daemon.sh) and
# mail made the way clients make it (mail.sh).  Tests write nowhere else.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"

. "$top_srcdir/tests/e2e/tap.sh"
. "$top_srcdir/tests/e2e/world.sh"
. "$top_srcdir/tests/e2e/daemon.sh"
. "$top_srcdir/tests/e2e/mail.sh"

# bail_out WHAT: a step of the set-up failed: the script cannot go on.
bail_out() {
	echo "Bail out! $*"
	exit 1
}

# need_listd: skips the whole script unless listd and the SMTP sink are
# built.
need_listd() {
	[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
	[ -x "$top_builddir/tests/smtp-sink" ] ||
	    skip_all "smtp-sink not built"
}

# need_daemon_parts: the same, and the LMTP client.
need_daemon_parts() {
	need_listd
	[ -x "$LMTPC" ] || skip_all "tests/lmtp-client not built"
}

# advisory_list: the list the advisory tests post to: $L under the xen
# profile with the public address $PUB, its key imported here, and $ALICE
# on its team; bails out when it cannot be made.  Members and the sink are
# the test's.
advisory_list() {
	L=xen-pre@lists.example.org
	PUB=xen-announce@lists.example.org
	ALICE=alice@xenproject.example
	lc list create $L --policy xen --public $PUB >/dev/null ||
	    bail_out "list create"
	import_list_key $L
	add_member $L $ALICE team || bail_out "team member $ALICE"
}
# post NAME ID REV [DAYS|none] [KEYWORDS...]: $ALICE posts a revision of an
# advisory to $L (post_advisory), and listd does what is due.
post() { post_advisory $ALICE $L "$@"; }

# vendor_list N: $L, sec@$D ($D lists.example.org), under the xen profile,
# with $T on its team, $A its admin and N vendors (add_vendors:
# security@v1.example...); a sink, and LMTP set up for listd -f (use_lmtp);
# bails out when any of it fails.
vendor_list() {
	D=lists.example.org
	L=sec@$D
	T=team@xen.example
	A=admin@xen.example
	new_list $L xen $T team $A admin || bail_out "list"
	add_vendors $L "$1" || bail_out "vendors"
	start_sink || bail_out "smtp-sink"
	use_lmtp
}

# record_json_valid FILE: FILE is an advisory record valid against
# doc/advisory-record.schema.json (python3-jsonschema).
record_json_valid() {
	python3 -c '
import json, jsonschema, sys
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	    "$1" "$top_srcdir/doc/advisory-record.schema.json"
}
# record_xml_valid FILE: FILE is valid against doc/advisory-record.xsd.
record_xml_valid() {
	xmllint --noout --schema "$top_srcdir/doc/advisory-record.xsd" "$1"
}
