#!/bin/sh
# Member keys over their life (issue 16): delivery uses every usable key
# (min-validity-days is for admission); a skipped member is reported at
# once to the admins and the team, naming the advisory.  Over loopback with
# keys made here, time moved on with faketime.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v faketime >/dev/null 2>&1 || skip_all "faketime not installed"

L=xen-pre@lists.example.org
ALICE=alice@xenproject.example
ADMIN=admin@xenproject.example
V1=security@v1.example
V2=security@v2.example
new_list $L xen $ALICE team $ADMIN admin || { echo "Bail out! list"; exit 1; }
vendor() {	# vendor ADDRESS: a vendor member of $L
	add_member $L "$1" member --org "$1" --category vendor \
	    --installed-base 400000 --evidence https://v.example --agreed
}
# V1's key is valid for 35 days: admitted under min-validity-days = 30.
genkey "<$V1>" future-default default 35d >/dev/null
vendor $V1 || { echo "Bail out! member $V1"; exit 1; }
genkey "<$V2>" future-default default 60d >/dev/null
vendor $V2 || { echo "Bail out! member $V2"; exit 1; }
# Key warnings are tested on their own list below.
sed -i 's/key-warn-days *= *{.*}/key-warn-days = {}/' "$DATA/lists/$L/policy.conf"
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

# post_at FAKETIME NAME ID REV DAYS: the team posts an advisory, signed and
# processed at FAKETIME.
post_at() {
	advisory "$W/$2.txt" "$3" "$4" "$5"
	post_file $ALICE $L "$2" "$1"
}

# ---- delivery uses every usable key ---------------------------------------------
post_at +25d a1 XSA-901 1 32
is "$(copies_to $V1)" 1 "a key valid for 10 more days still receives the embargoed copy"
like "$(decrypted_for $V1)" "XSA-901 revision 1" "and it decrypts"
is "$(copies_to $V2)" 1 "so does the other member"
unlike "$(told $ADMIN)" "members skipped" "nobody is told of a skip that did not happen"

# ---- an expired key is skipped; the admins and the team hear in the same run ---
post_at +40d a2 XSA-902 1 47
is "$(copies_to $V1)" 1 "an expired key gets nothing"
is "$(copies_to $V2)" 2 "the others get it"
skips() { told "$1" | grep -o "was not sent to these members" | wc -l; }
is "$(skips $ADMIN)" 1 "the admin is told once, in the same run"
is "$(skips $ALICE)" 1 "the team too"
like "$(told $ADMIN)" "XSA-902 revision 1 .*embargo until .* was not sent to these members.*$V1: key [0-9A-F]* expired on" \
    "the notice names the advisory, its embargo, the member and why"
like "$(told $ALICE)" "XSA-902 revision 1 .*$V1" "the team's notice names them too"
unlike "$(cat "$SINK_DIR"/*.eml | grep -i '^Subject:')" "XSA-902" \
    "no outer header names the advisory"

# ---- member key: replaced in place, and what the old key missed is sent -----------
lc_at() { _at=$1; shift; faketime -f "$_at" "$LISTCTL" -c "$CONF" "$@"; }
old=$(lc member ls $L | awk -v a=$V1 '$1 == a { print $4 }')
genkey "<other@v1.example>" >/dev/null
lc_at +40d member key $L $V1 --key "$W/keys/other@v1.example.asc" 2>"$W/err"
is $? 1 "a key without the member's address is refused"
like "$(cat "$W/err")" "$V1's new key refused: key [0-9A-F]* has no user ID with $V1" "saying why"
is "$(lc member ls $L | awk -v a=$V1 '$1 == a { print $4 }')" "$old" "and nothing changed"
# The member lost its old key: a new one under the same address.
gpg --batch --yes --delete-secret-and-public-key "$old" 2>/dev/null
new=$(genkey "<$V1>")
out=$(lc_at +40d member key $L $V1 --key "$W/keys/$V1.asc")
is $? 0 "member key replaces the key"
like "$out" "replaced the key of $V1 on $L: $new; listd sends it the 1 embargoed advisory it holds no copy of" \
    "and says the advisory its old key missed goes to it"
like "$(lc member ls $L | awk -v a=$V1 '$1 == a')" "$new[[:space:]]+$V1" "the record carries the new key, its org kept"
ok "the old key left the keyring" sh -c "! gpg --homedir '$(list_home $L)' --batch --list-keys $old >/dev/null 2>&1"
like "$(lc audit $L --json | tr -d ' \n')" '"action":"memberkey".*"from":"'"$old"'".*"to":"'"$new"'"|"backfill":1.*"from":"'"$old"'"' \
    "the audit entry records both keys and the backfill"
listd_at +40d >/dev/null 2>&1
is "$(copies_to $V1)" 2 "the member gets the advisory it missed"
like "$(decrypted_for $V1 | grep "Security Advisory")" "XSA-902 revision 1" "XSA-902, readable with the new key"
listd_at +40d >/dev/null 2>&1
is "$(copies_to $V1)" 2 "once"

# ---- warnings before trouble: key-warn-days = {30, 7, 1}, once each ------------------
K=keys@lists.example.org
V3=security@v3.example
KADMIN=keys-admin@xenproject.example
new_list $K xen $KADMIN admin || { echo "Bail out! list $K"; exit 1; }
genkey "<$V3>" future-default default 40d >/dev/null
add_member $K $V3 member --org V3 --category vendor --installed-base 400000 \
    --evidence https://v.example --agreed || { echo "Bail out! member $V3"; exit 1; }
warnings() { told "$1" | grep -o "$2" | wc -l | tr -d ' '; }
listd_at +5d >/dev/null 2>&1
is "$(copies_to $V3)" 0 "35 days left: no warning"
listd_at +11d >/dev/null 2>&1
is "$(warnings $V3 'expires within 30 days')" 1 "29 days left: the member is warned (30 days)"
is "$(warnings $KADMIN "key [0-9A-F]* of $V3 on $K expires on")" 1 "and the admin"
like "$(told $V3)" "Your OpenPGP key [0-9A-F]*, which $K encrypts its mail to you with, expires on" \
    "the member's warning says which key and when"
listd_at +12d >/dev/null 2>&1
is "$(copies_to $V3)" 1 "once"
listd_at +34d >/dev/null 2>&1
is "$(warnings $V3 'expires within 7 days')" 1 "6 days left: warned again (7 days)"
listd_at +35d >/dev/null 2>&1
is "$(copies_to $V3)" 2 "once"
listd_at +$((39 * 86400 + 43200)) >/dev/null 2>&1
is "$(warnings $V3 'expires within 1 day')" 1 "12 hours left: the last warning (1 day)"
is "$(warnings $KADMIN 'expires on')" 3 "the admin got each of the three"
listd_at +41d >/dev/null 2>&1
is "$(copies_to $V3)" 3 "an expired key gets nothing more"
is "$(warnings $KADMIN "key [0-9A-F]* of $V3 on $K can no longer receive mail")" 1 \
    "the admin hears the key no longer works"
listd_at +42d >/dev/null 2>&1
is "$(warnings $KADMIN 'can no longer receive')" 1 "once"
like "$(lc audit $K --json | tr -d ' \n')" '"action":"memberkeywarning".*"days":30.*"days":7.*"days":1.*"outcome":"unusable"' \
    "each warning is audited"

done_testing
