#!/bin/sh
# The processor: who really sent a post is decided by its OpenPGP signature,
# in every form clients send, never by its headers.  Keys are made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"

L=xen-pre@lists.example.org
lc list create $L --policy xen >/dev/null || { echo "Bail out! list create"; exit 1; }
import_list_key $L
add_member $L "Alice <alice@xenproject.example>" team
add_member $L "Carol <carol@xenproject.example>" team
add_member $L security@vendor.example member --org Vendor --category vendor \
    --installed-base 400000 --evidence https://vendor.example --agreed
genkey "Mallory <mallory@evil.example>" >/dev/null
ALICE=alice@xenproject.example

advisory "$W/advisory" XSA-999 1 7 "CVE: CVE-2026-0002"
for n in 1 2 3 4; do advisory "$W/adv$n" XSA-90$n 1; done

# post NAME: injects $W/NAME.eml; prints nothing; remembers its id.
post() { lc inject $L <"$W/$1.eml"; }
# outcome SUBJECT: "distribute" or the hold reason of the post so titled.
outcome() {
	_h=$(lc held ls $L | awk -F'\t' -v s="$1" '$4 == s { print $2 }')
	if [ -n "$_h" ]; then echo "$_h"; return; fi
	lc audit $L --json | tr -d '\n' | grep -q "\"subject\": \"$1\"" && echo "?"
}
distributed() {	# distributed N: the number of distribute decisions
	lc audit $L | grep -c ' post distribute '
}

mail_pgpmime $ALICE $ALICE $L "signed-mime" "$W/advisory" >"$W/a.eml"
mail_clearsigned $ALICE $ALICE $L "signed-inline" "$W/adv2" >"$W/b.eml"
mail_encrypted $ALICE $L $ALICE $L "encrypted-signed" "$W/adv3" >"$W/c.eml"
# Signed, then encrypted as a whole (multipart/signed inside the encryption).
mail_pgpmime $ALICE $ALICE $L "inner" "$W/adv4" | sed '1,/^MIME-Version:/d' >"$W/signed-entity"
mail_encrypt_entity "" $L $ALICE $L "signed-then-encrypted" "$W/signed-entity" >"$W/c2.eml"
for m in a b c c2; do post $m; done
ok "listd --once processes the inbox" listd_once
is "$(distributed)" 4 "a team post is accepted in each form: multipart/signed, inline, encrypted+signed, signed then encrypted"
like "$(lc audit $L --json)" '"form": "pgp-mime-encrypted\+pgp-mime-signed"' \
    "multipart/signed inside multipart/encrypted is recognised as such"
is "$(lc held ls $L)" "" "and none of them is held"
audit=$(lc audit $L --json)
like "$audit" '"advisory": "XSA-999"' "the advisory keywords are parsed"
# The Embargo: line the advisory was written with (embargo_in 7 again
# could be a minute later).
embargo=$(sed -n 's/^Embargo: \(.*\) UTC$/\1/p' "$W/advisory" | sed 's/ /T/')
like "$audit" "\"embargo\": \"${embargo}:00Z\"" "with the embargo"
like "$audit" '"CVE-2026-0002"' "and every CVE"
like "$audit" '"form": "pgp-mime-encrypted"' "the form is recorded"
like "$(lc audit $L)" "post distribute .* distribute: $ALICE" "the signer is recorded"

# ---- held, each for its reason ---------------------------------------------
printf 'Hello, no signature here.\n' >"$W/plain"
mail_plain $ALICE $L "unsigned" "$W/plain" >"$W/d.eml"
mail_pgpmime security@vendor.example security@vendor.example $L "vendor-signed" "$W/advisory" >"$W/e.eml"
mail_pgpmime mallory@evil.example $ALICE $L "forged-from" "$W/advisory" >"$W/f.eml"
mail_pgpmime $ALICE $ALICE $L "altered" "$W/advisory" | sed 's/the details/no details/' >"$W/g.eml"
{ _mail_head $ALICE $L "malformed"; printf 'Content-Type: multipart/mixed\n\n--x\n\nbody\n'; } >"$W/h.eml"
{ _mail_head $ALICE $L "looped"; printf 'X-Loop: %s\nContent-Type: text/plain\n\nagain\n' $L; } >"$W/i.eml"
{ _mail_head $ALICE $L "looped-case"; printf 'X-Loop: %s\nContent-Type: text/plain\n\nagain\n' \
    "$(echo $L | tr a-z A-Z)"; } >"$W/i2.eml"
{ _mail_head $ALICE $L "other-loop"; printf 'X-Loop: not-%s\nContent-Type: text/plain\n\nx\n' $L; } >"$W/i3.eml"
sed 's/^Revision: 1$/Revision: two/' "$W/advisory" >"$W/badkw"
mail_pgpmime $ALICE $ALICE $L "bad-keywords" "$W/badkw" >"$W/j.eml"
mail_encrypted "" $L $ALICE $L "encrypted-unsigned" "$W/advisory" >"$W/k.eml"
for m in d e f g h i i2 i3 j k; do post $m; done
listd_once >/dev/null
is "$(outcome unsigned)" unsigned "an unsigned post is held: unsigned"
is "$(outcome vendor-signed)" "" "a post signed by a member not on the team is not held (xen: member-posts = team)"
like "$(lc audit $L | grep ' post distribute ' | tail -n 1)" "to the team and moderators only" \
    "it goes to the team and moderators only (tests/e2e/request.sh)"
