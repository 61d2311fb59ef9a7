#!/bin/sh
# The daemon's doorbell (listd/wake.h): a message that listctl inject
# commits itself while listd runs (listd's LMTP socket does not answer it)
# rings DATADIR/wake after its commit, and the daemon processes and
# delivers it at once instead of at its next poll; so does any other
# command that commits.  A message listd takes over LMTP itself, from the
# MTA or from listctl inject (listd/handover.h), is handed to its
# processing in memory (listd/handoff.h), not unsealed again; one that
# another process committed is unsealed from the store.  listd's own
# commits ring nobody; the socket goes with a SIGTERM; a second listd on
# the same datadir is refused.  Network: unix sockets and 127.0.0.1 only.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team || { echo "Bail out! list"; exit 1; }
add_vendors $L 2 || { echo "Bail out! members"; exit 1; }
printf 'lmtp-listen = "unix:%s"\nverbose = true\n' "$W/lmtp.sock" >>"$CONF"
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
start_listd || { echo "Bail out! listd"; cat "$LOG"; exit 1; }
ok "listd listens on DATADIR/wake" test -S "$DATA/wake"

# copies N: waits (bounded) for the Nth copy to security@v2.example.
copies() {
	_i=0
	while [ "$(copies_to security@v2.example)" -lt "$1" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# rings N: waits (bounded) for listd's Nth wake by another process.
rings() {
	_i=0
	while [ "$(grep -c 'woken: another process committed' "$LOG")" -lt "$1" ] &&
	    [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# listctl with another lmtp-listen, where nobody answers: it commits itself.
sed 's|^lmtp-listen = .*|lmtp-listen = "unix:'"$W"'/nobody.sock"|' "$CONF" >"$W/pipe.conf"
advisory "$W/adv" XSA-9 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "rung" "$W/adv" >"$W/m.eml"
"$LISTCTL" -c "$W/pipe.conf" inject $L <"$W/m.eml"
is $? 0 "listctl inject commits a post itself when listd's socket does not answer"
ok "and rings the daemon" waitfor "$LOG" "woken: another process committed" 30
copies 1
is "$(copies_to security@v2.example)" 1 "and the post is delivered"
sleep 1
is "$(grep -c 'woken: another process committed' "$LOG")" 1 \
    "one ring, one wake: listd's own commits ring nobody"
is "$(grep -c 'handed over by intake' "$LOG")" 0 \
    "a message another process committed is unsealed from the store"

advisory "$W/adv2" XSA-10 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "handed" "$W/adv2" >"$W/m2.eml"
"$LMTPC" "unix:$W/lmtp.sock" --from alice@xenproject.example $L <"$W/m2.eml" >/dev/null
is $? 0 "a post over LMTP is taken"
copies 2
is "$(grep -c 'handed over by intake, not unsealed' "$LOG")" 1 \
    "listd's own intake hands the message to processing, not unsealed again"
is "$(copies_to security@v2.example)" 2 "and the post is delivered"
like "$(decrypted_for security@v2.example)" "XSA-10" \
    "its copy decrypts to the advisory"

advisory "$W/adv3" XSA-11 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "piped" "$W/adv3" >"$W/m3.eml"
lc inject $L <"$W/m3.eml"
is $? 0 "listctl inject with listd's own listd.conf"
copies 3
is "$(grep -c 'handed over by intake, not unsealed' "$LOG")" 2 \
    "hands the post to listd over its socket: not unsealed again either"
is "$(grep -c 'woken: another process committed' "$LOG")" 1 \
    "and rings nobody: listd committed it"
is "$(copies_to security@v2.example)" 3 "and the post is delivered"

# A listd.conf whose lmtp-listen is another listd's, on another datadir
# with a list of the same address: that listd does not name this datadir
# in LHLO, and is handed nothing.
printf 'datadir = "%s"\npolicy-dir = "%s"\nlmtp-listen = "unix:%s"\n' \
    "$W/data2" "$top_srcdir/policy" "$W/other2.sock" >"$W/other2.conf"
"$LISTCTL" -c "$W/other2.conf" list create $L --policy xen >/dev/null 2>&1 ||
    echo "# the other datadir's list was not made"
"$LISTD" -c "$W/other2.conf" -f -v >"$W/other2.log" 2>&1 &
OTHER=$!
bg_add $OTHER
waitfor "$W/other2.log" "listening on" 10
sed 's|^lmtp-listen = .*|lmtp-listen = "unix:'"$W"'/other2.sock"|' "$CONF" >"$W/cross.conf"
"$LISTCTL" -c "$W/cross.conf" inject $L <"$W/m3.eml"
is $? 0 "listctl inject with another datadir's listd on its socket: 0"
rings 2
is "$(grep -c 'woken: another process committed' "$LOG")" 2 \
    "committed by listctl itself, which rings its own listd"
is "$(grep -c 'connected' "$W/other2.log")" 1 \
    "the other listd was asked (one connection)"
is "$(grep -c 'event=intake' "$W/other2.log")" 0 \
    "and took nothing"
kill $OTHER

# A message held unread (oversize = hold) is not left in the handoff.
policy_set $L oversize hold
policy_set $L max-message-size 2000
{ cat "$W/m2.eml"; head -c 3000 /dev/zero | tr '\0' 'x'; echo; } >"$W/big.eml"
"$LMTPC" "unix:$W/lmtp.sock" --from alice@xenproject.example $L <"$W/big.eml" >/dev/null
is $? 0 "an oversize post over LMTP is taken (oversize = hold)"
ok "processing wipes its handoff, which it did not read" \
    waitfor "$LOG" "was not taken from intake's handoff: wiped" 30
like "$(lc held ls $L)" "limits" "and the post is held"

lc member suspend $L security@v1.example >/dev/null
rings 3
is "$(grep -c 'woken: another process committed' "$LOG")" 3 \
    "any command that commits rings it too (member suspend)"

printf 'datadir = "%s"\npolicy-dir = "%s"\nlmtp-listen = "unix:%s"\n' "$DATA" \
    "$top_srcdir/policy" "$W/other.sock" >"$W/other.conf"
refused_listd "$W/other.conf"
is $? 1 "a second listd on the same datadir is refused"
like "$(cat "$W/err")" "another listd uses this datadir" "and says why"
ok "and the first keeps its doorbell" test -S "$DATA/wake"

stop_listd
is "$STATUS" 0 "SIGTERM: listd exits 0"
ok "and its doorbell is gone" test ! -e "$DATA/wake"
lc inject $L <"$W/m.eml" >/dev/null 2>&1
is $? 0 "with no daemon, inject still succeeds (nobody to ring)"
stop_sink
done_testing
