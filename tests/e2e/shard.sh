#!/bin/sh
# Encryption in shards (listd/encrypt_shard.c): with encrypt-shard-size = 2,
# a post to 5 members, a team poster and an admin is signed and encrypted
# once per shard of at most 2 recipients (4 shards, on threads); every copy
# still carries exactly one PKESK, its member's own, decrypts and shows the
# list's good signature; copies from different shards carry different
# encrypted data, copies from one shard the same.  Network: 127.0.0.1 only.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team admin@xenproject.example admin ||
    { echo "Bail out! list"; exit 1; }
N=5
add_vendors $L $N || { echo "Bail out! members"; exit 1; }
echo "encrypt-shard-size = 2" >>"$CONF"
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
advisory "$W/adv" XSA-31 1
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "XSA-31: sharded" \
    "$W/adv" >"$W/post.eml"
lc inject $L <"$W/post.eml"
ok "listd --once distributes the post" until_done $L
is "$(wc -l <"$SINK_DIR/log" | tr -d ' ')" $((N + 2)) "a copy for each of the $((N + 2))"

bad_pk=0 bad_dec=0 bad_sig=0
: >"$W/tails"
for a in $(awk '{ print $4 }' "$SINK_DIR/log"); do
	C=$(copy_for "$a")
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$C" | tr -d '\r' >"$W/c.asc"
	sub=$(gpg --with-colons -k "$a" 2>/dev/null | awk -F: '/^sub/ { print $5; exit }')
	pk=$(gpg --batch --list-packets "$W/c.asc" 2>/dev/null | grep '^:pubkey enc packet')
	[ "$(printf '%s\n' "$pk" | grep -c .)" = 1 ] && printf '%s' "$pk" | grep -q "keyid $sub" ||
	    bad_pk=$((bad_pk + 1))
	gpg --batch --status-fd 1 --decrypt "$W/c.asc" >"$W/plain" 2>/dev/null >"$W/status" ||
	    bad_dec=$((bad_dec + 1))
	grep -q '^\[GNUPG:\] GOODSIG' "$W/status" || bad_sig=$((bad_sig + 1))
	# the last line of data before the CRC: the end of the encrypted data
	grep -v '^=' "$W/c.asc" | grep -v -- '-----' | tail -n 1 >>"$W/tails"
done
is $bad_pk 0 "every copy holds exactly one PKESK, its member's encryption subkey"
is $bad_dec 0 "every copy decrypts"
is $bad_sig 0 "and shows the list's good signature"
is "$(sort -u "$W/tails" | wc -l | tr -d ' ')" 4 \
    "4 shards: copies from different shards carry different encrypted data"
like "$(decrypted_for security@v3.example)" "XSA-31" "the advisory is inside"
stop_sink
done_testing
