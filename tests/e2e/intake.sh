#!/bin/sh
# Intake: LMTP (listd) and the pipe (listctl inject).  A message is
# acknowledged only once it is committed to the store; what is refused
# stores nothing; many clients at once do not block each other; the signals
# do what listd(8) says.  Network: unix sockets and 127.0.0.1 only.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
LMTPC="$top_builddir/tests/lmtp-client"
[ -x "$LMTPC" ] || skip_all "tests/lmtp-client not built"
command -v mdb_stat >/dev/null 2>&1 && command -v mdb_dump >/dev/null 2>&1 ||
    skip_all "mdb_stat and mdb_dump not installed (Debian: lmdb-utils)"

SOCK="$W/lmtp.sock"
BASE_CONF=$(cat "$CONF")
set_conf() {	# set_conf [FILE] LINE...: the base configuration plus LINEs
	_f=$CONF
	case ${1:-} in /*) _f=$1; shift ;; esac
	printf '%s\n' "$BASE_CONF" "$@" >"$_f"
}
set_conf "lmtp-listen = \"unix:$SOCK\""

# ---- the store -------------------------------------------------------------

entries() {	# entries DB: records in a database of the store
	mdb_stat -s "$1" "$DATA/store" 2>/dev/null | awk '/Entries:/ { print $2 }'
}
nmsg() { entries messages; }
hex() { od -An -v -tx1 | tr -d ' \n'; }
stored_hex() {	# stored_hex ID: the bytes stored under ID, in hex
	_k=$(printf '%s' "$1" | hex)
	mdb_dump -s messages "$DATA/store" |
	    awk -v k=" $_k" 'f { print substr($0, 2); exit } $0 == k { f = 1 }'
}
stored() { [ -n "$(stored_hex "$1")" ]; }
# unsealed_hex ID LIST: the message under ID as it came, opened with the
# list's key, in hex.
unsealed_hex() {
	stored_hex "$1" | perl -ne 'chomp; print pack("H*", $_)' |
	    gpg --homedir "$(list_home "$2")" --batch --decrypt 2>/dev/null | hex
}
# accounted ID: waiting in the inbox, or decided (held or for distribution).
accounted() {
	for _db in inbox held posts; do
		mdb_dump -p -s $_db "$DATA/store" | grep -q -- "$1" && return 0
	done
	return 1
}
ids() { sed -n 's/^250 2\.0\.0 \([^ ]*\) .*/\1/p'; }

# ---- lists and messages ------------------------------------------------------

L=intake@lists.example.org
S=small@lists.example.org
sed 's/^name = .*/name = "small"/; s/max-message-size = .*/max-message-size = 2000/' \
    "$top_srcdir/policy/xen.conf" >"$W/small.conf"
lc list create $L --policy xen >/dev/null &&
    lc list create $S --policy "$W/small.conf" >/dev/null ||
    { echo "Bail out! list create"; exit 1; }

CANARY_SUBJECT=embargoed-subject-canary-5d1f
CANARY_BODY=embargoed-body-canary-a07c
{
	printf 'From: alice@xenproject.example\r\nTo: %s\r\n' $L
	printf 'Subject: %s\r\n\r\n' $CANARY_SUBJECT
	printf '%s\r\n.a line with a leading dot\r\n..two dots\r\n.\r\nend\r\n' $CANARY_BODY
} >"$W/m.eml"
big() {	# big BYTES: a message of that size
	{ printf 'From: alice@xenproject.example\nSubject: big\n\n'; head -c "$1" /dev/zero |
	    tr '\0' x | fold -w 76; } | head -c "$1"
}
big 3000 >"$W/3k.eml"
{ printf 'Subject: long line\n\n'; head -c 3000 /dev/zero | tr '\0' y; printf '\n'; } \
    >"$W/longline.eml"

lmtp() { "$LMTPC" "unix:$SOCK" "$@"; }

# ---- -n and --once -----------------------------------------------------------

ok "listd -n accepts a good configuration" "$LISTD" -c "$CONF" -n
printf 'datadir = "%s"\nno-such-setting = 1\n' "$DATA" >"$W/bad.conf"
"$LISTD" -c "$W/bad.conf" -n 2>"$W/err"
is $? 1 "listd -n refuses a bad one"
is "$(wc -l <"$W/err" | tr -d ' ')" 1 "with one line"
like "$(cat "$W/err")" "^listd: .*bad.conf:2" "naming the file and the line"
set_conf "$W/remote.conf" 'lmtp-listen = "0.0.0.0:2424"'
"$LISTD" -c "$W/remote.conf" -n 2>"$W/err"
is $? 1 "listd -n refuses a non-loopback lmtp-listen"
like "$(cat "$W/err")" "not a loopback address.*no authentication" "and says why"
mkdir "$W/broken"
: >"$W/broken/store"
printf 'datadir = "%s"\npolicy-dir = "%s"\n' "$W/broken" "$top_srcdir/policy" >"$W/broken.conf"
fails 1 "listd -n refuses a store that does not open" "$LISTD" -c "$W/broken.conf" -n
ok "listd --once returns 0 on an empty inbox" "$LISTD" -c "$CONF" --once

# ---- LMTP on a unix socket ---------------------------------------------------

start_listd
is $? 0 "listd -f listens on a unix socket"
is "$(stat -c %a "$SOCK")" 660 "the socket is mode 0660"

n0=$(nmsg)
out=$(lmtp $L <"$W/m.eml")
is $? 0 "a message to a list is accepted"
id=$(printf '%s\n' "$out" | ids)
like "$out" "^250 2\.0\.0 [0-9TZ]+-[0-9a-f]{8} <$L>" "with 250 2.0.0 and its id"
ok "the acknowledged message is in the store" stored "$id"
is "$(nmsg)" $((n0 + 1)) "exactly one message is stored"
is "$(unsealed_hex "$id" $L)" "$(hex <"$W/m.eml")" \
    "byte for byte as sent, CRLF kept, dot-stuffing undone"
ok "it is sealed: neither its subject nor its body is in the store's file" sh -c \
    "! grep -a -q -e $CANARY_SUBJECT -e $CANARY_BODY '$DATA/store/data.mdb'"
ok "and it is in the inbox or already decided" accounted "$id"

n0=$(nmsg)
out=$(lmtp nosuch@lists.example.org <"$W/m.eml")
is $? 2 "a message to an unknown list is refused"
like "$out" "^550 5\.1\.1 <nosuch@lists.example.org>" "with 550 5.1.1"
is "$(nmsg)" $n0 "and nothing is stored"

out=$(lmtp $S <"$W/3k.eml")
is $? 2 "a message over the list's limit is refused"
like "$out" "^552 5\.3\.4 <$S>: message exceeds the list's limit of 2000" \
    "with 552 5.3.4 after DATA"
is "$(nmsg)" $n0 "and nothing is stored"
out=$(lmtp --size-hint 3000 $S <"$W/3k.eml")
is $? 2 "an announced SIZE over the limit is refused"
like "$out" "^552 5\.3\.4 <$S>: message size exceeds" "at RCPT"
is "$(nmsg)" $n0 "and nothing is stored"
big 5000000 | lmtp $S >/dev/null
is $? 2 "5 MB to a 2000-byte list is read to its end and refused"
is "$(nmsg)" $n0 "and nothing is stored"

out=$(lmtp $L <"$W/longline.eml")
is $? 0 "a DATA line of 3000 bytes is fine within the limit"

n0=$(nmsg)
out=$(lmtp $S nosuch@lists.example.org <"$W/m.eml")
is $? 2 "one known and one unknown recipient"
is "$(printf '%s\n' "$out" | grep -E '^(250 2\.1\.5|550)' | cut -c1-3 | tr '\n' ' ')" \
    "250 550 " "get 250 and 550 at RCPT"
is "$(printf '%s\n' "$out" | ids | wc -l | tr -d ' ')" 1 "and one 250 after DATA"
is "$(nmsg)" $((n0 + 1)) "one message is stored"

n0=$(nmsg)
out=$(lmtp $L $S <"$W/3k.eml")
is "$(printf '%s\n' "$out" | sed -n '/^354/,$p' | cut -d' ' -f1,2 | tr '\n' ' ')" \
    "354 Send 250 2.0.0 552 5.3.4 221 2.0.0 " \
    "each recipient gets its own reply after DATA, by its own limit"
is "$(nmsg)" $((n0 + 1)) "only the accepted copy is stored"

n0=$(nmsg)
out=$(lmtp --pipelining $L $S <"$W/m.eml")
is $? 0 "a pipelined transaction to two lists"
is "$(printf '%s\n' "$out" | ids | sort -u | wc -l | tr -d ' ')" 2 "gets two ids"
is "$(nmsg)" $((n0 + 2)) "and stores two messages"

# The command set, pipelined in one write.
long=$(head -c 1200 /dev/zero | tr '\0' z)
out=$(printf 'HELO x\r\nMAIL FROM:<>\r\nLHLO test\r\nVRFY root\r\nFROB\r\nRCPT TO:<%s>\r\nDATA\r\nNOOP %s\r\nNOOP\r\nMAIL FROM:<> SIZE=10 BODY=8BITMIME\r\nMAIL FROM:<>\r\nRCPT TO:<%s> NOTIFY=NEVER\r\nRCPT TO:<not an address>\r\nDATA\r\nRSET\r\nMAIL FROM:<x@y> AUTH=<>\r\nQUIT\r\n' \
    $L "$long" $L | lmtp --raw)
is "$(printf '%s\n' "$out" | grep -v -e '^220 ' -e '^250-' | cut -d' ' -f1,2 | tr '\n' ' ')" \
    "500 5.5.2 503 5.5.1 250 SIZE 252 2.5.0 500 5.5.2 503 5.5.1 503 5.5.1 500 5.5.2 250 2.0.0 250 2.1.0 503 5.5.1 555 5.5.4 501 5.1.3 503 5.5.1 250 2.0.0 555 5.5.4 221 2.0.0 " \
    "HELO 500, LHLO first, VRFY 252, unknown 500, sequence 503, long line 500, NOOP, RSET, parameters 555, QUIT 221"
like "$out" "^250-PIPELINING" "LHLO offers PIPELINING"
like "$out" "^250-ENHANCEDSTATUSCODES" "and ENHANCEDSTATUSCODES"
like "$out" "^250-8BITMIME" "and 8BITMIME"

n0=$(nmsg)
out=$(printf 'LHLO t\r\nMAIL FROM:<>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: one\r\n\r\n..x\r\n.\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: two\n\nbare LF\n.\nQUIT\r\n' \
    $L $L | lmtp --raw)
is "$(printf '%s\n' "$out" | ids | sort -u | wc -l | tr -d ' ')" 2 \
    "two transactions on one connection, sent in one go, get two ids"
is "$(nmsg)" $((n0 + 2)) "and store two messages"
id2=$(printf '%s\n' "$out" | ids | tail -n 1)
is "$(unsealed_hex "$id2" $L)" "$(printf 'Subject: two\n\nbare LF\n' | hex)" \
    "a message with bare LF line ends is stored as it came"

{
	printf 'LHLO test\r\nMAIL FROM:<>\r\n'
	i=0
	while [ $i -lt 101 ]; do printf 'RCPT TO:<%s>\r\n' $L; i=$((i + 1)); done
	printf 'RSET\r\nQUIT\r\n'
} >"$W/rcpts"
out=$(lmtp --raw <"$W/rcpts")
is "$(printf '%s\n' "$out" | grep -c '^250 2\.1\.5')" 100 "100 recipients are accepted"
like "$out" "^452 4\.5\.3" "the 101st gets 452 4.5.3"

# ---- many clients ------------------------------------------------------------

n0=$(nmsg)
pids=
i=1
while [ $i -le 20 ]; do
	"$LMTPC" "unix:$SOCK" $L <"$W/m.eml" >"$W/c.$i" 2>&1 &
	pids="$pids $!"
	bg_add $!
	i=$((i + 1))
done
fail=0
for p in $pids; do wait $p || fail=$((fail + 1)); done
is $fail 0 "20 clients at once all get 250"
cat "$W"/c.* | ids | sort -u >"$W/ids"
is "$(wc -l <"$W/ids" | tr -d ' ')" 20 "with 20 different ids"
is "$(nmsg)" $((n0 + 20)) "and 20 messages are stored"
missing=0
while read -r i; do stored "$i" || missing=$((missing + 1)); done <"$W/ids"
is $missing 0 "each under its id"

# A client that stalls before the final dot blocks nobody.
"$LMTPC" "unix:$SOCK" --pause-before-dot 4 $L <"$W/m.eml" >"$W/slow" 2>&1 &
slow=$!
bg_add $slow
waitfor "$W/slow" '^354' 10
lmtp $L <"$W/m.eml" >/dev/null
is $? 0 "another client is served while one stalls in DATA"
ok "while the stalled one is still in DATA" kill -0 $slow
wait $slow
is $? 0 "and the stalled one gets its 250 when it ends"

# The connection limit: 64; a 65th takes the slot of the one idle longest
# (peers.sh has the clients that hold slots on purpose).
sleep 0.5
pids=
i=1
while [ $i -le 64 ]; do
	"$LMTPC" "unix:$SOCK" --pause-before-dot 5 $L <"$W/m.eml" >"$W/p.$i" 2>&1 &
	pids="$pids $!"
	bg_add $!
	i=$((i + 1))
done
i=1
while [ $i -le 64 ]; do waitfor "$W/p.$i" '^354' 15 || break; i=$((i + 1)); done
out=$(lmtp $L <"$W/m.eml")
is $? 0 "a 65th client is served while 64 wait in DATA"
fail=0
for p in $pids; do wait $p || fail=$((fail + 1)); done
is $fail 1 "one of the 64 made room for it"
is "$(grep -l '^421 4\.3\.2 Too many connections' "$W"/p.* | wc -l | tr -d ' ')" 1 \
    "and was told 421 4.3.2"

# ---- SIGHUP, a second listd, inject ------------------------------------------

kill -HUP $LISTD_PID
waitfor "$LOG" "reloaded" 10
ok "SIGHUP reloads listd.conf" grep -q "reloaded $CONF" "$LOG"
ok "and listd keeps serving" sh -c "'$LMTPC' 'unix:$SOCK' $L <'$W/m.eml'"
cp "$CONF" "$W/good.conf"
echo 'workers = -1' >>"$CONF"
kill -HUP $LISTD_PID
waitfor "$LOG" "keeping the configuration" 10
like "$(cat "$LOG")" "reload: .*workers.*keeping the configuration in use" \
    "a bad listd.conf on SIGHUP is reported and the old one kept"
ok "and listd keeps serving" sh -c "'$LMTPC' 'unix:$SOCK' $L <'$W/m.eml'"
set_conf "lmtp-listen = \"unix:$W/other.sock\""
kill -HUP $LISTD_PID
waitfor "$LOG" "lmtp-listen changed" 10
like "$(cat "$LOG")" "lmtp-listen changed .* takes effect when listd is restarted" \
    "a new lmtp-listen is left for a restart, and the log says so"
ok "and listd keeps serving on the old socket" sh -c "'$LMTPC' 'unix:$SOCK' $L <'$W/m.eml'"
cp "$W/good.conf" "$CONF"

refused_listd "$CONF"
is $? 1 "a second listd on the same socket is refused"
like "$(cat "$W/err")" "answers on this socket" "and says why"

n0=$(nmsg)
lc inject $L <"$W/m.eml"
is $? 0 "listctl inject: 0 for a stored message"
is "$(nmsg)" $((n0 + 1)) "which is in the store"
fails 67 "listctl inject: 67 (EX_NOUSER) for an unknown list" \
    lc inject nosuch@lists.example.org <"$W/m.eml"
fails 65 "listctl inject: 65 (EX_DATAERR) over the list's limit" lc inject $S <"$W/3k.eml"
is "$(nmsg)" $((n0 + 1)) "and neither refusal stores anything"

# listctl inject while listd runs: handed over its LMTP socket (handover.h),
# byte for byte; one not ending in a line end is committed by listctl.
printf 'From: alice@xenproject.example\nSubject: dots\n\n.\n..two\r\n.\rx\nend\n' >"$W/dots.eml"
n0=$(nmsg)
lc inject --sender bob@example.org $L <"$W/dots.eml"
is $? 0 "listctl inject while listd runs: 0"
id=$(sed -n 's/.*event=intake id=\([^ ]*\) .*sender=bob@example.org via=lmtp peer="unix pid .*/\1/p' "$LOG" | tail -1)
ok "listd took it over its LMTP socket, with the sender" test -n "$id"
is "$(unsealed_hex "$id" $L)" "$(hex <"$W/dots.eml")" \
    "byte for byte: dots, a lone dot, CR LF and a bare CR"
printf 'Subject: no line end\n\nlast line' >"$W/noeol.eml"
lc inject $L <"$W/noeol.eml"
is $? 0 "a message without a line end at its end: 0"
is "$(nmsg)" $((n0 + 2)) "committed by listctl itself (LMTP would add one)"
lc inject --sender 'odd>sender@example.org' $L <"$W/dots.eml"
is $? 0 "a sender that LMTP's MAIL FROM cannot carry: 0"
is "$(nmsg)" $((n0 + 3)) "committed by listctl itself, as before"
ok "listd runs it from the store" waitfor "$LOG" \
    "event=intake id=[^ ]* list=$L to=post size=[0-9]* sender=<> via=inject" 30
fails 75 "listctl inject: 75 (EX_TEMPFAIL) when the store does not open" \
    "$LISTCTL" -c "$W/broken.conf" inject $L <"$W/m.eml"
if [ "$(id -u)" -eq 0 ]; then
	skip "an unreadable store (root ignores permissions)"
else
	printf 'datadir = "%s"\npolicy-dir = "%s"\n' "$W/ro" "$top_srcdir/policy" >"$W/ro.conf"
	"$LISTCTL" -c "$W/ro.conf" list ls >/dev/null 2>&1
	chmod 000 "$W/ro/store"
	fails 75 "listctl inject: 75 when the store is unreadable" \
	    "$LISTCTL" -c "$W/ro.conf" inject $L <"$W/m.eml"
	chmod 700 "$W/ro/store"
fi

# ---- SIGTERM in the middle of a transaction ----------------------------------

"$LMTPC" "unix:$SOCK" --pause-before-dot 3 $L <"$W/m.eml" >"$W/inflight" 2>&1 &
inflight=$!
bg_add $inflight
waitfor "$W/inflight" '^354' 10
stop_listd
is "$STATUS" 0 "SIGTERM with a client in DATA: listd exits 0 in time"
wait $inflight
is $? 0 "after the transaction in flight got its 250"
ok "the socket is removed" test ! -e "$SOCK"
fails 3 "and nobody answers any more" lmtp $L <"$W/m.eml"

# ---- kill -9 right after an acknowledgement ----------------------------------

start_listd
out=$(lmtp $L <"$W/m.eml")
kill -9 $LISTD_PID
wait $LISTD_PID 2>/dev/null
id=$(printf '%s\n' "$out" | ids)
like "$out" "^250 2\.0\.0" "a message acknowledged just before kill -9"
ok "is in the store" stored "$id"
ok "waiting in the inbox or already decided" accounted "$id"
ok "the dead listd left its socket" test -S "$SOCK"
n0=$(nmsg)
lc inject $L <"$W/m.eml"
is $? 0 "listctl inject with a dead listd's sockets left: 0"
is "$(nmsg)" $((n0 + 1)) "committed by listctl itself"
start_listd
is $? 0 "a restart replaces the stale socket"
like "$(cat "$LOG")" "removed the stale socket" "and says so"
i=0
while [ $i -lt 100 ] && [ "$(entries inbox)" != 0 ]; do sleep 0.1; i=$((i + 1)); done
is "$(entries inbox)" 0 "after the restart the inbox is worked off"
ok "and the message is still accounted for" accounted "$id"
stop_listd
is "$STATUS" 0 "SIGTERM: exit 0"

# ---- a commit that fails is not acknowledged ---------------------------------

set_conf "$W/full.conf" "lmtp-listen = \"unix:$SOCK\"" "store-map-size = 1"
# Random bytes: the seal compresses, and this must not fit when sealed.
{ printf 'From: alice@xenproject.example\nSubject: big\n\n'
  head -c 6000000 /dev/urandom | base64; } | head -c 8000000 >"$W/8m.eml"
start_listd "$W/full.conf"
n0=$(nmsg)
out=$(lmtp $L <"$W/8m.eml")
is $? 1 "a message the store cannot take (map full) gets a temporary failure"
like "$out" "^451 4\.3\.0 <$L>" "451 4.3.0 after DATA, no 250"
like "$(cat "$LOG")" "451 4\.3\.0.*store-map-size" "the log names the setting"
is "$(nmsg)" $n0 "and nothing is stored"
fails 75 "listctl inject: 75 when the commit fails" \
    "$LISTCTL" -c "$W/full.conf" inject $L <"$W/8m.eml"
stop_listd
is "$STATUS" 0 "SIGTERM: exit 0"

# ---- LMTP on 127.0.0.1 -------------------------------------------------------

port_tries=0
while [ $port_tries -lt 10 ]; do
	PORT=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000))
	set_conf "$W/tcp.conf" "lmtp-listen = \"127.0.0.1:$PORT\""
	start_listd "$W/tcp.conf" && break
	port_tries=$((port_tries + 1))
