# tests/e2e/daemon.sh: listd -f in the background, for the tests that need
# the daemon (sourced by lib.sh).  Whatever a test starts in the background
# it registers with bg_add; world.sh's cleanup kills it at exit, before the
# world is removed.

BG=
bg_add() { BG="$BG $1"; }

NSTART=0
LISTD_PID=
LOG=
# start_listd [CONF]: listd -f on CONF (default $CONF) logging to a new
# $W/listd.N.log ($LOG); waits (bounded) until it listens.
start_listd() {
	NSTART=$((NSTART + 1))
	LOG="$W/listd.$NSTART.log"
	"$LISTD" -c "${1:-$CONF}" -f >"$LOG" 2>&1 &
	LISTD_PID=$!
	bg_add $LISTD_PID
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q "listening on" "$LOG" && return 0
		kill -0 $LISTD_PID 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -9 $LISTD_PID 2>/dev/null
	wait $LISTD_PID 2>/dev/null
	return 1
}
# gone PID SECONDS: waits (bounded) until PID has exited.
gone() {
	_i=0
	while [ $_i -lt $(($2 * 10)) ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# refused_listd CONF: listd -f on CONF, one that should refuse to start;
# waits (bounded: killed after 10 seconds) for it to exit, its errors in
# $W/err; returns its exit status.
refused_listd() {
	"$LISTD" -c "$1" -f 2>"$W/err" >/dev/null &
	_rl=$!
	bg_add $_rl
	gone $_rl 10 || kill -9 $_rl
	wait $_rl
}
STATUS=
# stop_listd: SIGTERM; sets STATUS to listd's exit status ("timeout" when
# it did not exit within 40 seconds, then it is killed).
stop_listd() {
	kill -TERM $LISTD_PID
	if gone $LISTD_PID 40; then
		wait $LISTD_PID
		STATUS=$?
	else
		kill -9 $LISTD_PID
		STATUS=timeout
	fi
}
# waitfor FILE PATTERN SECONDS: waits (bounded) until FILE has a line
# matching PATTERN (grep).
waitfor() {
	_i=0
	while [ $_i -lt $(($3 * 10)) ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# use_lmtp: listd (-f) takes LMTP on $SOCK ($W/lmtp.sock); lmtp [CLIENT
# OPTIONS] RCPT... < MESSAGE talks to it (tests/lmtp-client).
LMTPC="$top_builddir/tests/lmtp-client"
use_lmtp() {
	SOCK="$W/lmtp.sock"
	echo "lmtp-listen = \"unix:$SOCK\"" >>"$CONF"
}
lmtp() { "$LMTPC" "unix:$SOCK" "$@"; }
