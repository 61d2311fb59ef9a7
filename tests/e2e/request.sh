#!/bin/sh
# The list run by signed mail to LIST-request@: commands in the grammar of
# listctl, by role, signed, fresh, addressed to the list, answered
# encrypted; over loopback with keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

D=lists.example.org
L=sec@$D
Q=sec-request@$D
T=team@xen.example
M=mod@xen.example
A=admin@xen.example
V=security@v1.example
PUB=announce@public.example
new_list $L xen $T team $M moderator $A admin ||
    { echo "Bail out! list"; exit 1; }
add_vendors $L 2 || { echo "Bail out! vendor"; exit 1; }
V2=security@v2.example
lc list set $L --public $PUB >/dev/null || { echo "Bail out! public"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

held_id() { lc held ls $L | awk -F'\t' -v s="$1" '$4 == s { print $1 }'; }
report() {	# report NAME TEXT: an outsider's plain report, held
	printf '%s\n' "$2" >"$W/$1.txt"
	mail_plain reporter@outside.example $L "$1" "$W/$1.txt" >"$W/$1.eml"
	lc inject $L --sender reporter@outside.example <"$W/$1.eml"
	until_done $L >/dev/null
}
# request NAME SIGNER LINES...: SIGNER's signed and encrypted mail to the
# request address with the List: line and LINES, in $W/NAME.eml, sent.
request() {
	_rq=$1 _rs=$2
	shift 2
	{ printf 'List: %s\n' $L; printf '%s\n' "$@"; } >"$W/$_rq.txt"
	mail_encrypted "$_rs" $L "$_rs" $Q "$_rq" "$W/$_rq.txt" >"$W/$_rq.eml"
	send "$_rq"
}
send() { lc inject $Q --sender x@else.example <"$W/$1.eml"; until_done $L >/dev/null; }
# reply ADDRESS: the last reply to ADDRESS, decrypted.
reply() { decrypt "$(copy_for "$1")"; }

# ---- a moderator approves by mail -----------------------------------------

report bug1 "A use-after-free in the grant table code."
id=$(held_id bug1)
ok "a report is held" test -n "$id"
t0=$(copies_to $T)
request approve $M "held approve $id"
like "$(told $M)" "Your request to $L, signed by $M with key [0-9A-F]{40}" \
    "the moderator gets a reply"
like "$(told $M)" "approved $id on $L: listd sends it to the members" \
    "encrypted, saying the report is approved"
like "$(told $M)" "Done: 1 command" "and that the request is done"
is "$(copies_to $T)" $((t0 + 1)) "the held report reaches the team"
like "$(decrypted_for $T)" "use-after-free in the grant table" "readable by it"
is "$(held_id bug1)" "" "it is no longer held"
like "$(lc audit $L)" "$M\(key:[0-9A-F]{40},by-mail\) held approve $id done" \
    "the audit log names the moderator's address and key"
like "$(lc audit $L)" "$M\(key:[0-9A-F]{40},by-mail\) request [0-9]{8}T[0-9]{6}Z-[0-9a-f]+ done" \
    "and the request itself"
ok "no reply or report in plaintext" sh -c "! grep -l 'grant table\|approved $id' '$W'/sink.*/*.eml"

# ---- replays, roles, signatures, addresses ----------------------------------

send approve
like "$(reply $M)" "seen before" "the same mail again is refused as a replay"
like "$(reply $M)" "Nothing was run" "and nothing runs"

report bug2 "A second report, for the moderators only."
id2=$(held_id bug2)
v0=$(copies_to $V)
request vendor $V "held approve $id2"
like "$(reply $V)" "held approve: your role may not send this command" \
    "a member's held approve is refused, the member told why"
is "$(held_id bug2)" "$id2" "and the report stays held"
unlike "$(decrypted_for $V)" "second report" "the member does not see it"

printf 'List: %s\nheld approve %s\n' $L "$id2" >"$W/unsigned.txt"
mail_plain $A $Q unsigned "$W/unsigned.txt" >"$W/unsigned.eml"
send unsigned
is "$(held_id bug2)" "$id2" "an unsigned command is refused: still held"
like "$(lc held ls $L)" "	request	" "the unsigned command is held for the moderators"
like "$(lc held show $L "$(lc held ls $L | awk -F'\t' '$2 == "request" { print $1 }' | tail -n 1)")" \
    "not signed" "saying it is not signed"

{ printf 'List: other@%s\nheld approve %s\n' $D "$id2"; } >"$W/other.txt"
mail_encrypted $M $L $M $Q other "$W/other.txt" >"$W/other.eml"
send other
like "$(reply $M)" "names list other@$D, not $L" "a command naming another list is refused"
is "$(held_id bug2)" "$id2" "and changes nothing"

printf 'held approve %s\n' "$id2" >"$W/nolist.txt"
mail_encrypted $M $L $M $Q nolist "$W/nolist.txt" >"$W/nolist.eml"
send nolist
like "$(reply $M)" "names no list: add the line List: $L" "one naming no list too"

request twolines $M "held reject $id2 --reason 'not for us'" "held frobnicate $id2"
like "$(reply $M)" "line 2 \(held frobnicate $id2\) is refused" \
    "a mail with a bad line is refused"
is "$(held_id bug2)" "$id2" "and its good line before it did not run (all or nothing)"

request unknown $M "held reject $id2" "held approve 20990101T000000Z-00000000"
like "$(reply $M)" "no held message 20990101T000000Z-00000000" \
    "a line naming a held message that is not there is refused before anything runs"
like "$(reply $M)" "Nothing was run" "so the line before it did not run"
is "$(held_id bug2)" "$id2" "and the report is still held"
request reject $M "held reject $id2 --reason \"not for this list\"" "held reject $id2"
like "$(reply $M)" "rejected $id2 on $L" "quoted arguments as in a shell"
is "$(held_id bug2)" "" "the report is rejected"
like "$(reply $M)" "Stopped: line 2 .* failed" "a line refused only when it runs stops the request"
like "$(reply $M)" "The lines before it were run" "saying what was done"

# ---- the held notice: the message itself, and the line to approve it ------

report bug3 "An out-of-bounds write in the emulator, reproducer inside."
id3=$(held_id bug3)
like "$(lc held show $L "$id3" --message)" "out-of-bounds write in the emulator" \
    "held show --message prints the held message"
like "$(lc held show $L "$id3" --message)" "Subject: bug3" "with its headers"
notice=$(for f in $(awk -v a=$M '$4 == a { print $1 }' "$SINK_DIR/log"); do
	decrypt "$SINK_DIR/$f.eml" | grep -q "Message $id3 " && echo "$SINK_DIR/$f.eml"
done | tail -n 1)
ok "the moderator gets a held notice" test -n "$notice"
decrypt "$notice" >"$W/notice.txt"
like "$(cat "$W/notice.txt")" "out-of-bounds write in the emulator" \
    "which decrypts to the held message's body"
like "$(cat "$W/notice.txt")" "Content-Type: message/rfc822" "carried as message/rfc822"
like "$(cat "$W/notice.txt")" "Subject: bug3" "with its subject"
like "$(cat "$W/notice.txt")" "^held approve $id3\$" "and the exact line to approve it"
like "$(grep -i '^Reply-To:' "$notice")" "$Q" "a reply to the notice goes to the request address"
ok "the held message is nowhere in plaintext" sh -c "! grep -l 'out-of-bounds' '$W'/sink.*/*.eml"
request showmsg $M "held show $id3"
like "$(reply $M)" "^why +no OpenPGP signature" "held show by mail gives the record"
like "$(reply $M)" "Content-Type: message/rfc822" "and the held message, as message/rfc822"
like "$(reply $M)" "out-of-bounds write in the emulator" "readable inside the encryption"
like "$(lc help $L)" "^  held approve ID" "listctl help lists the commands by mail"
# The moderator replies to the notice, quoting it, with its two lines.
{ sed 's/^/> /' "$W/notice.txt"; printf '\nList: %s\nheld approve %s\n\n-- \nMod\n' $L "$id3"; } \
    >"$W/answer.txt"
t0=$(copies_to $T)
mail_encrypted $M $L $M $Q "Re: pdlist: a message is held" "$W/answer.txt" >"$W/answer.eml"
send answer
is "$(held_id bug3)" "" "a signed reply to the notice with its approve line approves"
is "$(copies_to $T)" $((t0 + 1)) "and the report reaches the team"

# ---- admins: members -----------------------------------------------------------

genkey "<newteam@xen.example>" >/dev/null
genkey "<security@gmail.com>" >/dev/null
# member_request NAME ADDRESS COMMAND: the admin's command with ADDRESS's key
# attached, signed and encrypted.
member_request() {
	_b="keys-$$"
	{
		printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$_b"
		printf -- '--%s\nContent-Type: text/plain; charset=utf-8\n\n' "$_b"
		printf 'List: %s\n%s\n' $L "$3"
		printf -- '--%s\nContent-Type: application/pgp-keys; name="key.asc"\n' "$_b"
		printf 'Content-Disposition: attachment; filename="key.asc"\n\n'
		cat "$W/keys/$2.asc"
		printf -- '--%s--\n' "$_b"
	} >"$W/$1.entity"
	mail_encrypt_entity $A $L $A $Q "$1" "$W/$1.entity" >"$W/$1.eml"
	send "$1"
}
member_request addteam newteam@xen.example "member add newteam@xen.example --role team"
like "$(reply $A)" "added newteam@xen.example to $L as team" "an admin adds a member by mail, key attached"
like "$(lc member ls $L)" "newteam@xen.example +team +active" "the member is on the list"
member_request addbad security@gmail.com \
    "member add security@gmail.com --role member --org 'Free Mail' --category vendor --installed-base 10 --agreed"
like "$(reply $A)" "security@gmail.com refused: .*free-mail.*" \
    "an ineligible one is refused by mail"
like "$(reply $A)" "installed base" "with every reason"
unlike "$(lc member ls $L)" "gmail" "and not added"
request noattach $A "member add x@v2.example --role member"
like "$(reply $A)" "attach the member's key" "member add without a key attached is refused"
request bykey $A "member add x@v2.example --role member --key /etc/passwd"
like "$(reply $A)" "names a file on the server" "--key FILE is refused by mail"

# ---- the team: advisories ----------------------------------------------------

post_advisory $T $L adv XSA-900 1 7
until_done $L >/dev/null
p0=$(copies_to $PUB)
request release $T "advisory release XSA-900"
like "$(told $T)" "released XSA-900 on $L" "a team member releases an advisory by mail"
until_done $L >/dev/null
is "$(copies_to $PUB)" $((p0 + 1)) "and it is published"
like "$(lc advisory show $L XSA-900)" "released: .* by $T" "recorded as released by the team member"

# ---- everyone: help --------------------------------------------------------------

request help $V "help"
like "$(reply $V)" "keys LIST|  keys" "help by mail lists the commands a member may send"
unlike "$(reply $V)" "held approve" "and not the others"

# ---- keys: a member's client verifies the list's and the team's signatures --

request keys $V "keys"
reply $V >"$W/keys-reply.txt"
like "$(cat "$W/keys-reply.txt")" "team  [0-9A-F]{40} $T" "keys by mail names the team's keys"
like "$(cat "$W/keys-reply.txt")" "BEGIN PGP PUBLIC KEY BLOCK" "and carries them"
lc list key $L >"$W/list-key.asc"
is $? 0 "list key prints the list's public key"
# client HOME KEYFILE: a fresh keyring with V's own key and KEYFILE's keys.
client() {
	mkdir -m 700 "$1"
	gpg --batch --export-secret-keys $V | gpg --homedir "$1" --batch --import 2>/dev/null
	gpg --homedir "$1" --batch --import <"$2" 2>/dev/null
}
client "$W/c1" "$W/keys-reply.txt"
client "$W/c2" "$W/list-key.asc"
lfpr=$(lc list show $L | awk '/^fingerprint:/ { print $2 }')
printf 'A patch for the emulator bug, signed by the team.\n' >"$W/teampost.txt"
post_file $T $L teampost
until_done $L >/dev/null
copy=$(copy_for $V)
like "$(grep -i '^OpenPGP:' "$copy")" "id=$lfpr; preference=signencrypt" \
    "the copy's OpenPGP: header names the list's key"
# signers HOME: the keys whose good signatures gpg reports decrypting the copy
signers() {
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$copy" |
	    tr -d '\r' | gpg --homedir "$1" --batch --yes --status-fd 1 \
	    -o "$1/plain" --decrypt 2>/dev/null | awk '$2 == "VALIDSIG" { print $3 }'
}
is "$(signers "$W/c2")" "$lfpr" "with the key from list key, the list's signature verifies"
is "$(signers "$W/c1")" "$lfpr" "and with the keys mailed by keys"
tfpr=$(gpg --batch --with-colons --list-keys $T | awk -F: '/^fpr/ { print $10; exit }')
(GNUPGHOME="$W/c1"; export GNUPGHOME; verify_signed_copy "$W/c1/plain")
is $? 0 "the team's own signature inside the copy verifies with the mailed team key"
if (GNUPGHOME="$W/c2"; export GNUPGHOME; verify_signed_copy "$W/c1/plain"); then
	r=verified
else
	r=unverified
fi
is $r unverified "and not without it (the check can fail)"
# Signed and encrypted in one OpenPGP message (what Thunderbird sends): the
# team's signature still reaches the member, as inline PGP beside the content.
printf 'Signed and encrypted in one: the fix for the emulator.\n' >"$W/inone.txt"
mail_encrypted $T $L $T $L inone "$W/inone.txt" >"$W/inone.eml"
lc inject $L <"$W/inone.eml"
until_done $L >/dev/null
copy=$(copy_for $V)
signers "$W/c1" >/dev/null
like "$(cat "$W/c1/plain")" "fix for the emulator" "a signed+encrypted post reaches the member, readable"
awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$W/c1/plain" |
    tr -d '\r' >"$W/inone.asc"
ok "with the team's signed message inside, as inline PGP" test -s "$W/inone.asc"
is "$(gpg --homedir "$W/c1" --batch --status-fd 1 --decrypt "$W/inone.asc" 2>/dev/null |
    awk '$2 == "VALIDSIG" { print $3 }')" "$tfpr" \
    "whose signature verifies with the team key that keys mailed"
