#!/bin/sh
# Several listctl processes change the same list at once: nothing is lost,
# nothing is corrupted, and a race for one address has one winner.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

L=race@lists.example.org
lc list create $L --policy xen >/dev/null || { echo "Bail out! list create"; exit 1; }
N=12
i=1
while [ $i -le $N ]; do
	genkey "<security@v$i.example>" >/dev/null
	i=$((i + 1))
done
i=1
while [ $i -le $N ]; do
	lc member add $L security@v$i.example --key "$W/keys/security@v$i.example.asc" \
	    --role team >"$W/out.$i" 2>&1 &
	i=$((i + 1))
done
wait
is "$(cat "$W"/out.* | grep -c '^added ')" $N "$N concurrent member adds all succeed"
is "$(lc member ls $L | wc -l | tr -d ' ')" $N "member ls shows all $N"
is "$(keyring_count $L)" $((N + 1)) "the keyring holds their $N keys and the list's"
is "$(lc audit $L | grep -c 'member add .* done')" $N "the audit log has $N additions"
seqs=$(lc audit $L --json | sed -n 's/.*"seq": \([0-9]*\).*/\1/p' | tr '\n' ' ')
is "$seqs" "$(seq 1 $((N + 1)) | tr '\n' ' ')" "audit entries are numbered without a gap"

# Two different keys race for the same address.
genkey "<security@dup.example>" >/dev/null
mv "$W/keys/security@dup.example.asc" "$W/keys/dup1.asc"
mkdir -m 700 "$W/other-gnupg"
(GNUPGHOME="$W/other-gnupg"; genkey "<security@dup.example>" >/dev/null)
mv "$W/keys/security@dup.example.asc" "$W/keys/dup2.asc"
lc member add $L security@dup.example --key "$W/keys/dup1.asc" --role team >"$W/d1" 2>&1 &
lc member add $L security@dup.example --key "$W/keys/dup2.asc" --role team >"$W/d2" 2>&1 &
wait
is "$(cat "$W/d1" "$W/d2" | grep -c '^added ')" 1 "one of two racing adds wins"
like "$(cat "$W/d1" "$W/d2")" "already a member" "the other is told"
is "$(keyring_count $L)" $((N + 2)) "only the winner's key is in the keyring"

# Removals and suspensions racing with additions.
i=1
while [ $i -le 6 ]; do
	lc member remove $L security@v$i.example >/dev/null 2>&1 &
	j=$((i + 6))
	lc member suspend $L security@v$j.example >/dev/null 2>&1 &
	i=$((i + 1))
done
wait
is "$(lc member ls $L | grep -c 'security@v')" 6 "six removed, six left"
is "$(lc member ls $L | grep -c ' suspended ')" 6 "and all six left are suspended"
ok "the store still opens cleanly" lc list show $L

done_testing
