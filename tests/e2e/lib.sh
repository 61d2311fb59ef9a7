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

# Skips the whole script unless listd, the LMTP client and the SMTP sink
# are built.
need_daemon_parts() {
	[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
	[ -x "$LMTPC" ] || skip_all "tests/lmtp-client not built"
	[ -x "$top_builddir/tests/smtp-sink" ] ||
	    skip_all "smtp-sink not built"
}
