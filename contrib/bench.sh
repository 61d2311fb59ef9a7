#!/bin/sh
# contrib/bench.sh: how fast a post reaches N members (make bench).
#
# For each N in BENCH_SIZES (100 1000; BENCH_LARGE=1 adds 10000): a
# throwaway list with N members, a team post carrying a BENCH_PATCH_KB
# (100) KB patch, listd running as the daemon (-f), and the loopback sink
# from the tests.  hyperfine times one `listctl inject` of a new post up to
# the sink's acceptance of the last of its N + 1 copies (the sink, started
# afresh before each run and before its clock, stops after that many),
# against the floor in the same hyperfine run: one `gpg --sign --encrypt`
# of the same payload to the same N + 1 keys.  Then the ratio of the medians and listd's peak RSS
# (VmHWM).  With Debian's schleuder installed, and 100 among the sizes,
# contrib/bench-schleuder.sh then runs the same post to the same 100
# members and keys through a throwaway Schleuder (BENCH_SCHLEUDER_RUNS, 3,
# runs of `schleuder work` up to the sink's last copy) and prints its
# median beside pdlist's.
#
# The member keys (ed25519/cv25519, no passphrase) and the list made from
# them are cached under BENCH_CACHE ($HOME/.cache/pdlist-bench): one gpg
# run makes the keys and one member import adds them; later runs copy them.
#
# Then BENCH_BIG (500:2048: MEMBERS:KB; empty for none) times a post with
# a larger patch the same way.
#
# BENCH_RUNS (5) runs per figure, BENCH_WORKERS and BENCH_SHARD set
# listd.conf's workers and encrypt-shard-size, BENCH_SIZES the sizes.
# BENCH_VIA=lmtp hands the post to listd over LMTP, as Postfix does in a
# deployment, instead of `listctl inject`.  BENCH_VERBOSE=1 runs listd with
# -v and prints its timings of each run (decision, encryption, delivery).
#
# usage: bench.sh BUILDDIR SRCDIR
set -eu
B=$1 S=$2
SIZES=${BENCH_SIZES:-100 1000}
[ -z "${BENCH_LARGE:-}" ] || SIZES="$SIZES 10000"
VIA=${BENCH_VIA:-inject}
case $VIA in inject|lmtp) ;; *) echo "bench: BENCH_VIA is inject or lmtp, not $VIA"; exit 1;; esac
RUNS=${BENCH_RUNS:-5}
PATCH_KB=${BENCH_PATCH_KB:-100}
KB=$PATCH_KB
BIG=${BENCH_BIG-500:2048}
case $BIG in ''|[0-9]*:[0-9]*) ;; *) echo "bench: BENCH_BIG is MEMBERS:KB or empty, not $BIG"; exit 1;; esac
CACHE=${BENCH_CACHE:-${HOME:-/tmp}/.cache/pdlist-bench}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-bench.XXXXXX")
LISTD_PID=
cleanup() {
	[ -z "$LISTD_PID" ] || kill "$LISTD_PID" 2>/dev/null || :
	find "$W" -name 'S.gpg-agent' 2>/dev/null | while read -r s; do
		gpgconf --homedir "$(dirname "$s")" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
L=bench@lists.example.org
. "$S/contrib/bench-world.sh"

# bench_one N: the world for N (from the cache), listd, hyperfine.
bench_one() {
	N=$1 D="$W/n$1"
	cached_world "$N"
	mkdir -p "$D"
	cp -a "$CACHE/$N/gnupg" "$CACHE/$N/data" "$D/"
	export GNUPGHOME="$D/gnupg"
	PORT=$(free_port "$D")
	cat >"$D/listd.conf" <<CONF
datadir = "$D/data"
policy-dir = "$S/policy"
smtp-url = "smtp://127.0.0.1:$PORT"
lmtp-listen = "unix:$D/lmtp.sock"
CONF
	[ -z "${BENCH_WORKERS:-}" ] || echo "workers = $BENCH_WORKERS" >>"$D/listd.conf"
	[ -z "${BENCH_SHARD:-}" ] || echo "encrypt-shard-size = $BENCH_SHARD" >>"$D/listd.conf"
	post_script "$D" "$KB"
	# Each run's sink starts before the clock does (hyperfine's --prepare)
	# and says "done" on the FIFO done right after its 250 to the N + 1st
	# copy (not when it stops: its accept loop looks up every 100 ms).
	mkfifo "$D/done"
	cat >"$D/sink.sh" <<SINK
#!/bin/sh
rm -f "$D/port"
i=0
while [ -s "$D/sink.pid" ] && kill -0 "\$(cat "$D/sink.pid")" 2>/dev/null && [ \$i -lt 500 ]; do
	sleep 0.01	# the last run's sink, still giving up its port
	i=\$((i + 1))
done
"$B/tests/smtp-sink" --port $PORT --port-file "$D/port" --max-messages $((N + 1)) \\
    --max-seconds 600 --done-file "$D/done" </dev/null >/dev/null 2>&1 &
echo \$! >"$D/sink.pid"
i=0
while [ ! -s "$D/port" ] && [ \$i -lt 1000 ]; do sleep 0.01; i=\$((i + 1)); done
[ -s "$D/port" ]
SINK
	# One run, timed: the hand-over of the post, then the sink's done.
	cat >"$D/run.sh" <<RUN
#!/bin/sh
$(if [ "$VIA" = lmtp ]; then
	echo "\"$B/tests/lmtp-client\" \"unix:$D/lmtp.sock\" --from alice@xenproject.example $L <\"$D/post.eml\" >/dev/null || exit 1"
else
	echo "\"$B/listctl\" -c \"$D/listd.conf\" inject $L <\"$D/post.eml\" || exit 1"
fi)
read said <"$D/done"
[ "\$said" = done ]
RUN
	sh "$D/post.sh"
	"$B/listd/listd" -c "$D/listd.conf" -f ${BENCH_VERBOSE:+-v} 2>"$D/listd.log" &
	LISTD_PID=$!
	H="$D/data/lists/$L/gnupg"
	gpg --homedir "$H" --batch --with-colons --list-keys | awk -F: '/^sub/ { k = $5 } /^fpr/ && k { print $10 "!"; k = "" }' |
	    grep -v "^$(gpg --homedir "$H" --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ { print $10; exit }')" \
	    >"$D/rcpts"
	# The recipients in an options file: 10,000 of them are too long a
	# command line.
	sed 's/^/recipient /' "$D/rcpts" >"$D/floor.conf"
	echo "bench: $N members: $(wc -c <"$D/post.eml") bytes by $VIA, to $(wc -l <"$D/rcpts") keys;" \
	    "load $(cut -d' ' -f1-3 /proc/loadavg)"
	hyperfine --warmup 1 --runs "$RUNS" --export-csv "$D/result.csv" \
	    --export-markdown "$D/result.md" \
	    --prepare "sh $D/post.sh && sh $D/sink.sh" --prepare "sh $D/post.sh" \
	    -n "pdlist $N: inject to last copy, listd running" "sh $D/run.sh" \
	    -n "floor $N: one gpg -s -e to the same keys" \
	    "gpg --homedir $H --options $D/floor.conf --batch --trust-model always -s -e -o /dev/null $D/part" \
	    >"$D/hyperfine.out" 2>&1 || { tail -20 "$D/hyperfine.out"; tail -10 "$D/listd.log"; exit 1; }
	cat "$D/result.md"
	[ -z "${BENCH_VERBOSE:-}" ] || grep -E "processing:|delivery:" "$D/listd.log"
	RSS=$(awk '/^VmHWM/ { print $2 }' "/proc/$LISTD_PID/status")
	# listd's CPU seconds (user + system, clock ticks) over the warm-up
	# and the runs: less moved by other load on the machine than time.
	CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$LISTD_PID/stat")
	kill "$LISTD_PID"
	wait "$LISTD_PID" 2>/dev/null || :
	LISTD_PID=
	# command,mean,stddev,median,user,system,min,max: both medians
	awk -F, -v n="$N" -v kb="$KB" -v runs="$RUNS" -v rss="$RSS" -v cpu="$CPU" 'NR == 2 { p = $(NF - 4) }
	    NR == 3 { f = $(NF - 4) }
	    END { printf "bench: %s members, %s KB patch: pdlist %.3f s, " \
		"floor %.3f s (medians of %d), pdlist/floor %.2f, listd peak " \
		"RSS %.1f MiB, listd CPU %.3f s a post\n", n, kb, p, f, runs,
		p / f, rss / 1024, cpu / (runs + 1) }' "$D/result.csv"
	[ "$N" != 100 ] || [ "$KB" != "$PATCH_KB" ] ||
	    PDLIST_100=$(awk -F, 'NR == 2 { print $(NF - 4) }' "$D/result.csv")
	gpgconf --homedir "$H" --kill all 2>/dev/null || :
	gpgconf --homedir "$D/gnupg" --kill all 2>/dev/null || :
	rm -rf "$D"
}

PDLIST_100=
for n in $SIZES; do
	bench_one "$n"
done
# And a large patch (BENCH_BIG, MEMBERS:KB, 500:2048; empty: none).
if [ -n "$BIG" ]; then
	KB=${BIG#*:}
	bench_one "${BIG%%:*}"
	KB=$PATCH_KB
fi
if [ -z "$PDLIST_100" ]; then
	echo "bench: BENCH_SIZES has no 100: no side-by-side figure with Schleuder"
elif [ "$(dpkg-query -W -f '${db:Status-Status}' schleuder 2>/dev/null)" != installed ]; then
	echo "bench: Debian's schleuder is not installed: no side-by-side figure"
else
	mkdir "$W/schleuder"
	sh "$S/contrib/bench-schleuder.sh" "$B" "$S" "$PDLIST_100" "$W/schleuder"
fi
