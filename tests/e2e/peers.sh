#!/bin/sh
# LMTP clients that hold connections on purpose, trickling a byte every two
# seconds: each is cut off at its deadline (lmtp-idle-timeout outside a
# transaction, lmtp-transaction-timeout from MAIL to the dot) however it
# trickles; a full table still serves a new client at once by closing the
# connection idle longest; one TCP address gets at most half the table;
# SIGTERM ends them all.  Network: a unix socket, 127.0.0.1 and 127.0.0.2.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
LMTPC="$top_builddir/tests/lmtp-client"
[ -x "$LMTPC" ] || skip_all "tests/lmtp-client not built"

L=peers@lists.example.org
lc list create $L --policy xen >/dev/null || { echo "Bail out! list create"; exit 1; }
printf 'From: alice@xenproject.example\r\nSubject: ordinary\r\n\r\nA message.\r\n' >"$W/m.eml"
# What the tricklers send: a command line (outside a transaction), or a
# message after DATA; either takes longer than any deadline here.
printf 'LHLO a-client-that-takes-its-time.example\r\nQUIT\r\n' >"$W/cmd.in"
head -c 200 /dev/zero | tr '\0' t >"$W/body.in"

DEADLINE=20		# both deadlines, seconds
TRICKLE=2000		# ms between two bytes
SOCK="$W/lmtp.sock"
BASE_CONF=$(cat "$CONF")
conf_with() {	# conf_with LISTEN SECONDS: the base configuration, both deadlines
	printf '%s\nlmtp-listen = "%s"\nlmtp-idle-timeout = %d\nlmtp-transaction-timeout = %d\n' \
	    "$BASE_CONF" "$1" "$2" "$2" >"$CONF"
}
now() { date +%s; }
# trickler FILE TARGET [LMTP-CLIENT OPTIONS...]: a command-line trickler
# (or, with a recipient, a message trickler) in the background, its
# replies in FILE.
trickler() {
	_f=$1 _t=$2
	shift 2
	case " $* " in
	*@*) "$LMTPC" "$_t" --trickle $TRICKLE "$@" <"$W/body.in" >"$_f" 2>&1 & ;;
	*) "$LMTPC" "$_t" --raw --trickle $TRICKLE "$@" <"$W/cmd.in" >"$_f" 2>&1 & ;;
	esac
	bg_add $!
	TRICKLERS="$TRICKLERS $!"
}
# count PATTERN FILES...: how many of the files have a line matching it.
count() {
	_p=$1
	shift
	grep -l -- "$_p" "$@" 2>/dev/null | wc -l | tr -d ' '
}
# settled PATTERN FILES...: count, once it has not changed for three seconds
# (a trickler prints a reply when it next looks, up to two seconds later);
# at most twenty seconds.
settled() {
	_last=$(count "$@") _same=0 _i=0
	while [ $_same -lt 3 ] && [ $_i -lt 20 ]; do
		sleep 1
		_now=$(count "$@")
		if [ "$_now" = "$_last" ]; then _same=$((_same + 1)); else _same=0; fi
		_last=$_now _i=$((_i + 1))
	done
	echo "$_last"
}
# all_ended SECONDS: waits (bounded) for every trickler to end.
all_ended() {
	for _t in $TRICKLERS; do
		gone "$_t" "$1" || return 1
	done
}

# ---- the settings ----------------------------------------------------------------
for bad in "lmtp-idle-timeout = 0" "lmtp-transaction-timeout = 86401" \
    "smtp-reply-timeout = -5"; do
	printf '%s\n%s\n' "$BASE_CONF" "$bad" >"$W/bad.conf"
	"$LISTD" -c "$W/bad.conf" -n 2>"$W/err"
	is $? 1 "listd -n refuses $bad"
	like "$(cat "$W/err")" "bad.conf:[0-9]+: ${bad%% *} must be a number of seconds from 1 to 86400" \
	    "naming the setting and the range"
done

# ---- a full table on the unix socket ------------------------------------------
conf_with "unix:$SOCK" $DEADLINE
start_listd || { echo "Bail out! listd does not start"; exit 1; }
TRICKLERS=
t_start=$(now)
i=1
while [ $i -le 32 ]; do
	trickler "$W/c.$i" "unix:$SOCK"
	trickler "$W/d.$i" "unix:$SOCK" $L
	i=$((i + 1))
done
i=1
while [ $i -le 32 ]; do
	waitfor "$W/c.$i" '^220' 10 && waitfor "$W/d.$i" '^354' 10 || break
	i=$((i + 1))
done
is $((i - 1)) 32 "64 clients hold every slot: 32 trickle a command, 32 a message"

t0=$(now)
out=$("$LMTPC" "unix:$SOCK" $L <"$W/m.eml")
is $? 0 "a 65th client gets its message accepted"
like "$out" "^250 2\.0\.0 .* committed" "with 250 after DATA"
t1=$(now)
[ $((t1 - t0)) -lt $DEADLINE ]
_result $? "at once, not after a deadline ($((t1 - t0)) s, deadlines $DEADLINE s)"
is "$(settled '^421 4\.3\.2 Too many connections' "$W"/c.* "$W"/d.*)" 1 \
    "one trickler lost its slot, told 421 4.3.2"
