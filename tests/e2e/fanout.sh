#!/bin/sh
# Encrypted fan-out: one encryption per post, a copy per member carrying only
# its own session key packet, delivered over SMTP to a loopback sink.  Keys
# for 20 members, a team poster and an admin are made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team admin@xenproject.example admin ||
    bail_out list
LFPR=$(lc list show $L --json | sed -n 's/.*"fingerprint": "\([0-9A-F]*\)".*/\1/p')
N=20
add_vendors $L $N || bail_out vendors
# A member whose key expires a few seconds from now.
add_expiring_vendor $L security@late.example 6 Late https://l.example
is $? 0 "a member whose key expires in seconds is added"
policy_set $L key-warn-days {}	# warnings: keylife.sh

# The advisory, signed by the team as multipart/signed with a patch.
advisory "$W/advisory" XSA-777 1 7 "CVE: CVE-2026-7777"
echo "Xen Security Advisory XSA-777: the embargoed details are here." >>"$W/advisory"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L \
    "XSA-777: embargoed subject" "$W/advisory" >"$W/post.eml"
cp "$W/part" "$W/signed-part"
cp "$W/part.sig" "$W/team.sig"
sleep 6	# the late member's key has expired now
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
echo 'workers = 4' >>"$CONF"
lc inject $L <"$W/post.eml"
ok "listd --once decides, encrypts and delivers" listd_once

# ---- who got what ----------------------------------------------------------------
all_one=0
i=1
while [ $i -le $N ]; do
	[ "$(copies_to security@v$i.example)" = 1 ] || all_one=$((all_one + 1))
	i=$((i + 1))
done
is "$all_one" 0 "each of the $N members received exactly one copy"
is "$(copies_to alice@xenproject.example)" 2 "the team poster gets one too, and the notice of the skip"
is "$(copies_to security@late.example)" 0 "the member whose key expired gets nothing"
is "$(copies_to admin@xenproject.example)" 2 "the admin gets the post and a notice"
like "$(lc audit $L)" "post encrypt .* encrypted" "the post was encrypted once"
like "$(lc audit $L --json | tr -d '\n ')" '"recipients":22,"skipped":1' \
    "to 22 recipients, one skipped"
like "$(lc audit $L)" "post delivered .* all sent" "and delivered"
is "$(lc queue $L | grep -vc '	skipped	')" 0 "nothing waits in the queue"
like "$(lc queue $L)" "security@late.example	skipped	.*expired" "the skipped member is in the queue with why"