is "$(outcome forged-from)" non-member "From: a team member, signed by another key: held, non-member"
is "$(outcome altered)" bad-signature "a signature over altered content is held: bad-signature"
is "$(outcome malformed)" malformed "malformed MIME is held: malformed"
is "$(outcome looped)" loop "the list's own mail coming back is held: loop"
is "$(outcome looped-case)" loop "X-Loop naming the list in capitals: loop"
is "$(outcome other-loop)" unsigned "X-Loop naming another address that contains the list's: no loop"
is "$(outcome bad-keywords)" keywords "a malformed keyword block is held"
is "$(outcome encrypted-unsigned)" unsigned "an encrypted but unsigned post is held: unsigned"
is "$(distributed)" 5 "none of the others went on"

id=$(lc held ls $L | awk -F'\t' '$4 == "bad-keywords" { print $1 }')
show=$(lc held show $L "$id")
like "$show" "^why +malformed advisory keywords: line 2: .*\(the Revision: line\)" \
    "held show names the offending keyword line"
unlike "$show" "Revision: two" "without quoting its value (the store keeps the reason)"
like "$show" "^signer +[0-9A-F]{40}" "and the signer"
like "$show" "^size +[0-9]+ bytes" "and the size"
id=$(lc held ls $L | awk -F'\t' '$4 == "forged-from" { print $1 }')
like "$(lc held show $L "$id" --json)" '"from": "alice@xenproject.example"' \
    "held show --json keeps the claimed From: beside the real signer"
like "$(lc held show $L "$id")" "^why +signed by key [0-9A-F]{40}, which is no member's" \
    "and says the signer is no member"
fails 1 "held show of an unknown id is refused" lc held show $L 20990101T000000Z-00000000

# ---- signer state: suspended, revoked ----------------------------------------
lc member suspend $L carol@xenproject.example >/dev/null
mail_clearsigned carol@xenproject.example carol@xenproject.example $L "suspended-signer" "$W/advisory" >"$W/l.eml"
post l
listd_once >/dev/null
is "$(outcome suspended-signer)" suspended "a suspended team member's post is held"
lc member resume $L carol@xenproject.example >/dev/null
mail_clearsigned carol@xenproject.example carol@xenproject.example $L "revoked-signer" "$W/advisory" >"$W/m.eml"
FC=$(gpg --with-colons -k carol@xenproject.example | awk -F: '/^fpr/ { print $10; exit }')
revoke "$FC"
gpg --batch --armor --export "$FC" | gpg --homedir "$(list_home $L)" --batch --quiet --import 2>/dev/null
post m
listd_once >/dev/null
is "$(outcome revoked-signer)" key-revoked "a post signed with a revoked key is held"

# ---- replays ----------------------------------------------------------------------
printf 'Team note: the patch is ready.\n' >"$W/note"
mail_pgpmime $ALICE $ALICE $L "note" "$W/note" >"$W/n.eml"
post n
listd_once >/dev/null
post n
listd_once >/dev/null
is "$(outcome note)" replay "the same signed post a second time is held as a replay"
like "$(lc held show $L "$(lc held ls $L | awk -F'\t' '$4 == "note" { print $1 }')")" \
    "^why +this signature was seen before, on post " "naming the post that carried it"

# ---- nothing is lost -----------------------------------------------------------
held=$(lc held ls $L | wc -l | tr -d ' ')
is "$((held + $(distributed)))" 18 "every message injected is either held or accepted"
like "$(lc audit $L)" "post hold .* bad-signature: " "holds land in the audit log with their reason"
ok "a second run finds nothing to do" listd_once

done_testing
