#!/bin/sh
# member add/remove/ls/check/suspend/resume with real keys made here, under
# the xen and libvirt profiles: every eligibility rule, every refusal message,
# and that a refusal leaves the keyring and the store as they were.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

XEN=pre-disclosure@lists.example.org
lc list create $XEN --policy xen >/dev/null || { echo "Bail out! list create"; exit 1; }
KEYS0=$(keyring_count $XEN)

VENDOR="--role member --category hosting-provider --installed-base 500000 \
--evidence https://vendor.example/about --agreed"

# add ADDRESS ORG [options]: member add with the vendor defaults and the key
# made for ADDRESS; stderr to $W/err.
add() {
	_a=$1 _org=$2
	shift 2
	# shellcheck disable=SC2086
	lc member add $XEN "$_a" --key "$W/keys/$_a.asc" --org "$_org" $VENDOR "$@" \
	    >"$W/out" 2>"$W/err"
}
err() { cat "$W/err"; }

# refused ADDRESS PATTERN DESCRIPTION [options]: exit 1, the reason on one
# line, nothing imported, nothing stored.
refused() {
	_a=$1 _pat=$2 _d=$3
	shift 3
	add "$_a" "Org" "$@"
	_rc=$?
	is "$_rc" 1 "$_d: refused with exit 1"
	like "$(err)" "^listctl: member add: $_a refused: .*$_pat" "$_d: says why"
	is "$(wc -l <"$W/err" | tr -d ' ')" 1 "$_d: on one line"
	is "$(keyring_count $XEN)" "$((KEYS0 + ADDED))" "$_d: the keyring is unchanged"
	unlike "$(lc member ls $XEN)" "^$_a " "$_d: not a member"
}
ADDED=0

# ---- a good vendor ---------------------------------------------------------
FA=$(genkey "Vendor A PSIRT <security@vendor-a.example>")
add security@vendor-a.example "Vendor A"
is $? 0 "a vendor role address with a good key is added"
like "$(cat "$W/out")" "added security@vendor-a.example to $XEN as member, key $FA" \
    "and listctl says so with the fingerprint"
ADDED=1
ok "its key is in the list's keyring" keyring_has $XEN "$FA"
like "$(lc member ls $XEN)" "^security@vendor-a.example +member +active +$FA +Vendor A" \
    "member ls shows it active with its fingerprint"
json=$(lc member ls $XEN --json)
like "$json" '"installed-base": 500000' "member ls --json keeps the installed base"
like "$json" '"encryption-subkey": "[0-9A-F]{40}"' "and the encryption subkey"
like "$json" '"evidence": \[' "and the evidence"
like "$json" '"added-by": "' "and who added it"

add security@vendor-a.example "Vendor A"
is $? 1 "adding an existing member is refused"
like "$(err)" "already a member of $XEN \(role member\)" "and says so"

# ---- the vendor criteria, rule by rule -------------------------------------
genkey "<security@gmail.com>" >/dev/null
refused security@gmail.com "free-mail domain" "a free-mail domain"
genkey "<john@vendor-c.example>" >/dev/null
refused john@vendor-c.example "not a role address" "a personal local part"
genkey "<security@small.example>" >/dev/null
refused security@small.example "below the policy's minimum of 300000.*--justification" \
    "an installed base below the minimum" --installed-base 1000
add security@small.example "Small Host" --installed-base 1000 \
    --justification "mature PSIRT, 20 years of Xen hosting"
is $? 0 "below the minimum with a written justification: admitted case by case"
ADDED=$((ADDED + 1))
like "$(cat "$W/out")" "note: .*case by case" "with a note"
like "$(lc member ls $XEN --json)" '"justification": "mature PSIRT' "the justification is kept"
add_member $XEN security@noevidence.example member --org X --category vendor \
    --installed-base 400000 --agreed 2>"$W/err"
is $? 1 "an application without evidence is refused"
like "$(err)" "evidence" "and names the evidence"
add_member $XEN security@noevidence.example member --org X --category vendor \
    --installed-base 400000 --evidence https://x.example 2>"$W/err"
