#!/bin/sh
# contrib/bench-schleuder.sh: Debian's Schleuder side by side with pdlist at
# 100 members (make bench; bench.sh calls it after its run at 100 members
# when the schleuder package is installed).
#
# A throwaway Schleuder in DIR (its own schleuder.yml, list defaults,
# sqlite database, lists and logs, through SCHLEUDER_CONFIG and
# SCHLEUDER_LIST_DEFAULTS: /etc/schleuder and /var/lib/schleuder are not
# touched) runs bench@lists.example.org the way a pre-disclosure list would:
# send_encrypted_only and receive_signed_only (receive_authenticated_only
# wants the post encrypted to the list as well, and bench.sh's is signed).
# Its subscribers are bench.sh's: the 100 members with the same public keys
# and alice, the poster (the admin), with hers, from bench.sh's cache
# (contrib/bench-world.sh); its list key is the pdlist list's own
# (ed25519/cv25519), so that both sign and encrypt with the same keys.
#
# One `schleuder work` of the same post (post.sh, signed by alice afresh
# each run, as bench.sh does) goes first outside the timing, to a sink that
# keeps what it gets: it must send one encrypted copy to each of the 101
# subscribers, no plaintext, and a member's key must read the patch out of
# its copy.  Then hyperfine times BENCH_SCHLEUDER_RUNS (3) runs of
# `schleuder work` up to the sink's acceptance of the 101st copy (Schleuder
# sends one message per subscriber, each over a new SMTP connection, and
# returns once they are sent), and the median is set beside pdlist's.
# Its CPU seconds too (hyperfine's user + system of a run: Ruby, the gpg
# processes it starts and the sink; not the gpg-agent): on a shared
# machine, less moved by other load than its time.
#
# Any step of the set-up that fails stops the bench with a one-line reason
# and a non-zero exit: no figure is printed then.
#
# Everything lives in DIR, an empty directory under bench.sh's temporary
# one: bench.sh stops the gpg-agents there and removes it when it ends.
#
# usage: bench-schleuder.sh BUILDDIR SRCDIR PDLIST_MEDIAN_SECONDS DIR
set -eu
B=$1 S=$2 PDLIST=$3 W=$4
N=100
RUNS=${BENCH_SCHLEUDER_RUNS:-3}
KB=${BENCH_PATCH_KB:-100}
CACHE=${BENCH_CACHE:-${HOME:-/tmp}/.cache/pdlist-bench}
L=bench@lists.example.org
fail() {
	echo "bench: Schleuder: $*" >&2
	exit 1
}
command -v schleuder >/dev/null || fail "no schleuder on PATH (apt-get install schleuder)"
. "$S/contrib/bench-world.sh"
cached_world $N

# The keys: copies of the cache's homes, so that no agent starts there.
cp -a "$CACHE/$N/gnupg" "$CACHE/$N/gnupg-members" "$W/"
cp -a "$CACHE/$N/data/lists/$L/gnupg" "$W/pdlist-list"
export GNUPGHOME="$W/gnupg"
LD="$W/lists/lists.example.org/bench"
mkdir -p "$W/logs" "$W/none" "$(dirname "$LD")"
mkdir -m 700 "$LD"
LIST_FPR=$(gpg --homedir "$W/pdlist-list" --batch --with-colons --list-secret-keys |
    awk -F: '/^fpr/ { print $10; exit }')
[ -n "$LIST_FPR" ] || fail "no list key in $CACHE/$N/data/lists/$L/gnupg"
{
	gpg --homedir "$W/pdlist-list" --batch --export-secret-keys "$LIST_FPR"
	gpg --homedir "$W/gnupg" --batch --export alice@xenproject.example
	gpg --homedir "$W/gnupg-members" --batch --export
} >"$W/keys.gpg" || fail "cannot export the keys from $CACHE/$N"
gpg --homedir "$LD" --batch --quiet --import "$W/keys.gpg" 2>"$W/import.log" ||
    fail "cannot import the keys into Schleuder's list: $(tail -1 "$W/import.log")"
# The subscribers: "address fingerprint admin|member", one a line.
{
	gpg --homedir "$W/gnupg" --batch --with-colons --list-keys alice@xenproject.example 2>/dev/null |
	    awk -F: '/^fpr/ { print "alice@xenproject.example", $10, "admin"; exit }'
	gpg --homedir "$W/gnupg-members" --batch --with-colons --list-keys 2>/dev/null |
	    awk -F: '/^pub/ { f = "" } /^fpr/ && f == "" { f = $10 }
		/^uid/ { u = $10; sub(/.*</, "", u); sub(/>.*/, "", u); print u, f, "member" }'
} >"$W/subscribers"
[ "$(wc -l <"$W/subscribers")" -eq $((N + 1)) ] ||
    fail "$(wc -l <"$W/subscribers") subscribers in the cache, not $((N + 1))"

PORT=$(free_port "$W")
cat >"$W/schleuder.yml" <<YML
lists_dir: $W/lists
listlogs_dir: $W/logs
keyword_handlers_dir: $W/none
filters_dir: $W/none
log_level: error
superadmin: superadmin@lists.example.org
keyserver: ''
smtp_settings:
  address: 127.0.0.1
  port: $PORT
  domain: localhost
  enable_starttls_auto: false
database:
  production:
    adapter: sqlite3
    database: $W/db.sqlite
    timeout: 5000
