#!/bin/sh
# Real mail from Thunderbird/Enigmail and mutt (../shared/corpus/clients)
# reaches the outcome the corpus README gives, with the corpus's list key
# (list create --key) and its sender, paz@nadir.org, on the team.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
find_corpus || skip_all "corpus not found"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"

L=schleuder@example.org
# The corpus was signed years ago: its list takes signatures of any age.
sed 's/^\([[:space:]]*max-signature-age =\).*/\1 36500/' "$top_srcdir/policy/libvirt.conf" \
    >"$W/libvirt-archive.conf"
lc list create $L --policy "$W/libvirt-archive.conf" \
    --key "$CORPUS/keys/list-schleuder-at-example-org.sec.asc" \
    >/dev/null || { echo "Bail out! list create --key"; exit 1; }
lc member add $L paz@nadir.org --key "$CORPUS/keys/sender-52507B01.asc" --role team >/dev/null ||
    { echo "Bail out! member add"; exit 1; }
# A reader with a key made here, to see what the list sends out.
import_list_key $L
add_member $L "Mod <mod@lists.example.org>" team
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

# expect FILE OUTCOME: injects one mail, processes it, and checks the
# decision the processor recorded for it last.
expect() {
	lc inject $L <"$CORPUS/clients/$1"
	_rc=$?
	listd_once >/dev/null
	_last=$(lc audit $L | grep -E ' post (distribute|hold) ' | tail -n 1)
	_id=$(printf '%s\n' "$_last" | sed -n 's/.* post [a-z]* \([^ ]*\) .*/\1/p')
	_got=$(printf '%s\n' "$_last" | sed -n 's/.* post [a-z]* [^ ]* \([a-z-]*\):.*/\1/p')
	is "$_rc/$_got" "0/$2" "$1: $2"
}

expect thunderbird-signed-mime.eml distribute
expect thunderbird-signed-inline.eml distribute
expect thunderbird-encrypted-signed-mime.eml distribute
expect thunderbird-encrypted-signed-inline.eml distribute
expect thunderbird-multi-alt-signed.eml distribute
expect thunderbird-encrypted-mime.eml unsigned
expect thunderbird-encrypted-inline.eml unsigned
expect protected-headers.eml unsigned
like "$(lc held show $L "$_id")" "^subject +Re: the real subject$" \
    "protected-headers.eml: the held record shows the inner Subject"
expect mutt-protected-headers.eml unsigned
like "$(lc held show $L "$_id")" "^subject +x$" \
    "mutt-protected-headers.eml: the held record shows the inner Subject, not '...'"
expect qp-encoding-clear.eml unsigned
expect qp-encoding-encrypted.eml unsigned
expect qp-encoding-encrypted+signed.eml loop
expect thunderbird-plain.eml unsigned
expect thunderbird-multi-alt-unsigned.eml unsigned
expect encrypted-to-absent-key.eml cannot-decrypt
expect encrypted-symmetric.eml cannot-decrypt
is "$(ls "$CORPUS/clients" | grep -c '\.eml$')" 16 "every mail of the corpus was tried"

# As an MTA hands them over LMTP: CRLF line ends (RFC 3156 signs CRLF).
# The same signatures again are replays on this list: a second list with
# the same key judges them afresh.
L2=schleuder2@example.org
lc list create $L2 --policy "$W/libvirt-archive.conf" --key "$CORPUS/keys/list-schleuder-at-example-org.sec.asc" >/dev/null
lc member add $L2 paz@nadir.org --key "$CORPUS/keys/sender-52507B01.asc" --role team >/dev/null
add_member $L2 mod@lists.example.org team
for f in thunderbird-signed-mime thunderbird-multi-alt-signed thunderbird-signed-inline; do
	sed 's/\r*$/\r/' "$CORPUS/clients/$f.eml" >"$W/$f.crlf.eml"
	lc inject $L2 <"$W/$f.crlf.eml"
	listd_once >/dev/null
	like "$(lc audit $L2 | grep -E ' post (distribute|hold) ' | tail -n 1)" " post distribute .* paz@nadir.org" \
	    "$f.eml with CRLF line ends: distribute"
done
lc inject $L <"$CORPUS/clients/thunderbird-signed-mime.eml"
listd_once >/dev/null
like "$(lc audit $L | grep -E ' post (distribute|hold) ' | tail -n 1)" " post hold .* replay: this signature was seen before" \
    "the same signed mail a second time is held as a replay"

# ---- what went out: every distributed mail, decryptable, intact ----------------
is "$(copies_to mod@lists.example.org)" 8 "the 8 distributed mails went out to the reader"
bad=0 texts=0
: >"$W/all.txt"
for seq in $(awk '$4 == "mod@lists.example.org" { print $1 }' "$SINK_DIR/log"); do
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$SINK_DIR/$seq.eml" |
	    tr -d '\r' | gpg --batch --decrypt >"$W/out.$seq" 2>/dev/null || bad=$((bad + 1))
	grep -q "This is a test" "$W/out.$seq" && texts=$((texts + 1))
	cat "$W/out.$seq" >>"$W/all.txt"
done
is "$bad" 0 "each copy decrypts with the reader's key, with the list's good signature"
is "$texts" 8 "each holds the text as posted"
sig=$(awk '/-----BEGIN PGP SIGNATURE-----/,/-----END PGP SIGNATURE-----/' \
    "$CORPUS/clients/thunderbird-signed-mime.eml" | tr -d '\r' | sed -n 3p)
ok "Thunderbird's own signature travels inside, unchanged" grep -qF -- "$sig" "$W/all.txt"
for f in thunderbird-signed-mime thunderbird-multi-alt-signed; do
	name=$(grep -o 'filename="[^"]*"' "$CORPUS/clients/$f.eml" | head -n 1)
	[ -n "$name" ] && ok "$f.eml: its attachment ($name) is inside" grep -qF -- "$name" "$W/all.txt"
done

done_testing
