#!/bin/sh
# contrib/bench-check.sh: how long `listctl member check` takes at N members
# (make bench).  A throwaway list with N members (keys made here), timed by
# hyperfine.  With OLD_LISTCTL, a listctl built from another commit is
# timed on the same data, for a ratio.
#
# usage: bench-check.sh BUILDDIR SRCDIR [N]
set -eu
B=$1 S=$2 N=${3:-${BENCH_MEMBERS_CHECK:-1000}}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-bench.XXXXXX")
cleanup() {
	find "$W" -name S.gpg-agent | while read -r s; do
		gpgconf --homedir "$(dirname "$s")" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
export GNUPGHOME="$W/gnupg"
mkdir -m 700 "$GNUPGHOME"
cat >"$W/listd.conf" <<CONF
datadir = "$W/data"
policy-dir = "$S/policy"
smtp-url = "smtp://127.0.0.1:1"
CONF
lc() { "$B/listctl" -c "$W/listd.conf" "$@"; }
L=bench@lists.example.org
lc list create $L --policy xen >/dev/null
echo "bench: making $N member keys..."
i=1
{
	printf '['
	while [ $i -le "$N" ]; do
		gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
		    --quick-gen-key "<security@v$i.example>" future-default default never 2>/dev/null
		[ $i -gt 1 ] && printf ','
		printf '{"address": "security@v%d.example", "org": "V%d", "category": "vendor", "installed-base": 400000, "evidence": ["https://v%d.example"], "agreed": true}\n' $i $i $i
		i=$((i + 1))
	done
	printf ']\n'
} >"$W/members.json"
gpg --batch --armor --export >"$W/keyring.asc"
lc member import $L "$W/members.json" --key "$W/keyring.asc"
set -- -n "listctl member check, $N members" "$B/listctl -c $W/listd.conf member check $L"
if [ -n "${OLD_LISTCTL:-}" ]; then
	# A listctl from before key-warn-days cannot read those settings.
	sed -i '/key-warn-days\|key-refresh-days/d' "$W/data/lists/$L/policy.conf"
	set -- "$@" -n "before (OLD_LISTCTL)" "$OLD_LISTCTL -c $W/listd.conf member check $L"
fi
hyperfine --warmup 1 --runs "${BENCH_RUNS:-5}" -i --export-markdown "$W/result.md" "$@"
cat "$W/result.md"
