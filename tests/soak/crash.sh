#!/bin/sh
# tests/soak/crash.sh: the crash soak (make soak; not part of make check).
#
# One list (xen profile) with a team poster and SOAK_MEMBERS (30) members,
# listd -f taking mail over LMTP on a unix socket, and the loopback sink
# answering every command after --slow-ms, so that copies are in flight.
# Each of SOAK_TRIALS (50) trials sends SOAK_POSTS (3) team posts through
# tests/lmtp-client at random moments and kills listd with SIGKILL after a
# random delay, somewhere in intake, processing or fan-out; then restarts
# it.  After the trials everything is let finish (bounded waits), and for
# every post the LMTP acknowledged (250) and every member the copies the
# sink took are counted:
#
#   lost        an acknowledged post that became neither a post nor a held
#               message (target 0)
#   held        an acknowledged team post that was held: a crash made a
#               good post look bad (target 0)
#   missing     a member without a copy of a distributed post (target 0)
#   undelivered a distributed post never recorded as delivered (its audit
#               entry; lifecycle.md: "done: no job waits") (target 0)
#   duplicated  a member with more than one copy of a post: each must carry
#               the Message-ID of the first copy, must have a crash between
#               it and the copy before it, and no crash may leave more
#               duplicates than listd has delivery workers (a worker
#               sends one copy at a time and waits for its record's group
#               commit, listd/ledger_batch.c, before the next: at most one
#               the relay took, and listd had not yet recorded, per worker
#               at a crash)
#
# The numbers are TAP diagnostics ("# ..."), the targets TAP checks.  Each
# trial is one "# trial" line: the kill delay, the posts sent, acknowledged
# and cut short, what was pending at the kill.  SOAK_SEED makes the random
# schedule repeatable (timing on a loaded machine is not);
# PDLIST_KEEP_TEST_DIR=1 keeps the world, with listd's logs, for a look.
# Network: a unix socket and 127.0.0.1 only.  Every wait is bounded.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
LMTPC="$top_builddir/tests/lmtp-client"
[ -x "$LMTPC" ] || skip_all "tests/lmtp-client not built"
[ -x "$top_builddir/tests/smtp-sink" ] || skip_all "tests/smtp-sink not built"

TRIALS=${SOAK_TRIALS:-50}
NMEM=${SOAK_MEMBERS:-30}
POSTS=${SOAK_POSTS:-3}		# team posts sent in each trial
SLOW=${SOAK_SLOW_MS:-10}	# the sink's delay before each reply
WORKERS=4
# (mawk's srand takes seeds below 2^31 only: SOAK_SEED is 1 to 999999)
SEED=${SOAK_SEED:-$(($(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 999999 + 1))}
# The schedule of a trial, in ms from its start: posts go out at random in
# [0, SPREAD); in one trial of three listd is killed up to INTAKE_AIM ms
# after one of them went out, to catch it in its LMTP transaction, and
# otherwise at random in [0, KILL_WINDOW) (processing and fan-out of 3
# posts to 31 members take about 2.5 s here), in intake, processing or
# fan-out of this trial's posts or the re-run of the last trial's.
SPREAD=600
INTAKE_AIM=120
KILL_WINDOW=${SOAK_KILL_WINDOW:-3000}	# make soak: 6000 for 200 members
# Before the next trial, what waits (copies, plus the inbox at a post's
# worth of copies each) is let shrink to two posts' worth, so that the
# backlog stays bounded; and the end waits at most DRAIN seconds.
CAP=$((2 * (NMEM + 1)))
DRAIN=${SOAK_DRAIN:-300}

T0=$(date +%s)

# Every process started in the background here dies at exit, before
# lib.sh's cleanup removes the world.
BG=
_soak_cleanup() {
	for _p in $BG; do
		kill -9 "$_p" 2>/dev/null
	done
	if [ "$_failed" -ne 0 ] && [ -z "${PDLIST_KEEP_TEST_DIR:-}" ]; then
		echo "# (PDLIST_KEEP_TEST_DIR=1 keeps the world, listd's logs included;" \
		    "SOAK_SEED=$SEED repeats the schedule)"
	fi
	_cleanup
}
trap _soak_cleanup EXIT

# ---- a repeatable random schedule --------------------------------------------

# $W/schedule: "TRIAL KILL-AT SEND-AT..." (ms from the trial's start, the
# sending times sorted), one line per trial, from awk's generator seeded
# with SEED.
awk -v seed="$SEED" -v n="$TRIALS" -v posts="$POSTS" -v spread=$SPREAD \
    -v aim=$INTAKE_AIM -v kw=$KILL_WINDOW 'BEGIN {
	srand(seed)
	for (t = 1; t <= n; t++) {
		for (i = 1; i <= posts; i++) g[i] = int(rand() * spread)
		for (i = 1; i <= posts; i++)	# sorted
			for (j = i + 1; j <= posts; j++)
				if (g[j] < g[i]) { x = g[i]; g[i] = g[j]; g[j] = x }
		if (rand() < 1 / 3)
			k = g[1 + int(rand() * posts)] + int(rand() * aim)
		else
			k = int(rand() * kw)
		line = t " " k
		for (i = 1; i <= posts; i++) line = line " " g[i]
		print line
	}
}' >"$W/schedule"
msleep() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# ---- the list ----------------------------------------------------------------