is $? 1 "an application without agreement to the policy is refused"
like "$(err)" "agree" "and says the agreement is missing"
refused security@noevidence.example "categor" "an unknown category" --category reseller

# ---- key rules --------------------------------------------------------------
genkey "<security@expired.example>" future-default default 1d \
    --faked-system-time 20200101T000000! >/dev/null
refused security@expired.example "expired" "an expired key"
FR=$(genkey "<security@revoked.example>")
revoke "$FR"
export_key "$FR" "$W/keys/security@revoked.example.asc"
refused security@revoked.example "revoked" "a revoked key"
genkey "<security@signonly.example>" ed25519 sign >/dev/null
refused security@signonly.example "encrypt" "a sign-only key"
genkey "<security@rsa1024.example>" rsa1024 cert,sign,encr >/dev/null
refused security@rsa1024.example "1024.*2048|2048.*1024" "an RSA 1024 key"
genkey "<other@vendor-b.example>" >/dev/null
cp "$W/keys/other@vendor-b.example.asc" "$W/keys/security@vendor-b.example.asc"
refused security@vendor-b.example "user ID" "a key without the address in a user ID"
genkey "<security@short.example>" future-default default 10d >/dev/null
refused security@short.example "30 days" "a key that expires before the policy's 30 days"

# Several failures at once: every reason is given.
genkey "<john@gmail.com>" ed25519 sign >/dev/null
add john@gmail.com "Org"
like "$(err)" "free-mail.*role address|role address.*free-mail" "several reasons at once"
like "$(err)" "encrypt" "key reasons come along with the vendor ones"
lc member add $XEN john@gmail.com --key "$W/keys/john@gmail.com.asc" --role member --json \
    >"$W/out" 2>/dev/null
like "$(cat "$W/out")" '"rule": "domain"' "--json names each rule that refused"
like "$(cat "$W/out")" '"allow": false' "and the verdict"

# ---- key files that are not one public key ----------------------------------
cat "$W/keys/security@vendor-a.example.asc" "$W/keys/security@gmail.com.asc" >"$W/keys/two.asc"
lc member add $XEN security@two.example --key "$W/keys/two.asc" --role team 2>"$W/err"
is $? 1 "a file with two keys is refused"
like "$(err)" "holds 2 keys" "and says so"
genkey "<security@secret.example>" >/dev/null
_gpg --armor --export-secret-keys security@secret.example >"$W/keys/secret.asc"
lc member add $XEN security@secret.example --key "$W/keys/secret.asc" --role team 2>"$W/err"
is $? 1 "a secret key is refused"
like "$(err)" "secret key: give the public key only" "and says what to give"
echo "not a key" >"$W/keys/garbage.asc"
lc member add $XEN security@garbage.example --key "$W/keys/garbage.asc" --role team 2>"$W/err"
is $? 1 "garbage is refused"
like "$(err)" "no OpenPGP key" "and says so"
: >"$W/keys/empty.asc"
lc member add $XEN security@empty.example --key "$W/keys/empty.asc" --role team 2>"$W/err"
is $? 1 "an empty file is refused"
lc member add $XEN security@none.example --key "$W/keys/missing.asc" --role team 2>"$W/err"
is $? 1 "a missing file is refused"
like "$(err)" "cannot read .*missing.asc" "and names the file"
is "$(keyring_count $XEN)" "$((KEYS0 + ADDED))" "none of them left anything in the keyring"
ok "nor a secret key" test -z "$(gpg --homedir "$(list_home $XEN)" --batch --list-secret-keys security@secret.example 2>/dev/null)"

# ---- the list's own people: key rules, no vendor criteria -------------------
FT=$(genkey "Alice <alice@xenproject.example>")
add_member $XEN alice@xenproject.example team 2>"$W/err"
is $? 0 "a team member with a personal address and no vendor details is added"
ADDED=$((ADDED + 1))
add_member $XEN admin@gmail.com admin
is $? 0 "an admin is not held to the vendor criteria"
ADDED=$((ADDED + 1))
add_member $XEN security@expired.example moderator 2>"$W/err"
is $? 1 "but a moderator's expired key is refused"
lc member add $XEN bob@xenproject.example --key "$W/keys/alice@xenproject.example.asc" \
    --role chief 2>"$W/err"
