#!/bin/sh
# Delivery under faults: a server that says 451 for a while, a recipient
# refused with 550, and listd killed with -9 in the middle of a fan-out to
# 100 members.  Every member ends with exactly one copy.  The 102 copies
# are more than one chunk of the jobs listd reads from the store at a time
# (64: prepare.c, deliver.c), so each case crosses a chunk's end.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team admin@xenproject.example admin ||
    bail_out list
printf 'retry-first = 1\nworkers = 4\n' >>"$CONF"
N=100
add_vendors $L $N
is "$(lc member ls $L | wc -l | tr -d ' ')" $((N + 2)) "$N members, a team poster and an admin"
for n in 1 2 3; do advisory "$W/adv$n" XSA-$n 1; done

# exactly_one: how many of the N members do not have exactly one copy.
exactly_one() {
	_bad=0 _i=1
	while [ $_i -le $N ]; do
		[ "$(copies_to security@v$_i.example)" = 1 ] || _bad=$((_bad + 1))
		_i=$((_i + 1))
	done
	echo $_bad
}

# ---- kill -9 in the middle of a fan-out to 100 members ---------------------------
# The sink accepts 40 copies, then hangs: listd's workers wait on it, with no
# copy accepted that the ledger does not know of, when listd is killed.
LMTP="$W/lmtp.sock"
echo "lmtp-listen = \"unix:$LMTP\"" >>"$CONF"
start_sink --freeze-after 40 || { echo "Bail out! smtp-sink"; exit 1; }
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "crash" "$W/adv1" >"$W/crash.eml"
"$LISTD" -f -c "$CONF" 2>"$W/listd.log" &
LISTD_PID=$!
lc inject $L <"$W/crash.eml"
i=0
while [ "$(cat "$W"/sink.*/log 2>/dev/null | wc -l)" -lt 40 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1	# the last accepted copies reach the ledger; the rest hang
kill -9 $LISTD_PID
wait $LISTD_PID 2>/dev/null
stop_sink
sent=$(cat "$W"/sink.*/log | wc -l | tr -d ' ')
ok "listd was killed in the middle of the fan-out ($sent copies out)" \
    test "$sent" -ge 40 -a "$sent" -lt $((N + 2))
start_sink
ok "a restart finishes the fan-out" until_done $L
is "$(exactly_one)" 0 "every one of the $N members has exactly one copy"
is "$(copies_to alice@xenproject.example)" 1 "and the team poster"
like "$(lc audit $L)" "post delivered .* all sent" "the post is delivered"
stop_sink

# ---- 451 for a while, then accepted --------------------------------------------------
# The server says 451 to every copy during the first run, then accepts.
start_sink --tempfail-first 1000000
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "tempfail" "$W/adv2" >"$W/t.eml"
before=$(cat "$W"/sink.*/log | wc -l)
lc inject $L <"$W/t.eml"
listd_once >/dev/null 2>&1
like "$(lc queue $L)" "	retry	[0-9]+	.*	451 4.3.0 try later" \
    "a 451 leaves the job for a retry, with the server's reply"
is "$(lc queue $L | grep -c '	retry	')" $((N + 2)) "every copy waits for its retry"
stop_sink
start_sink
ok "retries deliver them once the server accepts" until_done $L
is "$(($(cat "$W"/sink.*/log | wc -l) - before))" $((N + 2)) \
    "after the 451s everything arrives, once"
# The 102 recipients are encrypted in one shard a core (at least 50 each):
# copies from different shards end in different encrypted data.
for f in "$SINK_DIR"/*.eml; do
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$f" | tr -d '\r' |
	    grep -v '^=' | grep -v -- '-----' | tail -n 1
done | sort -u >"$W/tails"
cores=$(nproc)
is "$(wc -l <"$W/tails" | tr -d ' ')" $((cores < 2 ? cores : 2)) \
    "a post to $((N + 2)) is encrypted in min(cores, 2) shards, in parallel"
stop_sink

# ---- 550 for one member ends that job only ----------------------------------------------
start_sink --reject-rcpt security@v13.example
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "reject" "$W/adv3" >"$W/r.eml"
before=$(cat "$W"/sink.*/log | wc -l)
lc inject $L <"$W/r.eml"
ok "the fan-out ends" until_done $L
is "$(($(cat "$W"/sink.*/log | wc -l) - before))" $((N + 2)) \
    "every other member got it, and the admin a notice"
like "$(lc queue $L)" "security@v13.example	failed	1	.*550 5.1.1" \
    "the refused member's job failed with the server's reply"
like "$(lc audit $L)" "post delivered .* with failures" "the post is delivered with failures"
like "$(lc audit $L)" "notice .* encrypted" "the admins get an encrypted notice"
stop_sink

# ---- a relay that refuses the list itself -------------------------------------------------
# A 5xx to MAIL FROM is the relay's trouble, not each member's: retried.
advisory "$W/adv4" XSA-4 1
start_sink --reject-sender
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "relay" "$W/adv4" >"$W/relay.eml"
before=$(cat "$W"/sink.*/log | wc -l)
lc inject $L <"$W/relay.eml"
listd_once >/dev/null 2>&1
is "$(lc queue $L | grep -c '	retry	[0-9]*	.*550 5.7.1 sender refused')" $((N + 2)) \
    "a relay refusing the sender leaves every copy for a retry"
is "$(lc queue $L | grep -c '	failed	')" 1 "none failed (the one failed job is the 550 member's from before)"
stop_sink
start_sink
ok "once the relay accepts, they go out" until_done $L
is "$(($(cat "$W"/sink.*/log | wc -l) - before))" $((N + 2)) "each once"
stop_sink

done_testing
