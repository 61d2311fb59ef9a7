#!/bin/sh
# Routing: every list takes mail at its own addresses, over LMTP and by
# listctl inject: LOCAL@ (posts), LOCAL-bounces[+TOKEN]@, LOCAL-owner@ and
# LOCAL-request@; the inbox records which one; request mail is held for
# the moderators, bounce mail kept for the admins, owner mail goes on to
# the admins encrypted.  Any other suffix is no list's; a list whose own
# address ends in -owner is not taken for another's owner address.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_daemon_parts
command -v mdb_dump >/dev/null 2>&1 ||
    skip_all "mdb_dump not installed (Debian: lmdb-utils)"

D=lists.example.org
L=sec@$D
T=team@xen.example
M=mod@xen.example
A=admin@xen.example
new_list $L xen $T team $M moderator $A admin ||
    { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
use_lmtp
inbox() { mdb_dump -p -s inbox "$DATA/store"; }

mail() {	# mail NAME TO: a plain message with subject NAME in $W/NAME.eml
	printf 'For %s.\n' "$2" >"$W/$1.txt"
	mail_plain outsider@else.example "$2" "$1" "$W/$1.txt" >"$W/$1.eml"
}

# ---- the addresses, by inject --------------------------------------------

for a in sec-owner sec-request sec-bounces; do
	mail "inj-$a" "$a@$D"
	lc inject "$a@$D" --sender '' <"$W/inj-$a.eml"
	is $? 0 "inject $a@$D is taken"
done
like "$(inbox)" '"to":"owner"' "the inbox records owner mail as such"
like "$(inbox)" '"to":"request"' "and request mail"
mail forged sec-bounces+abcdefghij0123456789@$D
lc inject sec-bounces+abcdefghij0123456789@$D --sender '' <"$W/forged.eml" 2>"$W/err"
is $? 67 "a bounce address with a forged token is refused (67)"
like "$(cat "$W/err")" "no return address of $L's mail" "saying so"
like "$(lc audit $L)" "bounce refused" "and it is recorded"
for a in sec-admin sec-owner+x sec-bounces+a_b nosuch-owner sec-bounce; do
	mail bad "$a@$D"
	lc inject "$a@$D" <"$W/bad.eml" 2>"$W/err"
	is $? 67 "inject $a@$D: no such list (67)"
done
like "$(cat "$W/err")" "no list sec-bounce@$D" "saying so"

# ---- and over LMTP ---------------------------------------------------------

start_listd || { echo "Bail out! listd"; exit 1; }
mail lmtp-mix "$L"
out=$(lmtp --from '' sec-owner@$D sec-request@$D sec-bounces@$D \
    sec-list@$D sec-bounces+z9@$D <"$W/lmtp-mix.eml")
like "$out" "250 2.1.5 <sec-owner@$D> ok" "RCPT sec-owner@ is taken"
like "$out" "250 2.1.5 <sec-request@$D> ok" "RCPT sec-request@ is taken"
like "$out" "250 2.1.5 <sec-bounces@$D> ok" "RCPT sec-bounces@ is taken"
like "$out" "550 5.7.1 <sec-bounces\+z9@$D>: not a return address" \
    "RCPT sec-bounces+TOKEN@ with a forged token is 550"
like "$out" "550 5.1.1 <sec-list@$D>: no such list" "another suffix is 550"
is "$(printf '%s\n' "$out" | grep -c '^250 2.0.0 .* committed')" 3 \
    "three copies committed"
stop_listd

# ---- what becomes of them ------------------------------------------------

until_done $L >/dev/null
held() { lc held ls $L | awk -F'\t' -v s="$1" '$4 == s { print $2 }'; }
is "$(held inj-sec-request)" request "request mail is held as request"
is "$(held inj-sec-bounces)" bounce "bounce mail is kept as bounce"
is "$(held inj-sec-owner)" "" "owner mail is not held"
like "$(told $A)" "For sec-owner@$D" "owner mail reaches the admin, encrypted"
like "$(told $A)" "From: outsider@else.example" "naming its sender inside (protected headers)"
ok "and nowhere in plaintext" sh -c "! grep -l 'For sec-owner' '$W'/sink.*/*.eml"
is "$(copies_to $T)" 0 "the team gets none of it"
like "$(told $M)" "is held: request" "the moderators hear of request mail"
like "$(lc audit $L)" "owner mail" "owner mail is in the audit log"

# ---- a list whose own address ends in -owner ------------------------------

lc list create sec-request@$D --policy xen 2>"$W/err"
is $? 1 "a list at another list's request address is refused"
like "$(cat "$W/err")" "would share an address with list $L" "saying why"
lc list create team-owner@$D --policy xen >/dev/null
is $? 0 "a list team-owner@ is fine while team@ is none"
lc list create team@$D --policy xen 2>"$W/err"
is $? 1 "then team@ is refused: its owner address is a list"
mail own team-owner@$D
lc inject team-owner@$D --sender x@else.example <"$W/own.eml"
mail ownown team-owner-owner@$D
lc inject team-owner-owner@$D --sender x@else.example <"$W/ownown.eml"
is "$(inbox | grep '"list":"team-owner@' | grep -vc '"to"')" 1 \
    "team-owner@ is that list's post address"
is "$(inbox | grep '"list":"team-owner@' | grep -c '"to":"owner"')" 1 \
    "team-owner-owner@ is its owner address"

done_testing
