#!/bin/sh
# A relay that takes DATA and never answers: an attempt costs the configured
# smtp-reply-timeout, not minutes; the copy is a temporary failure, retried
# with backoff, never held or failed, and delivered once the relay answers;
# the copies not yet tried wait for the next run instead of each waiting out
# the same relay.  Meanwhile the daemon processes other posts.  SIGTERM
# ends a listd stalled on such a relay, with LMTP clients connected, within
# 10 s.  Network: 127.0.0.1 and a unix socket.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
LMTPC="$top_builddir/tests/lmtp-client"
[ -x "$LMTPC" ] || skip_all "tests/lmtp-client not built"

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team admin@xenproject.example admin ||
    { echo "Bail out! list"; exit 1; }
N=6
add_vendors $L $N || { echo "Bail out! members"; exit 1; }
COPIES=$((N + 2))	# the members, the team poster, the admin
REPLY_TIMEOUT=3
cat >>"$CONF" <<EOF
retry-first = 1
workers = 2
smtp-connect-timeout = 2
smtp-reply-timeout = $REPLY_TIMEOUT
smtp-message-timeout = 30
EOF
set_setting() {	# set_setting NAME VALUE
	sed -i "/^$1 /d" "$CONF"
	echo "$1 = $2" >>"$CONF"
}
ms() { echo $(($(date +%s%N) / 1000000)); }
# copies_each K: how many of the COPIES recipients have exactly K copies.
copies_each() {
	_n=0
	for _a in alice@xenproject.example admin@xenproject.example $(i=1
	    while [ $i -le $N ]; do echo security@v$i.example; i=$((i + 1)); done); do
		[ "$(copies_to "$_a")" = "$1" ] && _n=$((_n + 1))
	done
	echo $_n
}

# ---- one run against the stalled relay -----------------------------------------
start_sink --stall-data 1000 || { echo "Bail out! smtp-sink"; exit 1; }
advisory "$W/adv1" XSA-1 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "stalled relay" \
    "$W/adv1" >"$W/p1.eml"
lc inject $L <"$W/p1.eml" >/dev/null
t0=$(ms)
listd_once >"$W/once.log" 2>&1
st=$?
t1=$(ms)
is $st 0 "listd --once against a relay that never answers DATA returns 0"
# listd --once runs until a run does nothing more: here two runs, the
# first of which also processed and encrypted the post.
runs=$(grep -c "the relay timed out; [0-9]* copies wait for the next run" "$W/once.log")
is "$runs" 2 "each of its two runs stopped delivering at the first timeout, saying so"
[ $((t1 - t0)) -lt $((runs * 10000)) ]
_result $? "in $((t1 - t0)) ms: a ${REPLY_TIMEOUT} s reply timeout per run, not minutes"
is "$(wc -l <"$SINK_DIR/stalled" | tr -d ' ')" $((runs * 2)) \
    "one copy per worker and run reached the relay"
# (Which copies the second run took depends on the clock: a copy whose
# one-second backoff has passed may be tried again.)
is "$(lc queue $L | awk -F'\t' '{ n += $4 } END { print n }')" $((runs * 2)) \
    "each attempt is counted against its copy"
is "$(lc queue $L | grep -cE '	(retry|ready)	')" $COPIES \
    "every copy waits, for a retry or for its first try"
like "$(lc queue $L | grep '	retry	')" "	retry	[0-9]+	.*(timeout|timed out)" \
    "those tried have the timeout as their last reply"
is "$(lc queue $L | grep -c '	failed	')" 0 "no copy failed"
is "$(lc held ls $L | wc -l | tr -d ' ')" 0 "nothing was held"

# ---- the relay answers again ------------------------------------------------------
stop_sink
start_sink
ok "once the relay answers, the retries deliver" until_done $L
is "$(copies_each 1)" $COPIES "each of the $COPIES recipients has exactly one copy"
like "$(lc audit $L)" "post delivered .* all sent" "the post is delivered"
stop_sink

# ---- SIGTERM while a copy is stalled and LMTP clients are connected -----------
# The reply timeout is long now: only the stop cuts the stalled copy off.
start_sink --stall-data 1000
set_setting smtp-reply-timeout 120
set_setting smtp-message-timeout 300
SOCK="$W/lmtp.sock"
set_setting lmtp-listen "\"unix:$SOCK\""
start_listd || { echo "Bail out! listd does not start"; exit 1; }
advisory "$W/adv2" XSA-2 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "stop" "$W/adv2" >"$W/p2.eml"
"$LMTPC" "unix:$SOCK" $L <"$W/p2.eml" >/dev/null
is $? 0 "a post comes in over LMTP"
waitfor "$SINK_DIR/stalled" . 60
_result $? "its copies stall at the relay"
# Processing has a thread of its own: a post that comes now is decided
# and encrypted while the relay still holds the first one's copies.
encrypted() { lc audit $L | grep -c 'post encrypt.*encrypted'; }
advisory "$W/adv3" XSA-3 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "meanwhile" \
    "$W/adv3" >"$W/p3.eml"
before=$(encrypted)
"$LMTPC" "unix:$SOCK" $L <"$W/p3.eml" >/dev/null
i=0
while [ "$(encrypted)" = "$before" ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
is "$(encrypted)" $((before + 1)) \
    "meanwhile another post is processed and encrypted, not held up by the relay"
is "$(wc -l <"$SINK_DIR/stalled" | tr -d ' ')" 2 "while the relay still holds the first copies"
printf 'LHLO a-client-that-takes-its-time.example\r\n' >"$W/cmd.in"
head -c 100 /dev/zero | tr '\0' t >"$W/body.in"
"$LMTPC" "unix:$SOCK" --raw --trickle 2000 <"$W/cmd.in" >"$W/idle.out" 2>&1 &
bg_add $!
"$LMTPC" "unix:$SOCK" --trickle 2000 $L <"$W/body.in" >"$W/data.out" 2>&1 &
bg_add $!
waitfor "$W/idle.out" '^220' 10 && waitfor "$W/data.out" '^354' 10
_result $? "one LMTP client idles, another trickles a message"
t0=$(ms)
kill -TERM $LISTD_PID
gone $LISTD_PID 30
t1=$(ms)
wait $LISTD_PID
is $? 0 "SIGTERM: listd exits 0"
[ $((t1 - t0)) -le 10000 ]
_result $? "within 10 s ($((t1 - t0)) ms)"
waitfor "$W/idle.out" '^421 4\.3\.2 Shutting down' 5
_result $? "the idle client was told 421"
waitfor "$W/data.out" '^421 4\.3\.2 Shutting down' 5
_result $? "and the one in DATA too, after its grace"
like "$(lc queue $L)" "	retry	1	.*given up: listd is stopping" \
    "the stalled copies were cut off, to be retried"
unlike "$(cat "$LOG")" "still running|still open" "nothing was left running"

# ---- after the restart, the cut copies go ----------------------------------------
stop_sink
start_sink
set_setting smtp-reply-timeout $REPLY_TIMEOUT
is "$(lc queue $L | grep -c '	failed	')" 0 "the cut copies did not fail"
ok "they are delivered once the relay answers" until_done $L
is "$(copies_each 3)" $COPIES "each recipient has three copies now: each post once"

done_testing