like "$(cat "$LOG")" "unix pid [0-9]+ uid [0-9]+: waited [0-9]+ s since its last command; closed for unix" \
    "the log names both"
served=0
i=1
while [ $i -le 10 ]; do
	"$LMTPC" "unix:$SOCK" $L <"$W/m.eml" >/dev/null 2>&1 && served=$((served + 1))
	i=$((i + 1))
done
is $served 10 "ten more clients in a row are served (in the slot the 65th left)"

all_ended $((DEADLINE + 20))
_result $? "every trickler is gone by its deadline"
t_end=$(now)
[ $((t_end - t_start)) -lt $((DEADLINE + 15)) ]
_result $? "within $((t_end - t_start)) s of its start (deadline $DEADLINE s)"
is "$(count '^421 4\.4\.2 Timeout' "$W"/c.*)" \
    "$((32 - $(count '^421 4\.3\.2' "$W"/c.*)))" \
    "the command tricklers still connected were told 421 4.4.2 at the idle deadline"
is "$(count '^421 4\.4\.2 Timeout' "$W"/d.*)" \
    "$((32 - $(count '^421 4\.3\.2' "$W"/d.*)))" \
    "the message tricklers at the transaction deadline"
is "$(count '^250 2\.0\.0' "$W"/d.*)" 0 "none of their messages was acknowledged"
is "$(grep -c 'event=intake .*via=lmtp' "$LOG")" 11 "only the 11 served messages were committed"
like "$(cat "$LOG")" "during DATA; nothing committed" "the log says why the others were not"

# A client that sends commands keeps to the idle deadline all the same.
printf 'LHLO x\r\n' >"$W/noop.in"
i=0
while [ $i -lt 40 ]; do printf 'NOOP\r\n' >>"$W/noop.in"; i=$((i + 1)); done
t0=$(now)
"$LMTPC" "unix:$SOCK" --raw --trickle 100 <"$W/noop.in" >"$W/noop.out" 2>&1
t1=$(now)
like "$(cat "$W/noop.out")" "^421 4\.4\.2" "NOOPs (and whole commands) do not extend the idle deadline"
[ $((t1 - t0)) -lt $((DEADLINE + 10)) ]
_result $? "it ended after $((t1 - t0)) s"
stop_listd
is "$STATUS" 0 "SIGTERM: exit 0"

# ---- one TCP address gets half the table -------------------------------------
port_tries=0
while [ $port_tries -lt 10 ]; do
	PORT=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000))
	conf_with "127.0.0.1:$PORT" 100	# here only slots count
	start_listd && break
	port_tries=$((port_tries + 1))
done
T=127.0.0.1:$PORT
if [ $port_tries -ge 10 ]; then
	skip "no free loopback port found"
elif ! printf 'QUIT\r\n' | "$LMTPC" $T --bind 127.0.0.2 --raw >/dev/null 2>&1; then
	skip "cannot send from 127.0.0.2 here"
else
	TRICKLERS=
	i=1
	while [ $i -le 32 ]; do
		trickler "$W/two.$i" $T --bind 127.0.0.2
		i=$((i + 1))
	done
	i=1
	while [ $i -le 32 ] && waitfor "$W/two.$i" '^220' 10; do i=$((i + 1)); done
	is $((i - 1)) 32 "32 tricklers from 127.0.0.2"
	i=1
	while [ $i -le 40 ]; do
		trickler "$W/one.$i" $T
		waitfor "$W/one.$i" '^220' 10
		i=$((i + 1))
	done
	is "$(settled '^421 4\.3\.2' "$W"/one.*)" 8 \
	    "40 from 127.0.0.1: the 8 idle longest lost their slots to the newer ones"
	is "$(count '^421' "$W"/two.*)" 0 "and 127.0.0.2 kept all 32"
	out=$("$LMTPC" $T --bind 127.0.0.2 $L <"$W/m.eml")
	is $? 0 "a 33rd client from 127.0.0.2 is served"
	is "$(settled '^421 4\.3\.2' "$W"/two.*)" 1 "in the slot of one from its own address"
	is "$(count '^421 4\.3\.2' "$W"/one.*)" 8 "not in one of 127.0.0.1's"
	t0=$(now)
	stop_listd
	t1=$(now)
	is "$STATUS" 0 "SIGTERM with 63 tricklers connected: exit 0"
	[ $((t1 - t0)) -le 10 ]
	_result $? "within 10 s ($((t1 - t0)) s)"
	all_ended 5
	_result $? "every trickler is gone"
	is "$(count '^421 4\.3\.2 Shutting down' "$W"/one.* "$W"/two.*)" 63 \
	    "each told 421 4.3.2 Shutting down"
fi

done_testing