YML
cat >"$W/list-defaults.yml" <<YML
send_encrypted_only: true
receive_encrypted_only: false
receive_signed_only: true
receive_authenticated_only: false
bounces_notify_admins: true
log_level: warn
YML
export SCHLEUDER_CONFIG="$W/schleuder.yml" SCHLEUDER_LIST_DEFAULTS="$W/list-defaults.yml"
SCHLEUDER_ENV=production
export SCHLEUDER_ENV
VERSION=$(timeout 60 schleuder version 2>/dev/null) || fail "schleuder version does not run"
# The schema, the list, its subscriptions: Schleuder's own Ruby API, with no
# API daemon.
cat >"$W/setup.rb" <<'RUBY'
require "schleuder"
ActiveRecord::Schema.verbose = false
load File.join(File.dirname(Schleuder::List.instance_method(:listdir).source_location[0]), "db/schema.rb")
list, = Schleuder::ListBuilder.new({ email: ARGV[0], fingerprint: ARGV[1] }).run
unless list.is_a?(Schleuder::List) && list.persisted?
  abort "cannot create the list: #{list.respond_to?(:errors) ? list.errors.full_messages.join('; ') : list.inspect}"
end
File.foreach(ARGV[2]) do |line|
  address, fingerprint, role = line.split
  sub, = list.subscribe(address, fingerprint, role == "admin", true)
  abort "cannot subscribe #{address}: #{sub.errors.full_messages.join('; ')}" unless sub.persisted?
end
puts list.subscriptions.count
RUBY
SUBS=$(timeout 300 ruby "$W/setup.rb" $L "$LIST_FPR" "$W/subscribers" 2>"$W/setup.err") ||
    fail "set-up: $(grep -v '^\s' "$W/setup.err" | tail -1)"
[ "$SUBS" = $((N + 1)) ] || fail "the list has $SUBS subscriptions, not $((N + 1))"

post_script "$W" "$KB"
# One run: a sink that stops after the N + 1 copies, `schleuder work`, the
# sink's end.  Schleuder has sent every copy when it returns, so the sink
# must stop within 5 s of that (else it got fewer, and the run fails);
# `schleuder work` has 300 s.
cat >"$W/run.sh" <<RUN
#!/bin/sh
# hyperfine drops what a run writes: the reason goes to run.err too.
die() {
	kill \$SINK 2>/dev/null
	echo "\$*" | tee "$W/run.err" >&2
	exit 1
}
rm -f "$W/port"
"$B/tests/smtp-sink" --port $PORT --port-file "$W/port" --max-messages $((N + 1)) --max-seconds 600 \$1 &
SINK=\$!
i=0
while [ ! -s "$W/port" ]; do
	[ \$i -lt 1000 ] || die "the sink did not start"
	sleep 0.01; i=\$((i + 1))
done
timeout 300 schleuder work $L <"$W/post.eml" >"$W/work.out" 2>&1 ||
    die "schleuder work failed: \$(head -1 "$W/work.out")"
i=0
while kill -0 \$SINK 2>/dev/null; do
	[ \$i -lt 100 ] || die "the sink got fewer than $((N + 1)) copies"
	sleep 0.05; i=\$((i + 1))
done
wait \$SINK
RUN

# The check, outside the timing (and the warm-up: the list's gpg-agent).
sh "$W/post.sh"
mkdir "$W/out"
sh "$W/run.sh" "--dir $W/out" 2>/dev/null || fail "$(cat "$W/run.err" 2>/dev/null)"
awk '{ print $4 }' "$W/out/log" | sort >"$W/got"
awk '{ print $1 }' "$W/subscribers" | sort >"$W/want"
cmp -s "$W/got" "$W/want" ||
    fail "Schleuder sent to $(wc -l <"$W/got") recipients, not the $((N + 1)) subscribers once each"
[ "$(grep -l '^Content-Type: multipart/encrypted' "$W"/out/*.eml | wc -l)" -eq $((N + 1)) ] ||
    fail "not every copy is multipart/encrypted"
! grep -q -F -- "$(head -1 "$W/patch")" "$W"/out/*.eml || fail "a copy carries the patch in plaintext"
ONE=$(awk '$4 == "security@v1.example" { print $1; exit }' "$W/out/log")
sed -n '/^-----BEGIN PGP MESSAGE-----/,/^-----END PGP MESSAGE-----/p' "$W/out/$ONE.eml" | tr -d '\r' |
    gpg --homedir "$W/gnupg-members" --batch --quiet --decrypt 2>/dev/null |
    grep -q -F -- "$(sed -n 2p "$W/patch")" || fail "security@v1.example's copy does not decrypt to the patch"
CONNS=$(awk '{ print $2 }' "$W/out/log" | sort -u | wc -l)
rm -rf "$W/out"

echo "bench: $N members: Schleuder $VERSION, $(wc -l <"$W/want") subscribers, one encrypted message each" \
    "over $CONNS SMTP connections; load $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --runs "$RUNS" --export-csv "$W/result.csv" --export-markdown "$W/result.md" \
    --prepare "sh $W/post.sh" -n "Schleuder $VERSION $N: schleuder work to last copy" "sh $W/run.sh" \
    >"$W/hyperfine.out" 2>&1 || fail "a timed run failed: $(cat "$W/run.err" 2>/dev/null)"
cat "$W/result.md"
# command,mean,stddev,median,user,system,min,max
awk -F, -v n=$N -v v="$VERSION" -v runs="$RUNS" -v p="$PDLIST" 'NR == 2 {
	printf "bench: %s members: Schleuder %s %.1f s (median of %d), pdlist %.3f s, " \
	    "Schleuder/pdlist %.1f; Schleuder CPU %.1f s a post (user + system, " \
	    "gpg included)\n", n, v, $(NF - 4), runs, p, $(NF - 4) / p,
	    $(NF - 3) + $(NF - 2) }' "$W/result.csv"