L=xen-pre@lists.example.org
POSTER=alice@xenproject.example
lc list create $L --policy xen >/dev/null || { echo "Bail out! list create"; exit 1; }
import_list_key $L
SOCK="$W/lmtp.sock"
printf 'workers = %s\nretry-first = 1\nlmtp-listen = "unix:%s"\n' $WORKERS "$SOCK" >>"$CONF"
add_member $L $POSTER team || { echo "Bail out! team member"; exit 1; }
i=1
while [ $i -le "$NMEM" ]; do
	add_member $L security@v$i.example member --org "Vendor $i" --category vendor \
	    --installed-base 400000 --evidence https://v$i.example --agreed ||
	    { echo "Bail out! member $i"; exit 1; }
	i=$((i + 1))
done
lc member ls $L | awk '$3 == "active" { print $1 }' | sort >"$W/members"
is "$(wc -l <"$W/members" | tr -d ' ')" $((NMEM + 1)) "$NMEM members and a team poster"

# The posts, made before listd starts: each a new text, so a new signature
# (a signature seen before is a replay, and held).
NPOSTS=$((TRIALS * POSTS))
mkdir "$W/posts" "$W/out"
i=1
while [ $i -le $NPOSTS ]; do
	printf 'Soak post %s of %s, seed %s.\n\nA fix for the issue discussed.\n' \
	    $i $NPOSTS "$SEED" >"$W/body"
	mail_pgpmime $POSTER $POSTER $L "soak $i" "$W/body" >"$W/posts/$i.eml"
	i=$((i + 1))
done
ok "$NPOSTS team posts signed" test "$(grep -l 'BEGIN PGP SIGNATURE' "$W"/posts/*.eml |
    wc -l)" -eq $NPOSTS

# ---- the sink and listd --------------------------------------------------------

start_sink --slow-ms "$SLOW" --max-seconds 3600 || { echo "Bail out! smtp-sink"; exit 1; }
bg_add "$SINK_PID"
SINK_LOG="$SINK_DIR/log"
sink_lines() { cat "$SINK_LOG" 2>/dev/null | wc -l | tr -d ' '; }

# start_listd, bg_add, gone: tests/e2e/daemon.sh (through lib.sh).
inbox_n() {
	mdb_stat -s inbox "$DATA/store" 2>/dev/null | awk '/Entries:/ { print $2; exit }'
}
pending_n() { lc queue $L | grep -cE '	(new|ready|retry)	'; }
# busy: what waits, in copies: the queue, and a post's worth per inbox message.
busy() {
	_in=$(inbox_n)
	echo $(($(pending_n) + ${_in:-0} * (NMEM + 1)))
}

command -v mdb_stat >/dev/null 2>&1 ||
    echo "# mdb_stat not installed (lmdb-utils): the inbox is not counted at kills"
start_listd || { echo "Bail out! listd does not start"; cat "$LOG"; exit 1; }

# ---- the trials ----------------------------------------------------------------