is $? 1 "an unknown role is refused"
like "$(err)" "unknown role 'chief'" "and named"

# ---- member set: a record corrected in place ---------------------------------
rec_of() { lc member ls $XEN --json | jq -c ".[] | select(.address == \"$1\")"; }
before=$(rec_of security@vendor-a.example | jq -c 'del(."changed-at", ."changed-by")')
lc member set $XEN security@vendor-a.example --org "Vendor A Inc." \
    --evidence https://vendor-a.example/security >"$W/out" 2>"$W/err"
is $? 0 "member set changes a member's fields"
is "$(cat "$W/out")" "changed security@vendor-a.example of $XEN: org, evidence" \
    "and names what changed"
like "$(lc member ls $XEN)" "^security@vendor-a.example +member +active +$FA +Vendor A Inc\." \
    "member ls shows the new organisation, the same key and state"
is "$(rec_of security@vendor-a.example | jq -c .evidence)" '["https://vendor-a.example/security"]' \
    "the evidence is replaced"
is "$(rec_of security@vendor-a.example | jq -r '."added-at"')" \
    "$(printf '%s' "$before" | jq -r '."added-at"')" "when it was added is kept"
like "$(lc audit $XEN)" "member set security@vendor-a.example done" "it is audited"
is "$(lc audit $XEN --json | jq -c '[.[] | select(.action == "member set")][0].detail.changed.org')" \
    '{"from":"Vendor A","to":"Vendor A Inc."}' "with each field's old and new value"
before=$(rec_of security@vendor-a.example)
lc member set $XEN security@vendor-a.example --installed-base 1000 2>"$W/err"
is $? 1 "a change the policy would not admit is refused"
like "$(err)" "^listctl: member set: security@vendor-a.example refused: .*installed base.*\(nothing changed\)$" \
    "saying why, on one line"
is "$(rec_of security@vendor-a.example)" "$before" "and nothing changed"
lc member set $XEN security@vendor-a.example 2>"$W/err"
is $? 1 "member set with nothing to change is refused"
like "$(err)" "nothing to change: give --role" "and says what it takes"
lc member set $XEN security@vendor-a.example --role reporter 2>"$W/err"
is $? 1 "a member is not made a reporter by member set"
like "$(err)" "remove the member and add it again" "and says how"
lc member set $XEN nobody@vendor-a.example --org X 2>"$W/err"
is $? 1 "member set of a non-member is refused"
like "$(err)" "nobody@vendor-a.example is not a member of $XEN" "and says so"
is "$(rec_of security@vendor-a.example)" "$before" "the refusals changed nothing"

# ---- suspend, resume, remove ------------------------------------------------
ok "suspend a member" lc member suspend $XEN security@vendor-a.example
like "$(lc member ls $XEN)" "^security@vendor-a.example +member +suspended" "it is suspended"
fails 1 "suspending it again is refused" lc member suspend $XEN security@vendor-a.example
ok "resume it" lc member resume $XEN security@vendor-a.example
like "$(lc member ls $XEN)" "^security@vendor-a.example +member +active" "it is active again"
lc member remove $XEN nobody@vendor-a.example 2>"$W/err"
is $? 1 "removing a non-member is refused"
like "$(err)" "nobody@vendor-a.example is not a member of $XEN" "and says so"
ok "remove a member" lc member remove $XEN alice@xenproject.example
unlike "$(lc member ls $XEN)" "alice@" "it is gone"
ok "its key left the keyring" sh -c "! gpg --homedir '$(list_home $XEN)' --batch --list-keys $FT"
fails 1 "member add on an unknown list is refused" \
    lc member add nolist@lists.example.org security@vendor-a.example \
    --key "$W/keys/security@vendor-a.example.asc" --role team

