#!/bin/sh
# contrib/bench-check.sh: how long `listctl member check` takes at N members
# (make bench).  A copy of bench.sh's cached list with N members
# (contrib/bench-world.sh), timed by hyperfine.  With OLD_LISTCTL, a listctl built from another commit is
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
CACHE=${BENCH_CACHE:-${HOME:-/tmp}/.cache/pdlist-bench}
L=bench@lists.example.org
. "$S/contrib/bench-world.sh"
cached_world "$N"
cp -a "$CACHE/$N/data" "$W/"
cat >"$W/listd.conf" <<CONF
datadir = "$W/data"
policy-dir = "$S/policy"
smtp-url = "smtp://127.0.0.1:1"
CONF
set -- -n "listctl member check, $N members" "$B/listctl -c $W/listd.conf member check $L"
if [ -n "${OLD_LISTCTL:-}" ]; then
	# A listctl from before key-warn-days cannot read those settings.
	sed -i '/key-warn-days\|key-refresh-days/d' "$W/data/lists/$L/policy.conf"
	set -- "$@" -n "before (OLD_LISTCTL)" "$OLD_LISTCTL -c $W/listd.conf member check $L"
fi
hyperfine --warmup 1 --runs "${BENCH_RUNS:-5}" -i --export-markdown "$W/result.md" "$@"
cat "$W/result.md"