# $W/clients: "TRIAL PID N" for each post sent (its replies in $W/out/N);
# $W/bounds: the sink's line count after each kill, in order;
# $W/trials: one line per trial, printed as it ends.
: >"$W/clients"
: >"$W/bounds"
post=0
restarts=0
self_exits=0
waits_over=0
t=1
while [ $t -le "$TRIALS" ]; do
	set -- $(sed -n "${t}p" "$W/schedule")
	kill_at=$2
	shift 2
	sent=0 pids=
	elapsed=0
	for at in "$@"; do
		[ "$at" -lt "$kill_at" ] || break
		msleep $((at - elapsed))
		elapsed=$at
		post=$((post + 1))
		"$LMTPC" "unix:$SOCK" $L <"$W/posts/$post.eml" >"$W/out/$post" 2>&1 &
		pids="$pids $!"
		bg_add $!
		echo "$t $! $post" >>"$W/clients"
		sent=$((sent + 1))
	done
	[ "$kill_at" -gt "$elapsed" ] && msleep $((kill_at - elapsed))
	kill -9 $LISTD_PID 2>/dev/null
	wait $LISTD_PID 2>/dev/null
	st=$?
	if [ $st -ne 137 ]; then
		self_exits=$((self_exits + 1))
		echo "# trial $t: listd had exited by itself (status $st) before the kill; its log:"
		sed 's/^/#   /' "$LOG"
	fi
	for p in $pids; do wait "$p" 2>/dev/null; done
	sleep 0.3	# the sink logs what the dead listd handed over in full
	echo "$(sink_lines)" >>"$W/bounds"
	acked=0 cut=0 refused=0
	for n in $(awk -v t=$t '$1 == t { print $3 }' "$W/clients"); do
		if grep -q '^250 2\.0\.0 ' "$W/out/$n"; then
			acked=$((acked + 1))
		elif grep -q '^220 ' "$W/out/$n"; then
			cut=$((cut + 1))	# in its transaction at the kill
		else
			refused=$((refused + 1))	# came after the kill
		fi
	done
	inbox=$(inbox_n)
	queue=$(pending_n)
	echo "$t $kill_at $sent $acked $cut $refused ${inbox:--} $queue" >>"$W/trials"
	echo "# trial $t: kill at ${kill_at} ms; posts sent $sent, acknowledged $acked," \
	    "cut short $cut, refused $refused; at the kill: inbox ${inbox:--}, copies waiting $queue"
	start_listd || { echo "Bail out! listd does not restart after trial $t"; cat "$LOG"; exit 1; }
	restarts=$((restarts + 1))
	# Let the backlog shrink to CAP copies (at most 60 s).
	if [ $t -lt "$TRIALS" ]; then
		_i=0
		while [ "$(busy)" -gt $CAP ] && [ $_i -lt 240 ]; do
			sleep 0.25
			_i=$((_i + 1))
		done
		[ $_i -lt 240 ] || waits_over=$((waits_over + 1))
	fi
	t=$((t + 1))
done
is $restarts "$TRIALS" "listd was killed $TRIALS times and restarted each time"
is $self_exits 0 "listd never exited before it was killed"
is $waits_over 0 "between trials the backlog always shrank within 60 s"

# ---- let everything finish -------------------------------------------------------

# Done: nothing in the inbox and no copy waiting; then every distributed
# post should have its "post delivered" audit entry.
audit_ids() {	# audit_ids ACTION: the posts with that audit entry
	lc audit $L | awk -v a="$1" '$2 == "listd" && $3 == "post" && $4 == a { print $5 }' |
	    sort -u
}
t_drain=$(date +%s)
drained=1
while [ $(($(date +%s) - t_drain)) -lt $DRAIN ]; do
	inbox_now=$(inbox_n)	# first: a post leaves the inbox as its copies are queued
	if [ "${inbox_now:-0}" = 0 ] && [ "$(pending_n)" = 0 ]; then
		drained=0
		break
	fi
	sleep 1
done
ok "after the last restart every copy went out (in $(($(date +%s) - t_drain)) s)" \
    test $drained -eq 0
_i=0	# the last post's "post delivered" follows its last copy
while [ $_i -lt 10 ]; do
	audit_ids delivered >"$W/delivered"
	[ -z "$(audit_ids distribute | comm -23 - "$W/delivered")" ] && break
	sleep 1
	_i=$((_i + 1))
done
kill -TERM $LISTD_PID
_i=0
while kill -0 $LISTD_PID 2>/dev/null && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
kill -9 $LISTD_PID 2>/dev/null && echo "# listd did not stop within 30 s of SIGTERM"
wait $LISTD_PID
is $? 0 "listd stops on SIGTERM with exit 0"
stop_sink

# ---- the count -------------------------------------------------------------------

# Acknowledged: "ID TRIAL" for each 250 after DATA.
while read -r tr pid n; do
	sed -n "s/^250 2\.0\.0 \([^ ]*\) .*/\1 $tr/p" "$W/out/$n"
done <"$W/clients" | sort >"$W/acked"
cut -d' ' -f1 "$W/acked" >"$W/acked.ids"
audit_ids distribute >"$W/distributed"
audit_ids hold >"$W/held"
audit_ids delivered >"$W/delivered"
# The trial of each post listd's log names (with the client's pid): "ID TRIAL".
cat "$W"/listd.*.log |
    sed -n 's/.*event=intake id=\([^ ]*\) .*via=lmtp peer="unix pid \([0-9]*\) uid .*/\2 \1/p' |
    awk 'NR == FNR { trial[$2] = $1; next } ($1 in trial) { print $2, trial[$1] }' \
    "$W/clients" - | sort -u >"$W/trial_of"
