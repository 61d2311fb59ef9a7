#!/bin/sh
# listctl's input and what it says: list set, control characters refused
# in every text argument, held reject saying whom it told, a full disk
# named as such; over loopback with keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
T=alice@xenproject.example
new_list $L xen $T team mod@xenproject.example moderator ||
    { echo "Bail out! list"; exit 1; }
V=security@vendor.example
vendor() {	# vendor [MEMBER ADD OPTIONS...]: add $V as a vendor member
	add_member $L $V member --category vendor --installed-base 400000 \
	    --evidence https://vendor.example/security --agreed "$@"
}

# ---- list set ----------------------------------------------------------------------
P1=xen-announce@lists.example.org
P2=oss-security@lists.example.net
P3=security-announce@xenproject.example
public() { lc list show $L | sed -n 's/^public: *//p'; }
audit_last() { lc audit $L | tail -n 1; }
is "$(public)" "(none)" "a list created without --public has no public address"
out=$(lc --actor "Ann Admin" list set $L --public $P1)
is $? 0 "list set --public"
like "$out" "public: $P1 \(was: none\)" "says what changed"
is "$(public)" "$P1" "list show prints the new public address"
like "$(lc list show $L)" "changed: +[0-9T:-]+Z by Ann Admin" "and who changed the list"
like "$(audit_last)" "Ann Admin list set $L done" "the change is in the audit log"
like "$(lc audit $L --json | tr -d ' \n')" \
    "\"public\":\\{\"from\":\\[\\],\"to\":\\[\"$P1\"\\]\\}" "with what changed, from and to"
ok "--public replaces the public addresses" lc list set $L --public $P2 --public $P3
is "$(public)" "$P2 $P3" "list show prints both, and not the old one"
like "$(lc list show $L --json | tr -d ' \n')" "\"public\":\[\"$P2\",\"$P3\"\]" \
    "list show --json too"
cp "$DATA/lists/$L/policy.conf" "$W/policy.before"
# refused_set NAME WHY ARGS...: list set refused with exit 1 and one line
# matching WHY, nothing changed, the refusal in the audit log.
refused_set() {
	_rs=$1 _why=$2
	shift 2
	lc list set $L "$@" >"$W/out" 2>"$W/err"
	is $? 1 "$_rs: refused"
	like "$(cat "$W/err")" "^listctl: list set: $_why" "$_rs: says why"
	is "$(wc -l <"$W/err" | tr -d ' ')" 1 "$_rs: on one line"
	is "$(public)" "$P2 $P3" "$_rs: the public addresses are unchanged"
	ok "$_rs: the policy is unchanged" cmp -s "$W/policy.before" \
	    "$DATA/lists/$L/policy.conf"
	like "$(audit_last)" "list set $L refused: $_why" "$_rs: the refusal is recorded"
}
refused_set "not an address" "--public: 'not-an-address' is not an address" \
    --public not-an-address
refused_set "one bad address among good ones" "--public: 'a@b@c' is not an address" \
    --public $P1 --public 'a@b@c'
refused_set "the list's own address" "--public $L is an address of the list itself" \
    --public $L
refused_set "the list's bounce address" \
    "--public xen-pre-bounces\+x@lists.example.org is an address of the list itself" \
    --public xen-pre-bounces+x@lists.example.org
refused_set "an address given twice" "--public $P1 is given twice" \
    --public $P1 --public "$(echo $P1 | tr a-z A-Z)"
refused_set "nothing to change" "nothing to change: $L has these settings already" \
    --public $P2 --public $P3
printf 'name = "broken"\nembargo {\n\tmax-days = 400\n}\n' >"$W/broken.conf"
refused_set "a profile that does not load, with a good --public" "policy refused: " \
    --policy "$W/broken.conf" --public $P1
refused_set "a missing profile" "cannot read $W/missing.conf" --policy "$W/missing.conf"
fails 2 "list set with nothing to set is a usage error" lc list set $L
fails 2 "--public with --no-public is a usage error" lc list set $L --public $P1 --no-public
fails 2 "an option of another command is a usage error" lc list set $L --org X
lc list set nosuch@lists.example.org --public $P1 2>"$W/err"
is $? 1 "list set on an unknown list is refused"
like "$(cat "$W/err")" "no list nosuch@lists.example.org" "and says so"
out=$(lc list set $L --policy libvirt)
is $? 0 "list set --policy"
like "$out" "policy: libvirt from .*libvirt.conf \(was: xen\)" "says what changed"
like "$out" "listctl member check $L" "and points at member check"
like "$(lc list show $L)" "policy: +libvirt \(.*libvirt.conf\)" "list show prints the new policy"
ok "the list's copy of its profile is the new one" cmp -s "$top_srcdir/policy/libvirt.conf" \
    "$DATA/lists/$L/policy.conf"
