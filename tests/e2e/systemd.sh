#!/bin/sh
# The systemd files make install puts in place: systemd-analyze verify
# accepts the unit (with ExecStart pointing at the listd built here), the
# unit runs listd as the service user with Type=notify and the hardening
# options, systemd-sysusers takes the user file, and listd tells
# NOTIFY_SOCKET it is ready and when it stops.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
UNIT="$top_builddir/contrib/systemd/pdlist.service"
[ -f "$UNIT" ] || skip_all "contrib/systemd/pdlist.service not made"
command -v systemd-analyze >/dev/null 2>&1 ||
    skip_all "systemd-analyze not installed (apt-get install systemd)"

sbindir=$(sed -n 's|^ExecStart=\(.*\)/listd -f$|\1|p' "$UNIT")
ok "the unit starts listd -f from sbindir ($sbindir)" test -n "$sbindir"
sed "s|$sbindir/listd|$LISTD|" "$UNIT" >"$W/pdlist.service"
out=$(systemd-analyze verify --man=no "$W/pdlist.service" 2>&1)
is $? 0 "systemd-analyze verify accepts the unit"
is "$out" "" "without a warning"
for line in Type=notify "User=$(sed -n 's/^u \([^ ]*\) .*/\1/p' \
    "$top_builddir/contrib/systemd/sysusers.conf")" ProtectSystem=strict \
    PrivateTmp=yes NoNewPrivileges=yes StateDirectory=pdlist \
    RuntimeDirectory=pdlist "ExecStartPre=$sbindir/listd -n"; do
	ok "the unit says $line" grep -qx "$line" "$UNIT"
done
if systemd-sysusers --help 2>/dev/null | grep -q -- --dry-run; then
	out=$(systemd-sysusers --dry-run "$top_builddir/contrib/systemd/sysusers.conf" 2>&1)
	is $? 0 "systemd-sysusers takes the user file (dry run)"
else
	skip "systemd-sysusers has no --dry-run"
fi
like "$(cat "$top_builddir/contrib/systemd/tmpfiles.conf")" \
    "^d [^ ]*/lib/pdlist 0700 " "tmpfiles.d makes the datadir 0700"

# sd_notify(3): READY=1 once listening, STOPPING=1 at SIGTERM.
if command -v python3 >/dev/null 2>&1; then
	echo "lmtp-listen = \"unix:$W/lmtp.sock\"" >>"$CONF"
	out=$(NOTIFY_SOCKET="$W/notify" timeout 60 python3 -c '
import os, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(os.environ["NOTIFY_SOCKET"]); s.settimeout(20)
p = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL)
print(s.recv(64).decode()); p.terminate(); print(s.recv(64).decode())
print("exit", p.wait())' "$LISTD" -f -c "$CONF")
	is "$(echo $out)" "READY=1 STOPPING=1 exit 0" \
	    "listd -f tells NOTIFY_SOCKET READY=1, then STOPPING=1 at SIGTERM"
else
	skip "sd_notify: python3 not installed to listen for it"
fi

done_testing