done
if [ $port_tries -lt 10 ]; then
	n0=$(nmsg)
	out=$("$LMTPC" 127.0.0.1:$PORT $L <"$W/m.eml")
	is $? 0 "LMTP on 127.0.0.1:$PORT: a message is accepted"
	ok "and stored" stored "$(printf '%s\n' "$out" | ids)"
	out=$("$LMTPC" 127.0.0.1:$PORT nosuch@lists.example.org <"$W/m.eml")
	is $? 2 "an unknown list is refused over TCP too"
	is "$(nmsg)" $((n0 + 1)) "and nothing more is stored"
	stop_listd
is "$STATUS" 0 "SIGTERM: exit 0"
else
	for t in 1 2 3 4 5; do skip "no free loopback port found"; done
fi
"$LISTD" -c "$W/remote.conf" -f 2>"$W/err" >/dev/null
is $? 1 "listd does not listen on a non-loopback address"

# ---- as a daemon -------------------------------------------------------------

daemon_pid() {	# the detached listd started with configuration $1
	for _p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' <"$_p/cmdline" 2>/dev/null)" = "$LISTD -c $1 " ] &&
		    { echo "${_p#/proc/}"; return 0; }
	done
	return 1
}
"$LISTD" -c "$CONF"
is $? 0 "without -f listd detaches once it listens"
dpid=$(daemon_pid "$CONF")
bg_add "$dpid"
ok "and serves" sh -c "'$LMTPC' 'unix:$SOCK' $L <'$W/m.eml'"
kill -TERM "$dpid"
ok "and stops on SIGTERM" gone "$dpid" 40
set_conf "$W/nodir.conf" "lmtp-listen = \"unix:$W/no/such/dir/lmtp.sock\""
"$LISTD" -c "$W/nodir.conf" 2>"$W/err"
is $? 1 "a daemon that cannot listen exits 1 on the terminal"
like "$(cat "$W/err")" "^listd: lmtp-listen unix:$W/no/such/dir/lmtp.sock: the folder $W/no/such/dir does not exist: create it" \
    "with the reason and the fix"

# ---- the end -----------------------------------------------------------------

ok "listd --once works off the inbox and returns 0" "$LISTD" -c "$CONF" --once
is "$(entries inbox)" 0 "the inbox is empty"
unlike "$(cat "$W"/listd.*.log)" "$CANARY_SUBJECT|$CANARY_BODY" \
    "no subject or body in listd's log"
like "$(cat "$W"/listd.*.log)" "event=intake id=$id list=$L to=post size=[0-9]+ .*via=lmtp" \
    "the log has message ids, lists and replies"

done_testing
