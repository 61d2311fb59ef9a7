#!/bin/sh
# The files make install puts in place: the man pages, the example
# configuration and the systemd files name the configured paths;
# systemd-analyze verify accepts the unit (with ExecStart pointing at the
# listd built here), which runs listd as the service user with Type=notify
# and the hardening options; systemd-sysusers takes the user file; and
# listd tells NOTIFY_SOCKET it is ready and when it stops.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
UNIT="$top_builddir/contrib/systemd/pdlist.service"
[ -f "$UNIT" ] || skip_all "contrib/systemd/pdlist.service not made"

sbindir=$(sed -n 's|^ExecStart=\(.*\)/listd -f$|\1|p' "$UNIT")
ok "the unit starts listd -f from sbindir ($sbindir)" test -n "$sbindir"
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|$sbindir/listd|$LISTD|" "$UNIT" >"$W/pdlist.service"
	out=$(systemd-analyze verify --man=no "$W/pdlist.service" 2>&1)
	is $? 0 "systemd-analyze verify accepts the unit"
	is "$out" "" "without a warning"
else
	skip "systemd-analyze not installed (apt-get install systemd)"
fi
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

# Every file made from a .in names the configured paths, no placeholder.
for f in doc/listd.8 doc/listd.conf.5 doc/pdlist-policy.5 doc/pdlist-mta.7 \
    contrib/listd.conf contrib/systemd/pdlist.service \
    contrib/systemd/sysusers.conf contrib/systemd/tmpfiles.conf; do
	unlike "$(cat "$top_builddir/$f" 2>&1)" '@[A-Za-z_]+@|No such file' \
	    "$f: made, every @name@ replaced"
done
datadir=$(sed -n 's|^datadir = "\(.*\)"$|\1|p' "$top_builddir/contrib/listd.conf")
like "$(cat "$top_builddir/contrib/systemd/tmpfiles.conf")" "^d $datadir 0700 " \
    "the example configuration and tmpfiles.d name the same datadir ($datadir)"
like "$(cat "$top_builddir/doc/listd.conf.5")" "^\.IR $datadir \.\$" \
    "and so does listd.conf(5)"

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