# Copies: "LINE SEQ RCPT MESSAGE-ID", LINE the line of the sink's log.
find "$SINK_DIR" -name '*.eml' -exec grep -i -m1 -H '^message-id:' {} + |
    tr -d '\r' | sed -n 's|.*/\([0-9]*\)\.eml:[^:]*: *<\([^>]*\)>.*|\1 \2|p' >"$W/mids"
awk 'NR == FNR { mid[$1] = $2; next }
    { print FNR, $1, $4, ($1 in mid) ? mid[$1] : "-" }' "$W/mids" "$SINK_LOG" >"$W/copies"

nack=$(wc -l <"$W/acked" | tr -d ' ')
ncut=$(awk '{ s += $5 } END { print s + 0 }' "$W/trials")
nref=$(awk '{ s += $6 } END { print s + 0 }' "$W/trials")
nsent=$(wc -l <"$W/clients" | tr -d ' ')
unacked=$(sort -u "$W/distributed" "$W/held" | comm -13 "$W/acked.ids" - | wc -l | tr -d ' ')
echo "# seed $SEED: $TRIALS trials, $NMEM members and the team poster, $WORKERS workers," \
    "sink --slow-ms $SLOW"
echo "# posts sent $nsent: acknowledged $nack, cut short by a kill $ncut" \
    "(committed all the same: $unacked), refused after a kill $nref"
echo "# kills: during an LMTP transaction $(awk '$5 > 0' "$W/trials" | wc -l | tr -d ' ')," \
    "with messages in the inbox $(awk '$7 != "-" && $7 > 0' "$W/trials" | wc -l | tr -d ' ')," \
    "with copies waiting $(awk '$8 > 0' "$W/trials" | wc -l | tr -d ' ')," \
    "with nothing pending $(awk '$5 == 0 && ($7 == "-" || $7 == 0) && $8 == 0' "$W/trials" |
    wc -l | tr -d ' ')"
echo "# posts distributed $(wc -l <"$W/distributed" | tr -d ' '), held" \
    "$(wc -l <"$W/held" | tr -d ' '), delivered $(wc -l <"$W/delivered" | tr -d ' ');" \
    "copies taken by the sink $(wc -l <"$W/copies" | tr -d ' ')"

# lost: acknowledged, neither distributed nor held.
sort -u "$W/distributed" "$W/held" >"$W/decided"
comm -23 "$W/acked.ids" "$W/decided" >"$W/lost"
lost=$(wc -l <"$W/lost" | tr -d ' ')
echo "# lost: $lost"
while read -r id; do
	echo "#   lost $id, acknowledged in trial $(awk -v i="$id" '$1 == i { print $2 }' "$W/acked")"
	grep -h -- "$id" "$W"/listd.*.log | sed 's/^/#     /'
done <"$W/lost"
is "$lost" 0 "no acknowledged post is lost"

comm -12 "$W/acked.ids" "$W/held" >"$W/held.acked"
nheld=$(wc -l <"$W/held.acked" | tr -d ' ')
echo "# acknowledged team posts held: $nheld"
[ "$nheld" -eq 0 ] || lc held ls $L | sed 's/^/#   /'
is "$nheld" 0 "no acknowledged team post is held"

