#!/bin/sh
# A short libFuzzer run of the intake parser, when configure found clang
# with libFuzzer (make fuzz runs a long one).  New inputs go to a scratch
# folder; the saved ones are only read.
F="${top_builddir:-.}/tests/fuzz/fuzz_intake-libfuzzer"
[ -x "$F" ] || { echo "1..0 # SKIP clang with libFuzzer not found by configure"; exit 0; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
echo "1..1"
mkdir "$scratch/new"
if "$F" -max_total_time="${FUZZ_SHORT_TIME:-20}" -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$scratch/" "$scratch/new" "${top_srcdir:-.}/tests/fuzz/intake" \
    >"$scratch/log" 2>&1; then
	echo "ok 1 - $(sed -n 's/.*#\([0-9]*\).*DONE.*/\1/p' "$scratch/log") runs, no crash"
else
	echo "not ok 1 - the fuzzer found a crash:"
	sed 's/^/# /' "$scratch/log" | tail -n 40
	for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-*; do
		[ -f "$a" ] && echo "# saved input: $(base64 -w0 <"$a")"
	done
	exit 1
fi
