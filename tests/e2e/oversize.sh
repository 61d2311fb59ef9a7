#!/bin/sh
# oversize = hold (issue 12): under libvirt a report over max-message-size
# (10 MiB) and under listd.conf's max-held-size (64 MiB) is taken in,
# sealed, and held as limits, over LMTP and inject alike; above the ceiling
# it is refused (552, exit 65).  Under xen (oversize = reject) nothing
# changes: refused.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
[ -x "$top_builddir/tests/lmtp-client" ] || skip_all "lmtp-client not built"

V=libvirt-security@lists.example.org
X=xen-pre@lists.example.org
new_list $V libvirt dan@libvirt.example team || { echo "Bail out! list"; exit 1; }
new_list $X xen alice@xenproject.example team || { echo "Bail out! list"; exit 1; }
printf 'max-held-size = 24\n' >>"$CONF"	# MiB
head -c 15000000 /dev/urandom | base64 -w 76 >"$W/big"	# about 20 MB
printf 'REPORT-CANARY\n' >>"$W/big"
mail_plain finder@outside.example $V "a large reproducer" "$W/big" >"$W/big.eml"
ok "the report is over 10 MiB ($(wc -c <"$W/big.eml") bytes)" \
    test "$(wc -c <"$W/big.eml")" -gt 10485760

lc inject $V --sender finder@outside.example <"$W/big.eml" >/dev/null
is $? 0 "libvirt (oversize = hold): inject takes the 20 MB report"
listd_once 2>/dev/null
held=$(lc held ls $V | awk -F'\t' '$4 == "" || $3 ~ /finder/')
like "$held" "limits" "it is held as limits"
like "$(lc held show $V "$(printf '%s' "$held" | cut -f1 | head -n 1)")" \
    "max-message-size.*oversize = hold" "saying why"
store_file=$(find "$DATA" -name data.mdb | head -n 1)
unlike "$(grep -a -o REPORT-CANARY "$store_file")" . "sealed in the store"

fails 65 "xen (oversize = reject): inject refuses it" lc inject $X <"$W/big.eml"

head -c 20000000 /dev/urandom | base64 -w 76 >"$W/huge"	# about 27 MB
mail_plain finder@outside.example $V "too large" "$W/huge" >"$W/huge.eml"
fails 65 "libvirt: over max-held-size (24 MiB) inject refuses it" \
    lc inject $V <"$W/huge.eml"

# Over LMTP, as an MTA hands it over.
LMTP="$W/lmtp.sock"
echo "lmtp-listen = \"unix:$LMTP\"" >>"$CONF"
"$LISTD" -f -c "$CONF" 2>"$W/listd.log" &
LISTD_PID=$!
i=0
while [ ! -S "$LMTP" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
out=$("$top_builddir/tests/lmtp-client" "unix:$LMTP" --from finder@outside.example \
    $V <"$W/big.eml")
like "$out" "^250 2\.0\.0" "LMTP: libvirt takes the 20 MB report"
out=$("$top_builddir/tests/lmtp-client" "unix:$LMTP" --from finder@outside.example \
    $X <"$W/big.eml")
like "$out" "^552 5\.3\.4" "LMTP: xen answers 552"
out=$("$top_builddir/tests/lmtp-client" "unix:$LMTP" --from finder@outside.example \
    $V <"$W/huge.eml")
like "$out" "^552 5\.3\.4" "LMTP: libvirt answers 552 above max-held-size"
kill $LISTD_PID
wait $LISTD_PID 2>/dev/null
done_testing