# missing, duplicated: for every distributed post and every member.
# $W/bounds has the sink's line count after kill 1, 2, ...: a copy on line
# n went out before the first kill whose count is >= n (segment k), or
# after the last (segment TRIALS + 1).
awk -v W=$WORKERS -v NT="$TRIALS" '
	FILENAME == ARGV[1] { b[++nb] = $1; next }
	FILENAME == ARGV[2] { member[$1] = 1; nm++; next }
	FILENAME == ARGV[3] { post[$1] = 1; np++; next }
	{	# LINE SEQ RCPT MID
		p = $4; sub(/\..*/, "", p)	# the post id starts the Message-ID
		if (!(p in post) || !($3 in member)) {
			stray++
			print "STRAY line " $1 ": seq " $2 " to " $3 ", Message-ID " $4
			next
		}
		seg = nb + 1
		for (k = 1; k <= nb; k++)
			if ($1 <= b[k]) { seg = k; break }
		key = p SUBSEP $3
		n = ++copies[key]
		if (n == 1) {
			first[key] = $4
		} else {
			dups++
			if ($4 != first[key]) {
				badmid++
				print "BADMID " p " " $3 ": " first[key] " then " $4
			}
			if (lastseg[key] == seg) {
				nocrash++
				print "NOCRASH " p " " $3 ": copies on lines " lastline[key] \
				    " and " $1 ", no kill between"
			} else {
				percrash[lastseg[key]]++
				print "DUP " p " " $3 " after kill " lastseg[key] ", Message-ID " $4
			}
		}
		lastseg[key] = seg
		lastline[key] = $1
		postline[p] = $1
		postseg[p] = seg
	}
	END {
		for (p in postline)
			print "LAST " p " " postline[p] " " postseg[p]
		for (p in post)
			for (m in member)
				if (!((p SUBSEP m) in copies)) {
					missing++
					print "MISSING " p " " m
				}
		max = 0
		for (k in percrash)
			if (percrash[k] > max) { max = percrash[k]; at = k }
		for (k in percrash)
			if (percrash[k] > W)
				print "OVER kill " k ": " percrash[k] " duplicates"
		ncr = 0
		for (k in percrash) ncr++
		printf "SUMMARY %d %d %d %d %d %d %d %s\n", missing + 0, dups + 0,
		    badmid + 0, nocrash + 0, max, ncr, stray + 0, at == "" ? "-" : at
	}' "$W/bounds" "$W/members" "$W/distributed" "$W/copies" >"$W/verdict"

set -- $(sed -n 's/^SUMMARY //p' "$W/verdict")
missing=$1 dups=$2 badmid=$3 nocrash=$4 maxper=$5 ncrash=$6 stray=$7 maxat=$8
echo "# missing: $missing (of $(($(wc -l <"$W/distributed") * (NMEM + 1))) copies due)"
grep '^MISSING ' "$W/verdict" | head -n 50 | while read -r _ p m; do
	tr=$(awk -v i="$p" '$1 == i { print $2 }' "$W/trial_of")
	echo "#   missing: post $p (trial ${tr:-?}) to $m"
	lc queue $L | grep -- "$p	$m" | sed 's/^/#     queue: /'
done
echo "# duplicated: $dups, after $ncrash of the $TRIALS kills;" \
    "at most $maxper after one kill (kill $maxat), bound $WORKERS"
grep -E '^(DUP|BADMID|NOCRASH|OVER|STRAY) ' "$W/verdict" | head -n 100 | sed 's/^/#   /'
is "$missing" 0 "no member misses a copy of a distributed post"
is "$badmid" 0 "each duplicate carries the Message-ID of the first copy"
is "$nocrash" 0 "each duplicate has a kill between it and the copy before it"
ok "no kill left more duplicates than workers ($maxper <= $WORKERS)" test "$maxper" -le $WORKERS
is "$stray" 0 "every copy the sink took is a distributed post's, to a member"

# Delivered: every distributed post ends with "post delivered" in the audit
# log (its sent jobs and encrypted copies pruned).
comm -23 "$W/distributed" "$W/delivered" >"$W/undelivered"
nundel=$(wc -l <"$W/undelivered" | tr -d ' ')
echo "# distributed posts never recorded as delivered: $nundel"
while read -r p; do
	set -- $(sed -n "s/^LAST $p //p" "$W/verdict") - -
	line=$1 seg=$2
	if [ "$seg" != - ] && [ "$seg" -le "$TRIALS" ]; then
		after="then kill $seg, $(awk -v t="$seg" '$1 == t { print $2 }' "$W/trials") ms"
		after="$after into trial $seg, with the sink at line $(sed -n "${seg}p" "$W/bounds")"
	else
		after="after the last kill"
	fi
	state=$(mdb_dump -p -s posts "$DATA/store" 2>/dev/null | grep -a -- "\"id\":\"$p\"" |
	    sed -n 's/.*"state":"\([^"]*\)".*/\1/p' | head -n 1)
	echo "#   $p (trial $(awk -v i="$p" '$1 == i { print $2 }' "$W/trial_of")," \
	    "state ${state:-?}): its last copy on line $line of the sink's log, $after"
done <"$W/undelivered"
is "$nundel" 0 "every distributed post is recorded as delivered"
ok "the kills landed in LMTP transactions and in fan-outs" test \
    "$(awk '$5 > 0' "$W/trials" | wc -l)" -gt 0 -a "$(awk '$8 > 0' "$W/trials" | wc -l)" -gt 0
echo "# runtime $(($(date +%s) - T0)) s"

done_testing