like "$(audit_last)" "list set $L done" "recorded"
ok "and back to xen" lc list set $L --policy xen
ok "--no-public removes the public addresses" lc list set $L --no-public
is "$(public)" "(none)" "list show prints none"
# The point of it: an advisory released with Embargo: none reaches the
# public address set afterwards.
ok "set a public address again" lc list set $L --public $P1
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
post_advisory $T $L public-at-once XSA-900 1 none
is "$(copies_to $P1)" 1 "Embargo: none is published to the address list set gave"
is "$(copies_to $P2)" 0 "and not to one it removed"

# ---- control characters -------------------------------------------------------
NL='
'
TAB=$(printf '\t')
# refused_text NAME STATUS WHAT LISTCTL ARGS...: refused with exit 2 and
# one line on stderr that names WHAT.
refused_text() {
	_rt=$1 _what=$2
	shift 2
	lc "$@" >"$W/out" 2>"$W/err"
	is $? 2 "$_rt: refused as a usage error"
	like "$(cat "$W/err")" "^listctl: [a-z ]+: $_what contains " \
	    "$_rt: the error names $_what"
	is "$(wc -l <"$W/err" | tr -d ' ')" 1 "$_rt: on one line"
}
refused_text "a newline in --org" --org \
    member add $L $V --role member --key "$W/keys/$T.asc" \
    --org "Vendor${NL}security@forged.example    member    active"
like "$(cat "$W/err")" "contains a newline: control characters are not allowed" \
    "and says what is wrong"
ok "the member was not added" sh -c "! '$LISTCTL' -c '$CONF' member ls $L | grep -q '$V'"
unlike "$(lc member ls $L)" "forged" "member ls shows no forged line"
refused_text "a tab in --justification" --justification \
    member add $L $V --role member --key "$W/keys/$T.asc" \
    --justification "case${TAB}by case"
refused_text "a carriage return in --reason" --reason \
    held reject $L 20990101T000000Z-00000000 --reason "$(printf 'no\rthanks')"
refused_text "DEL in --category" --category \
    member add $L $V --role member --key "$W/keys/$T.asc" \
    --category "$(printf 'vendor\177')"
refused_text "an escape in --evidence" --evidence \
    member add $L $V --role member --key "$W/keys/$T.asc" \
    --evidence "$(printf 'https://x.example/\033[2J')"
refused_text "a newline in --public" --public \
    list create other@lists.example.org --policy xen \
    --public "$(printf 'a@b.example\nc@d.example')"
refused_text "a newline in a list address" LIST \
    member ls "$(printf '%s\nx' $L)"
refused_text "a tab in a member address" ADDRESS \
    member suspend $L "$(printf '%s\t' $T)"
refused_text "a newline in --actor" --actor \
    --actor "$(printf 'Eve\n2026-01-01 admin')" member suspend $L $T
like "$(lc member ls $L | grep $T)" " active " "nothing was changed"
unlike "$(lc audit $L)" "Eve" "nor recorded under the forged actor"
lc member ls "$(printf 'caf\351@lists.example.org')" 2>"$W/err"
is $? 2 "text that is not UTF-8 is refused"
like "$(cat "$W/err")" "LIST is not valid UTF-8" "and named"
ok "UTF-8 text is taken" vendor --org "Vendeur Société Générale"
like "$(lc member ls $L | grep $V)" "Vendeur Société Générale" "and shown as given"