# ---- one member's copy -----------------------------------------------------------
C=$(copy_for security@v7.example)
like "$(sed -n '/^\r*$/q;p' "$C")" "^Subject: \[\.\.\.\]" "the outer Subject is neutral"
unlike "$(cat "$C")" "embargoed subject|XSA-777|CVE-2026" "no embargoed detail outside the encryption"
like "$(grep -i '^List-Id:' "$C")" "<xen-pre.lists.example.org>" "List-Id"
like "$(grep -i '^List-Post:' "$C")" "NO" "List-Post: NO"
like "$(grep -i '^To:' "$C")" "$L" "To: the list"
like "$(grep -i '^From:' "$C")" "$L" "From: the list"
unlike "$(cat "$C")" "^(Received|User-Agent|X-Originating-IP|X-Mailer):" "none of the poster's own headers"
like "$(grep -i '^Content-Type:' "$C" | head -n 1)" "multipart/encrypted" "RFC 3156 multipart/encrypted"
others=0
for f in "$SINK_DIR"/*.eml; do
	to=$(awk '$1 == "'"$(basename "$f" .eml)"'" { print $4 }' "$SINK_DIR/log")
	for a in $(grep -o 'security@v[0-9]*\.example\|alice@xenproject\.example\|admin@xenproject\.example' "$f"); do
		[ "$a" = "$to" ] || others=$((others + 1))
	done
done
is "$others" 0 "no copy mentions another member's address"

# The PKESKs: exactly one, the member's own encryption subkey.
sub7=$(gpg --with-colons -k security@v7.example 2>/dev/null | awk -F: '/^sub/ { print $5; exit }')
awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$C" | tr -d '\r' >"$W/c7.asc"
pk=$(gpg --batch --list-packets "$W/c7.asc" 2>/dev/null | grep -c '^:pubkey enc packet')
is "$pk" 1 "the copy holds exactly one PKESK"
like "$(gpg --batch --list-packets "$W/c7.asc" 2>/dev/null | grep '^:pubkey enc packet')" "keyid $sub7" \
    "addressed to that member's encryption subkey"
pks=0
for f in "$SINK_DIR"/*.eml; do
	n=$(awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$f" | tr -d '\r' |
	    gpg --batch --list-packets 2>/dev/null | grep -c '^:pubkey enc packet')
	[ "$n" = 1 ] || pks=$((pks + 1))
done
is "$pks" 0 "every copy holds exactly one PKESK"

# Decrypts with that member's secret key and with no other member's.
mkdir -m 700 "$W/h7" "$W/h8"
for m in 7 8; do
	gpg --batch --pinentry-mode loopback --passphrase '' --armor \
	    --export-secret-keys security@v$m.example 2>/dev/null |
	    gpg --homedir "$W/h$m" --batch --quiet --import 2>/dev/null
	gpg --batch --armor --export $LFPR | gpg --homedir "$W/h$m" --batch --quiet --import 2>/dev/null
done
gpg --homedir "$W/h7" --batch --trust-model always --status-fd 3 --decrypt "$W/c7.asc" \
    >"$W/p7" 2>/dev/null 3>"$W/st7"
is $? 0 "member 7's copy decrypts with member 7's key"
like "$(cat "$W/st7")" "GOODSIG $LFPR|VALIDSIG $LFPR" "and carries the list's good signature"
ok "member 7's copy does not decrypt with member 8's key" sh -c \
    "! gpg --homedir '$W/h8' --batch --decrypt '$W/c7.asc' >/dev/null 2>&1"

# What is inside: protected headers, the advisory and the patch as posted.
like "$(head -n 12 "$W/p7")" 'protected-headers="?v1"?' "the top part carries protected-headers=\"v1\""
like "$(head -n 12 "$W/p7")" 'hp="?cipher"?' "and RFC 9788's hp=\"cipher\""
like "$(grep -i '^Subject:' "$W/p7" | head -n 1)" "XSA-777: embargoed subject" "the real Subject is inside"
signed_part "$W/p7" >"$W/inner-part"
ok "the team's signed part is inside byte for byte" cmp -s "$W/inner-part" "$W/signed-part"
sed 's/$/\r/' "$W/inner-part" >"$W/inner-part.crlf"
awk '/-----BEGIN PGP SIGNATURE-----/,/-----END PGP SIGNATURE-----/' "$W/p7" >"$W/inner.sig"
ok "the team's own signature still verifies over what the member received" \
    gpg --batch --verify "$W/inner.sig" "$W/inner-part.crlf"
like "$(cat "$W/p7")" "the embargoed details are here" "the advisory text is there"
like "$(cat "$W/p7")" "^\+fix" "and the patch"

# The notice to the admin: encrypted, naming the skipped member and why.
for f in "$SINK_DIR"/*.eml; do
	to=$(awk '$1 == "'"$(basename "$f" .eml)"'" { print $4 }' "$SINK_DIR/log")
	[ "$to" = admin@xenproject.example ] || continue
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$f" | tr -d '\r' |
	    gpg --batch --decrypt 2>/dev/null >>"$W/admin.txt"
done
like "$(cat "$W/admin.txt")" "security@late.example: key [0-9A-F]+ expired" \
    "the admin's encrypted notice names the skipped member and why"
unlike "$(grep -l 'security@late.example' "$SINK_DIR"/*.eml)" "." "the notice is not in plaintext anywhere"

is "$(awk '{ print $2 }' "$SINK_DIR/log" | sort -u | wc -l | tr -d ' ')" 4 \
    "the copies went over 4 connections, one per worker, each reused"
ledger=$(mdb_dump -p -s ledger "$DATA/store" 2>/dev/null)
like "$ledger" '"advisory":"XSA-777"' "the ledger records the advisory of each copy"
like "$ledger" '"revision":1' "and its revision"
like "$ledger" '"reply":"250 ' "and the server's reply"
ok "a second run sends nothing more" listd_once
is "$(wc -l <"$SINK_DIR/log" | tr -d ' ')" $((N + 4)) "no copy went out twice (N members, team, admin, two notices)"
ok "the store keeps the encrypted post, not the plaintext payload" sh -c \
    "! mdb_dump -a '$DATA/store' 2>/dev/null | grep -q 'protected-headers'"

done_testing
