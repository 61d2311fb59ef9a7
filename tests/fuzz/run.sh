#!/bin/sh
# tests/fuzz/run.sh SECONDS INPUTS NAME: what make fuzz-NAME runs.  Runs
# tests/fuzz/fuzz_NAME-libfuzzer (in the build tree) for SECONDS over the
# saved inputs in INPUTS/NAME, which it only reads; new inputs and any crash
# go to fuzz-new-NAME/ (libFuzzer writes into the first folder it is given).
[ $# -eq 3 ] || { echo "usage: run.sh SECONDS INPUTS NAME" >&2; exit 64; }
mkdir -p "fuzz-new-$3" || exit 1
exec "./tests/fuzz/fuzz_$3-libfuzzer" -max_total_time="$1" -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="fuzz-new-$3/" "fuzz-new-$3" "$2/$3"
