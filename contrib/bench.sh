#!/bin/sh
# contrib/bench.sh: how fast a post reaches N members (make bench).
#
# A throwaway list with N members (keys made here), a team post carrying a
# 100 KB patch, the loopback sink from the tests.  hyperfine times
# `listd --once` taking one new post from the inbox to N accepted copies
# (decide, encrypt once, cut N copies, SMTP), against the floor: one
# `gpg --sign --encrypt` of the same payload to the same N keys.
#
# usage: bench.sh BUILDDIR SRCDIR [N]
set -eu
B=$1 S=$2 N=${3:-${BENCH_MEMBERS:-500}}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-bench.XXXXXX")
cleanup() {
	[ -n "${SINK:-}" ] && kill "$SINK" 2>/dev/null
	find "$W" -name S.gpg-agent | while read -r s; do
		gpgconf --homedir "$(dirname "$s")" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
export GNUPGHOME="$W/gnupg"
mkdir -m 700 "$GNUPGHOME"
mkdir "$W/sink"
"$B/tests/smtp-sink" --port-file "$W/port" --dir "$W/sink" --max-seconds 3600 &
SINK=$!
while [ ! -s "$W/port" ]; do sleep 0.1; done
cat >"$W/listd.conf" <<CONF
datadir = "$W/data"
policy-dir = "$S/policy"
smtp-url = "smtp://127.0.0.1:$(cat "$W/port")"
workers = 4
CONF
lc() { "$B/listctl" -c "$W/listd.conf" "$@"; }
L=bench@lists.example.org
lc list create $L --policy xen >/dev/null
gen() {
	gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    --quick-gen-key "<$1>" future-default default never 2>/dev/null
	gpg --batch --armor --export "<$1>" >"$W/key.asc" 2>/dev/null
}
echo "bench: making $N member keys..."
gen alice@xenproject.example
lc member add $L alice@xenproject.example --key "$W/key.asc" --role team >/dev/null
i=1
while [ $i -le "$N" ]; do
	gen security@v$i.example
	lc member add $L security@v$i.example --key "$W/key.asc" --role member \
	    --org "V$i" --category vendor --installed-base 400000 \
	    --evidence https://v$i.example --agreed >/dev/null
	i=$((i + 1))
done
# The post: a team post with a 100 KB patch (multipart/signed).  Each run
# posts a new one, signed afresh: a signature seen before is a replay, held.
head -c 76800 /dev/urandom | base64 -w 76 | sed 's/^/+/' >"$W/patch"
cat >"$W/post.sh" <<POST
#!/bin/sh
# Writes a new signed post into post.eml; with "inject", injects it.
set -e
{
	printf 'Content-Type: multipart/mixed; boundary="m"\\n\\n--m\\nContent-Type: text/plain\\n\\n'
	printf 'Patch set for the team, round %s.\\n\\nDetails.\\n' "\$(date +%s%N)"
	printf -- '--m\\nContent-Type: text/x-diff; name="fix.patch"\\n\\n'
	cat "$W/patch"
	printf -- '--m--\\n'
} >"$W/part"
sed 's/\$/\r/' "$W/part" >"$W/part.crlf"
gpg --batch --yes --armor -u alice@xenproject.example --detach-sign -o "$W/part.sig" "$W/part.crlf"
{
	printf 'From: alice@xenproject.example\\nTo: %s\\nSubject: XSA-1\\nMIME-Version: 1.0\\n' $L
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="s"\\n\\n--s\\n'
	cat "$W/part"
	printf -- '\\n--s\\nContent-Type: application/pgp-signature\\n\\n'
	cat "$W/part.sig"
	printf -- '\\n--s--\\n'
} >"$W/post.eml"
[ "\${1:-}" != inject ] || "$B/listctl" -c "$W/listd.conf" inject $L <"$W/post.eml"
POST
sh "$W/post.sh"
H="$W/data/lists/$L/gnupg"
gpg --homedir "$H" --batch --with-colons --list-keys | awk -F: '/^sub/ { k = $5 } /^fpr/ && k { print $10 "!"; k = "" }' |
    grep -v "^$(gpg --homedir "$H" --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ { print $10; exit }')" \
    >"$W/rcpts"
RARGS=$(sed 's/^/-r /' "$W/rcpts" | tr '\n' ' ')
echo "bench: $(wc -l <"$W/post.eml") lines, $(wc -c <"$W/post.eml") bytes, to $N members and the poster"
hyperfine --warmup 1 --runs "${BENCH_RUNS:-5}" --export-markdown "$W/result.md" \
    --prepare "sh $W/post.sh inject" \
    -n "pdlist: listd --once, one post to $N members" \
    "$B/listd/listd -c $W/listd.conf --once" \
    -n "floor: gpg --sign --encrypt to the same $N keys" \
    "gpg --homedir $H --batch --trust-model always -s -e $RARGS -o /dev/null $W/part"
cat "$W/result.md"
echo "bench: $(wc -l <"$W/sink/log") copies accepted by the sink in all" \
    "(each run: $((N + 1)))"