# ---- held reject: whom the reason reaches -------------------------------------------
printf 'Buy cheap watches.\n' >"$W/spam.txt"
held() {	# held SUBJECT SENDER: a plain message from SENDER, held
	mail_plain someone@outside.example $L "$1" "$W/spam.txt" >"$W/$1.eml"
	lc inject $L --sender "$2" <"$W/$1.eml"
	listd_once >/dev/null 2>&1
	lc held ls $L | awk -F'\t' -v s="$1" '$4 == s { print $1 }'
}
id=$(held bounce "")
ok "a bounce (null sender) is held" test -n "$id"
before=$(cat "$W"/sink.*/log 2>/dev/null | wc -l)
out=$(lc held reject $L "$id" --reason "Not for this list.")
is $? 0 "held reject --reason of a bounce"
unlike "$out" "told why|sender is told" "does not claim the sender is told"
like "$out" "the reason is recorded; nobody is told" "says nobody is told"
listd_once >/dev/null 2>&1
is "$(cat "$W"/sink.*/log 2>/dev/null | wc -l)" "$before" "and nothing is sent"
like "$(lc audit $L | grep "held reject $id")" "done" "the rejection is recorded"
id=$(held daemon MAILER-DAEMON@mx.example)
out=$(lc held reject $L "$id" --reason "Not for this list.")
like "$out" "nobody is told" "MAILER-DAEMON is not told either"
id=$(held own $L)
out=$(lc held reject $L "$id" --reason "Not for this list.")
like "$out" "nobody is told" "nor the list's own address"
id=$(held real Spammer@Outside.example)
out=$(lc held reject $L "$id" --reason "Not for this list.")
like "$out" "spammer@outside.example is told why" "a sender is named as told"
listd_once >/dev/null 2>&1
is "$(copies_to spammer@outside.example)" 1 "and is told"
id=$(held quiet someone@outside.example)
out=$(lc held reject $L "$id")
like "$out" "nobody is told \(no --reason\)" "without --reason: says nobody is told"

# ---- a full disk -----------------------------------------------------------------
# A small tmpfs holds a copy of the datadir; filled, every write fails.
# It needs a private mount namespace: as root, or in a user namespace.
if [ "$(id -u)" = 0 ]; then NS="unshare -m"; else NS="unshare -rm"; fi
mkdir "$W/small"
if ! command -v unshare >/dev/null 2>&1 ||
    ! $NS sh -c "mount -t tmpfs -o size=1m tmpfs '$W/small'" 2>/dev/null; then
	skip "a full disk: no private mount namespace here (unshare)"
else
	cat >"$W/full.sh" <<EOF
mount -t tmpfs -o size=8m tmpfs "$W/small" || exit 99
mkdir -p "$W/small/data/lists/$L"
cp -r "$DATA/store" "$W/small/data/"
(cd "$DATA/lists/$L" && tar cf - --exclude 'S.*' policy.conf gnupg) |
    (cd "$W/small/data/lists/$L" && tar xf -)
sed 's|^datadir = .*|datadir = "$W/small/data"|' "$CONF" >"$W/full.conf"
lcf() { "$LISTCTL" -c "$W/full.conf" "\$@"; }
# All but 40 KiB taken: the commit runs out in the middle (a short write).
avail=\$(df -k --output=avail "$W/small" | tail -n 1)
dd if=/dev/zero of="$W/small/fill" bs=1k count=\$((avail - 40)) 2>/dev/null
lcf inject $L --sender $T <"$W/big.eml" 2>"$W/full.inject"
echo \$? >"$W/full.inject.rc"
# Nothing left at all.
dd if=/dev/zero of="$W/small/fill2" bs=1k 2>/dev/null
lcf inject $L --sender $T <"$W/big.eml" 2>"$W/full.none"
echo \$? >"$W/full.none.rc"
rm -f "$W/small/fill" "$W/small/fill2"
lcf inject $L --sender $T <"$W/big.eml" 2>"$W/full.after"
echo \$? >"$W/full.after.rc"
gpgconf --homedir "$W/small/data/lists/$L/gnupg" --kill all 2>/dev/null
EOF
	{ printf 'From: %s\nSubject: big\n\n' $T; head -c 300000 /dev/urandom | base64; } \
	    >"$W/big.eml"
	$NS sh "$W/full.sh"
	is "$(cat "$W/full.inject.rc")" 75 "a full disk: inject says 75 (try again later)"
	like "$(cat "$W/full.inject")" \
	    "^listctl: inject: .*no space left on the datadir's file system \($W/small/data\)" \
	    "and names the full file system, not an I/O error"
	unlike "$(cat "$W/full.inject")" "Input/output error" "no Input/output error"
	is "$(cat "$W/full.none.rc")" 75 "no room at all: inject says 75"
	like "$(cat "$W/full.none")" "no space left on the datadir's file system" \
	    "and says why"
	is "$(cat "$W/full.after.rc")" 0 "with room again, inject succeeds"
fi

done_testing