# ---- member check ------------------------------------------------------------
ok "member check passes while every member is eligible" lc member check $XEN
policy_set $XEN min-validity-days 3650
genkey "<security@renewal.example>" future-default default 400d >/dev/null
policy_set $XEN min-validity-days 30
add security@renewal.example "Renewal Co"
is $? 0 "a key valid for 400 days is added"
ADDED=$((ADDED + 1))
policy_set $XEN min-validity-days 500
lc member check $XEN >"$W/out" 2>"$W/err"
is $? 1 "member check fails once the policy wants more validity"
like "$(cat "$W/out")" "^FAIL security@renewal.example: .*500 days" "and names the member and why"
like "$(cat "$W/out")" "^ok   security@vendor-a.example" "the others pass"
policy_set $XEN min-validity-days 30
revoke "$FA"
gpg --batch --armor --export "$FA" | gpg --homedir "$(list_home $XEN)" --batch --quiet --import 2>/dev/null
lc member check $XEN --json >"$W/out" 2>/dev/null
is $? 1 "member check fails when a member's key is revoked"
like "$(tr -d '\n' <"$W/out")" '"address": "security@vendor-a.example",[^}]*"ok": false' \
    "--json marks that member"
like "$(cat "$W/out")" '"rule": "key-revoked"' "with the rule"

# ---- libvirt: vouching --------------------------------------------------------
LV=libvirt-security@lists.example.org
lc list create $LV --policy libvirt >/dev/null
add_member $LV "Dan <dan@libvirt.example>" team
lvadd() {	# lvadd [options]: a distributor applies; stderr to $W/err
	add_member $LV security@distro-a.example member --org "Distro A" \
	    --category distributor --agreed "$@" 2>"$W/err"
}
lvadd
is $? 1 "libvirt: a member without a voucher is refused"
like "$(err)" "vouch" "and says a voucher is needed"
lvadd --vouched-by nobody@libvirt.example
is $? 1 "libvirt: a voucher who is not a member is refused"
like "$(err)" "nobody@libvirt.example" "and names the voucher"
lc member suspend $LV dan@libvirt.example >/dev/null
lvadd --vouched-by dan@libvirt.example
is $? 1 "libvirt: a suspended voucher is refused"
lc member resume $LV dan@libvirt.example >/dev/null
lvadd --vouched-by dan@libvirt.example
is $? 0 "libvirt: vouched for by an active member, the vendor is added"
like "$(lc member ls $LV --json)" '"vouched-by": "dan@libvirt.example"' "the voucher is recorded"
add_member $LV "Eve <eve@libvirt.example>" team
lc member suspend $LV eve@libvirt.example >/dev/null
lc member set $LV security@distro-a.example --vouched-by eve@libvirt.example 2>"$W/err"
is $? 1 "member set: a suspended voucher is refused"
like "$(err)" "eve@libvirt.example cannot vouch: it is not an active member of $LV" "and says why"
lc member resume $LV eve@libvirt.example >/dev/null
lc member set $LV security@distro-a.example --vouched-by eve@libvirt.example >/dev/null
is $? 0 "member set: an active member may vouch instead"
like "$(lc member ls $LV --json)" '"vouched-by": "eve@libvirt.example"' "the new voucher is recorded"

# ---- the audit log -------------------------------------------------------------
audit=$(lc audit $XEN)
like "$audit" "member add security@vendor-a.example done" "the audit log has the addition"
like "$audit" "member add security@gmail.com refused: .*free-mail" "and each refusal with its reason"
like "$audit" "member remove nobody@vendor-a.example refused" "refused removals too"
like "$audit" "member suspend security@vendor-a.example done" "state changes"
like "$audit" "member check some fail" "and member check"
lc --actor "Jane Admin" member remove $XEN security@small.example >/dev/null
like "$(lc audit $XEN --json)" '"actor": "Jane Admin"' "--actor names the actor"
like "$(lc audit $XEN --json)" '"unix-user": "' "beside the Unix user who ran it"
unlike "$(lc audit $LV)" "vendor-a" "each list has its own audit log"

done_testing