like "$(gpg --homedir "$W/c1" --batch --decrypt "$W/inone.asc" 2>/dev/null)" \
    "fix for the emulator" "over the very content"

# ---- members reach the team (member-posts = team in the xen profile) --------

printf 'Does XSA-900 affect PV guests on our fork?\n' >"$W/question.txt"
t0=$(copies_to $T) m0=$(copies_to $M) w0=$(copies_to $V2) v0=$(copies_to $V)
post_file $V $L question
until_done $L >/dev/null
is "$(copies_to $T)" $((t0 + 1)) "a member's signed question reaches the team"
like "$(decrypt "$(copy_for $T)")" "affect PV guests on our fork" "encrypted, readable by it"
is "$(copies_to $M)" $((m0 + 1)) "and the moderators"
is "$(copies_to $V2)" "$w0" "not the other members"
is "$(copies_to $V)" $((v0 + 1)) "the member gets one message"
like "$(reply $V)" "reached the security team" "an encrypted receipt"
unlike "$(reply $V)" "PV guests" "without the question"
ok "the question is nowhere in plaintext" sh -c "! grep -l 'PV guests' '$W'/sink.*/*.eml"
like "$(lc audit $L)" "post distribute .*member-posts = team" "recorded"
# member-posts = hold: held, and the member told so
sed 's/member-posts = team/member-posts = hold/' "$top_srcdir/policy/xen.conf" >"$W/hold.conf"
lc list set $L --policy "$W/hold.conf" >/dev/null
printf 'A second question.\n' >"$W/question2.txt"
t0=$(copies_to $T)
post_file $V $L question2
until_done $L >/dev/null
is "$(copies_to $T)" "$t0" "under member-posts = hold it does not reach the team"
is "$(lc held ls $L | awk -F'\t' '$4 == "question2" { print $2 }')" not-team "it is held"
like "$(reply $V)" "was held: nothing was sent" "and the member is told, encrypted"
like "$(reply $V)" "waits for a moderator \(member-posts = hold\)" "saying why"

# ---- member set by mail: an admin's, not a moderator's -------------------------

org_of() { lc member ls $L --json | jq -r --arg m "$1" '.[] | select(.address == $m) | .org'; }
request setorg-mod $M "member set $V2 --org \"Renamed By Mod\""
like "$(reply $M)" "member set.*(not allowed|may not|refused)" "a moderator's member set is refused"
is "$(org_of $V2)" "Vendor 2" "and changes nothing"
request setorg $A "member set $V2 --org \"Vendor Two, Inc.\""
like "$(reply $A)" "changed $V2 of $L: org" "an admin's member set by mail runs, the reply says what changed"
is "$(org_of $V2)" "Vendor Two, Inc." "the record is changed"
like "$(lc audit $L)" "$A\(key:[0-9A-F]{40},by-mail\) member set $V2 done" "audited with the admin's address and key"

# ---- freshness ---------------------------------------------------------------

printf 'List: %s\nheld ls\n' $L >"$W/stale.txt"
mail_encrypted $M $L $M $Q stale "$W/stale.txt" | lc inject $Q --sender $M
listd_at +2d >/dev/null 2>&1
like "$(reply $M)" "longer ago than max-request-age" "a command signed two days ago is refused"

done_testing
