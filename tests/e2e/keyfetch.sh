#!/bin/sh
# Member keys looked up over HTTPS (issue 16): WKD advanced, then direct,
# then the keyservers' VKS API; only the member's user IDs kept; a stalled
# or oversized answer cut off; refresh imports updates to the same key and
# refuses a different one.  Against a loopback HTTPS server started here
# (tests/https-server.py) with certificates made here, which listd.conf's
# test-only settings point every lookup at.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"

# ---- the certificates and the server ----------------------------------------------
HOSTS="adv.example direct.example vks.example none.example stall.example big.example wrong.example other.example keys.example"
san=""
for h in $HOSTS; do san="$san,DNS:$h,DNS:openpgpkey.$h"; done
make_ca ca && make_cert ca srv keys.example "${san#,}" ||
    { echo "Bail out! certificates"; exit 1; }
WWW="$W/www"
mkdir -p "$WWW"
python3 "$top_srcdir/tests/https-server.py" --root "$WWW" --cert "$W/srv.pem" \
    --key "$W/srv.key" --port-file "$W/https.port" --max-seconds 120 2>"$W/https.err" &
BG="${BG:-} $!"
_i=0
while [ ! -s "$W/https.port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
[ -s "$W/https.port" ] || { echo "Bail out! https server"; exit 1; }
cat >>"$CONF" <<EOF
keyservers = {"https://keys.example"}
key-lookup-timeout = 3
key-lookup-connect-to = "127.0.0.1:$(cat "$W/https.port")"
key-lookup-cafile = "$W/ca.pem"
EOF

# wkd_hash LOCAL: WKD's z-base-32 SHA-1 of the lower-cased local part.
wkd_hash() {
	python3 -c 'import hashlib, sys
z = "ybndrfg8ejkmcpqxot1uwisza345h769"
n = int.from_bytes(hashlib.sha1(sys.argv[1].lower().encode()).digest(), "big")
print("".join(z[(n >> (155 - 5 * i)) & 31] for i in range(32)))' "$1"
}
# serve_wkd advanced|direct ADDRESS FPR: the key (binary) where WKD finds it.
serve_wkd() {
	_l=${2%@*} _d=${2#*@}
	if [ "$1" = advanced ]; then
		_p="$WWW/openpgpkey.$_d/.well-known/openpgpkey/$_d/hu"
	else
		_p="$WWW/$_d/.well-known/openpgpkey/hu"
	fi
	mkdir -p "$_p"
	gpg --batch --export "$3" >"$_p/$(wkd_hash "$_l")"
}
# serve_vks ADDRESS FPR: the key (armored) on the keyserver, by both.
serve_vks() {
	mkdir -p "$WWW/keys.example/vks/v1/by-email" "$WWW/keys.example/vks/v1/by-fingerprint"
	gpg --batch --armor --export "$2" >"$WWW/keys.example/vks/v1/by-email/$1"
	cp "$WWW/keys.example/vks/v1/by-email/$1" "$WWW/keys.example/vks/v1/by-fingerprint/$2"
}
uids_in_list() {	# uids_in_list LIST FPR: the list's keyring's user IDs of FPR
	gpg --homedir "$(list_home "$1")" --batch --with-colons --list-keys "$2" 2>/dev/null |
	    awk -F: '$1 == "uid" { print $10 }'
}

L=fetch@lists.example.org
lc list create $L --policy libvirt >/dev/null || { echo "Bail out! list"; exit 1; }

# ---- WKD advanced; other user IDs are dropped ---------------------------------------
A=security@adv.example
fa=$(genkey "<$A>")
gpg --batch --quiet --quick-add-uid "$fa" "Someone Else <someone@else.example>" 2>/dev/null
serve_wkd advanced $A "$fa"
out=$(lc member add $L $A --fetch --role team 2>&1)
is $? 0 "member add --fetch finds the key by WKD's advanced method"
like "$(lc member ls $L --json | tr -d ' \n')" "\"key-source\":\"https://openpgpkey.adv.example/.well-known/openpgpkey/adv.example/hu/$(wkd_hash security)\\?l=security\"" \
    "the record says where the key came from"
is "$(uids_in_list $L "$fa")" "<$A>" "only the user ID with the member's address is kept"

# ---- WKD direct, then the keyserver ------------------------------------------------
D=security@direct.example
fd=$(genkey "<$D>")
serve_wkd direct $D "$fd"
lc member add $L $D --fetch --role team >/dev/null 2>&1
is $? 0 "the direct method when the advanced one has nothing"
like "$(grep -E '^(openpgpkey\.)?direct\.example ' "$WWW/requests.log" | tr '\n' ' ')" \
    "^openpgpkey.direct.example [^ ]* 404 direct.example [^ ]* 200" "advanced first, then direct"
V=security@vks.example
fv=$(genkey "<$V>")
serve_vks $V "$fv"
lc member add $L $V --fetch --role team >/dev/null 2>&1
is $? 0 "the keyserver's VKS API when WKD has nothing"
like "$(grep 'keys.example' "$WWW/requests.log")" "/vks/v1/by-email/$V 200" "by email"
keyring_has $L "$fv"
is $? 0 "the key is in the list's keyring"

# ---- member key --fetch: a new key for a member, looked up --------------------------
gpg --batch --yes --delete-secret-and-public-key "$fv" 2>/dev/null
fv2=$(genkey "<$V>")
serve_vks $V "$fv2"
out=$(lc member key $L $V --fetch 2>&1)
is $? 0 "member key --fetch replaces a member's key with the one looked up"
like "$out" "replaced the key of $V on $L: $fv2 \(from https://keys.example/vks/v1/by-email/" "saying from where"

# ---- nothing, something wrong, a stall, 50 MB ----------------------------------------
N=security@none.example
lc member add $L $N --fetch --role team >/dev/null 2>"$W/err"
is $? 1 "no key anywhere is refused"
like "$(cat "$W/err")" "no key for $N found \(openpgpkey.none.example: no key; none.example: no key; keys.example: no key\)$" \
    "naming each source's answer"
X=security@wrong.example
fx=$(genkey "<nobody@wrong.example>")
serve_wkd advanced $X "$fx"
lc member add $L $X --fetch --role team >/dev/null 2>"$W/err"
is $? 1 "a key served without the member's address is refused"
like "$(cat "$W/err")" "openpgpkey.wrong.example: the key has no user ID with $X" "saying so"
mkdir -p "$WWW/openpgpkey.stall.example" && touch "$WWW/openpgpkey.stall.example/STALL"
t0=$(date +%s)
lc member add $L security@stall.example --fetch --role team >/dev/null 2>"$W/err"
is $? 75 "a server that stalls: try again later (75)"
like "$(cat "$W/err")" "openpgpkey.stall.example: no answer within 3 seconds: cut off.*: try again later$" \
    "cut off with a clear error"
ok "within the timeout" test $(($(date +%s) - t0)) -lt 30
mkdir -p "$WWW/openpgpkey.big.example" && touch "$WWW/openpgpkey.big.example/BIG"
lc member add $L security@big.example --fetch --role team >/dev/null 2>"$W/err"
is $? 75 "a server that sends 50 MB: try again later"
like "$(cat "$W/err")" "openpgpkey.big.example: the answer is over 1024 KiB: cut off" "cut off at the size cap"
is "$(keyring_count $L)" 4 "nothing was added by the refusals (the list's key and three members)"

# ---- refresh: updates to the same key only --------------------------------------------
subs() { gpg --homedir "$(list_home $L)" --batch --with-colons --list-keys "$1" 2>/dev/null | grep -c '^sub'; }
refresh() { lc member refresh $L $A >"$W/out" 2>"$W/err"; }
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-add-key "$fa" cv25519 encr 2>/dev/null
serve_wkd advanced $A "$fa"
refresh
is $? 0 "refresh imports a new subkey"
like "$(cat "$W/out")" "subkeys 2 -> 3" "and says so"
is "$(subs "$fa")" 2 "the keyring has it (two encryption subkeys)"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-set-expire "$fa" 1y 2>/dev/null
serve_wkd advanced $A "$fa"
refresh
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-set-expire "$fa" 2y 2>/dev/null
serve_wkd advanced $A "$fa"
refresh
like "$(cat "$W/out")" "expires $(date -u -d '+1 year' +%Y)-[0-9T:-]*Z -> $(date -u -d '+2 years' +%Y)-" \
    "refresh imports an extended expiry"
like "$(lc member ls $L --json | tr -d ' \n')" "\"key-expires\":\"$(date -u -d '+2 years' +%Y)-" "the record has it"
like "$(lc audit $L --json | tr -d ' \n')" '"action":"memberrefresh".*"expires":\{"from":' "each refresh is audited with what changed"
# A different key for the same address, made elsewhere.
mkdir -m 700 "$W/elsewhere"
GNUPGHOME="$W/elsewhere" gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "<$A>" future-default default never 2>/dev/null
fo=$(GNUPGHOME="$W/elsewhere" gpg --batch --with-colons --list-keys | awk -F: '/^fpr/ { print $10; exit }')
p="$WWW/openpgpkey.adv.example/.well-known/openpgpkey/adv.example/hu/$(wkd_hash security)"
GNUPGHOME="$W/elsewhere" gpg --batch --export "$fo" >"$p"
refresh
is $? 1 "a different key served for the address is refused"
like "$(cat "$W/err")" "a different key \($fo\) is served for $A .*not imported; its key stays $fa" "saying so"
ok "it is not in the keyring" sh -c "! gpg --homedir '$(list_home $L)' --batch --list-keys $fo >/dev/null 2>&1"
like "$(lc member ls $L | awk -v a=$A '$1 == a')" "$fa" "the member keeps its key"
ADM=admin@keys.example
add_member $L $ADM admin || { echo "Bail out! admin"; exit 1; }
[ -x "$top_builddir/tests/smtp-sink" ] && start_sink
revoke "$fa"
serve_wkd advanced $A "$fa"
refresh
like "$(cat "$W/out")" "REVOKED; no longer usable" "refresh imports a revocation"
if [ -n "${SINK_PID:-}" ] && [ -f "$LISTD" ]; then
	"$LISTD" -c "$CONF" --once >/dev/null 2>&1
	like "$(told $ADM)" "The key $fa of $A on $L can no longer receive mail from the list: key [0-9A-F]* is revoked" \
	    "the admins are told of the revocation"
	"$LISTD" -c "$CONF" --once >/dev/null 2>&1
	is "$(told $ADM | grep -o 'can no longer receive' | wc -l | tr -d ' ')" 1 "once"
fi
like "$(gpg --homedir "$(list_home $L)" --batch --with-colons --list-keys "$fa" | grep '^pub')" "^pub:r:" \
    "the list's keyring has the key revoked"

# ---- listd refreshes every key-refresh-days ----------------------------------------
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-add-key "$fd" cv25519 encr 2>/dev/null
serve_wkd direct $D "$fd"
sed -i 's/key-refresh-days *= *[0-9]*/key-refresh-days = 1/' "$DATA/lists/$L/policy.conf"
[ -f "$LISTD" ] && faketime -f +2d "$LISTD" -c "$CONF" --once >/dev/null 2>&1
is "$(subs "$fd")" 2 "listd refreshed a member's key after key-refresh-days"
like "$(lc audit $L --json | tr -d ' \n')" '"action":"memberrefresh","actor":"listd"' "audited as listd's"

done_testing
