#!/bin/sh
# Bounces: each copy goes out from its own return address
# (LIST-bounces+TOKEN@); a delivery report to it, built as Postfix writes
# one and sent over LMTP or through inject, marks exactly that copy
# bounced (queue --json, audit --advisory); a forged or another list's
# token is refused and recorded, in the audit log once an hour with the
# rest counted; a delay is recorded only; what is no report is kept for
# the admins; bounce-suspend suspends a member after that many bounces in
# a row, the admins told once, and copies the relay refused (550 to RCPT)
# count the same; the admins hear of a member's failed copies, with
# advisory and revision, once a day; queue retry sends a failed copy once
# more.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_daemon_parts

vendor_list 3
V1=security@v1.example
V2=security@v2.example

job_state() {	# job_state MEMBER POST: its copy's state in queue --json
	lc queue $L --json | jq -r --arg m "$1" --arg p "$2" \
	    '.[] | select(.member == $m and .post == $p) | .state'
}
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
command -v faketime >/dev/null 2>&1 || skip_all "faketime not installed"
member_state() { lc member ls $L --json | jq -r --arg m "$1" '.[] | select(.address == $m) | .state'; }

# ---- per-copy return addresses ---------------------------------------------

post_advisory $T $L xsa1 XSA-1 1
until_done $L >/dev/null
P1=$(lc audit $L --json | jq -r '[.[] | select(.action == "post distribute")][0].subject')
R1=$(sender_for $V1)
R2=$(sender_for $V2)
like "$R1" "^sec-bounces\+[a-z2-7]{20}@$D\$" "a member's copy comes from its own return address"
ok "each copy from its own" test "$R1" != "$R2"

# ---- a report over LMTP, and one through inject ------------------------------

start_listd || bail_out listd
mail_dsn "$W/b1.eml" "$R1" $V1 failed 5.1.1
out=$(lmtp --from '' "$R1" <"$W/b1.eml")
like "$out" "250 2.0.0 .* committed" "Postfix's report to the copy's address is taken over LMTP"
stop_listd
listd_once >/dev/null 2>&1
is "$(job_state $V1 "$P1")" bounced "that copy is bounced in queue --json"
is "$(lc queue $L --json | jq '[.[] | select(.state == "bounced")] | length')" 1 \
    "and only that copy"
adv=$(lc audit $L --advisory XSA-1 --json)
is "$(printf '%s' "$adv" | jq -r '.[] | select(.action == "copy bounced") | .subject')" \
    "$V1" "audit --advisory shows the bounce, for that member"
like "$(printf '%s' "$adv" | jq -r '.[] | select(.action == "copy bounced") | .detail.status')" \
    "^5\.1\.1$" "with the report's status"
like "$(printf '%s' "$adv" | jq -r '.[] | select(.action == "copy accepted" and .subject == "'$V1'") | .detail.bounce.diagnostic')" \
    "User unknown" "and the ledger keeps the acceptance and adds the bounce"
like "$(told $A)" "$V1: XSA-1 revision 1, bounced" \
    "the admins hear of it, naming the advisory and revision"

mail_dsn "$W/b2.eml" "$R2" $V2 failed 5.2.1
lc inject "$R2" --sender '' <"$W/b2.eml"
is $? 0 "a report through inject --sender '' is taken"
listd_once >/dev/null 2>&1
is "$(job_state $V2 "$P1")" bounced "and marks that copy bounced"

# ---- forged and foreign tokens --------------------------------------------------

lc list create other@$D --policy xen >/dev/null
foreign="other-bounces+${R1#sec-bounces+}"
lc inject "$foreign" --sender '' <"$W/b1.eml" 2>"$W/err"
is $? 67 "another list's token is refused"
tok=${R1#sec-bounces+}
forged="sec-bounces+$(printf '%s' "$tok" | cut -c1-10)aaaaaaaaaa@$D"
lc inject "$forged" --sender '' <"$W/b1.eml" 2>"$W/err"
is $? 67 "a forged token is refused"
like "$(lc audit other@$D)" "bounce refused" "the refusal is recorded on the list it was sent to"
like "$(lc audit $L)" "bounce refused sec-bounces.$(printf '%s' "$tok" | cut -c1-10)a{10}@" \
    "and the forged one on its list"
refusals() { lc audit $L --json | jq '[.[] | select(.action == "bounce refused")]'; }
for n in 1 2 3; do
	lc inject "$forged" --sender '' <"$W/b1.eml" 2>/dev/null
	[ $? = 67 ] || echo "# forged token $n: not refused"
done
is "$(refusals | jq length)" 1 \
    "three more forged ones, refused: the audit log has still one entry"
faketime -f +3601s "$LISTCTL" -c "$CONF" inject "$forged" --sender '' \
    <"$W/b1.eml" 2>/dev/null
is $? 67 "an hour later the next one is refused"
is "$(refusals | jq -c '[length, .[1].detail["left-out"]]')" "[2,3]" \
    "and entered, counting the three left out"

# ---- reports that mark nothing ----------------------------------------------

V3=security@v3.example
R3=$(sender_for $V3)
mail_dsn "$W/d3.eml" "$R3" $V3 delayed 4.4.1
lc inject "$R3" --sender '' <"$W/d3.eml"
listd_once >/dev/null 2>&1
is "$(job_state $V3 "$P1")" "" "a delay does not mark the copy"
like "$(lc audit $L)" "copy report.*$V3.*transient" "it is recorded"
printf 'Subject: hello\n\nNot a report.\n' | lc inject "$R3" --sender x@else.example
listd_once >/dev/null 2>&1
like "$(lc held ls $L)" "	bounce	.*	hello" "mail that is no report is kept for the admins"

nt=$(told $A | grep -o "is held: bounce" | wc -l)
mail_dsn "$W/plain.eml" sec-bounces@$D $A failed 5.1.1
lc inject sec-bounces@$D --sender '' <"$W/plain.eml"
until_done $L >/dev/null
like "$(lc held ls $L)" "	bounce	" "a report to the plain bounce address is kept"
is "$(told $A | grep -o "is held: bounce" | wc -l)" "$nt" \
    "quietly: a notice's report begets no notice"

# ---- bounce-suspend ------------------------------------------------------------

nb=$(told $A | grep -o "a copy bounced\|$V1: XSA" | wc -l)
for n in 2 3; do
	post_advisory $T $L xsa$n XSA-$n 1
	until_done $L >/dev/null
	mail_dsn "$W/b1.$n.eml" "$(sender_for $V1)" $V1 failed 5.1.1
	lc inject "$(sender_for $V1)" --sender '' <"$W/b1.$n.eml"
	listd_once >/dev/null 2>&1
	[ $n = 2 ] && is "$(lc member ls $L --json | jq -r '.[] | select(.address == "'$V1'") | .state')" \
	    active "two bounces in a row: still active"
done
is "$(lc member ls $L --json | jq -r '.[] | select(.address == "'$V1'") | .state')" \
    suspended "three in a row (bounce-suspend = 3): suspended"
like "$(lc audit $L)" "listd member suspend $V1 done: 3 copies in a row bounced" \
    "by listd, in the audit log"
until_done $L >/dev/null
is "$(told $A | grep -o "Member $V1 of $L is suspended" | wc -l)" 1 "the admins are told once"
like "$(told $A)" "missed:  XSA-1, XSA-2, XSA-3" "naming the advisories it missed"
is "$(told $A | grep -o "$V1: XSA-[0-9]* revision 1, bounced" | wc -l)" 1 \
    "a member's failures are named once a day"

lc member resume $L $V1 >/dev/null
until_done $L >/dev/null
post_advisory $T $L xsa4 XSA-4 1
until_done $L >/dev/null
mail_dsn "$W/b1.4.eml" "$(sender_for $V1)" $V1 failed 5.1.1
lc inject "$(sender_for $V1)" --sender '' <"$W/b1.4.eml"
listd_once >/dev/null 2>&1
is "$(lc member ls $L --json | jq -r '.[] | select(.address == "'$V1'") | .state')" \
    active "once resumed, the bounces before do not count"

# ---- queue retry ----------------------------------------------------------------

before=$(copies_to $V2)
out=$(lc queue retry $L "$P1" --member $V2)
is "$out" "1 copy to be sent again" "queue retry takes the bounced copy"
until_done $L >/dev/null
until_done $L >/dev/null
is "$(copies_to $V2)" $((before + 1)) "and sends it once"
is "$(job_state $V2 "$P1")" "" "it is sent, no longer bounced"
fails 1 "nothing left to retry is refused" lc queue retry $L "$P1" --member $V2

# ---- copies the relay refused count like bounces -----------------------------------

post_advisory $T $L xsa5 XSA-5 1
until_done $L >/dev/null
mail_dsn "$W/b3.eml" "$(sender_for $V3)" $V3 failed 5.1.1
lc inject "$(sender_for $V3)" --sender '' <"$W/b3.eml"
listd_once >/dev/null 2>&1
is "$(job_state $V3 "$(lc queue $L --json | jq -r '.[] | select(.member == "'$V3'") | .post')")" \
    bounced "a third member's copy of XSA-5 bounced"
stop_sink
start_sink --reject-rcpt $V3 || { echo "Bail out! smtp-sink"; exit 1; }
post_advisory $T $L xsa6 XSA-6 1
until_done $L >/dev/null
like "$(lc queue $L)" "$V3	failed	1	.*550" "the relay refuses its copy of XSA-6 (550 to RCPT)"
is "$(member_state $V3)" active "a bounce and a refusal in a row: still active"
post_advisory $T $L xsa7 XSA-7 1
until_done $L >/dev/null
is "$(member_state $V3)" suspended \
    "a bounce and two refusals in a row (bounce-suspend = 3): suspended"
like "$(lc audit $L)" "listd member suspend $V3 done: 3 copies in a row bounced or were refused.*the last: 550" \
    "by listd, in the audit log, with the relay's reply"
until_done $L >/dev/null
is "$(told $A | grep -o "Member $V3 of $L is suspended" | wc -l)" 1 "the admins are told once"
like "$(told $A)" "missed:  XSA-5, XSA-6, XSA-7" "naming the advisories it missed"
stop_sink

# ---- a relay that refuses everyone suspends no one ----------------------------------
lc member resume $L $V3 >/dev/null
states() { for _m in $V1 $V2 $V3 $A $T; do printf '%s ' "$(member_state $_m)"; done; }
# three_posts NAME N SINK-OPTIONS...: three new advisories, XSA-N1 to N3,
# through a sink so made.
three_posts() {
	_name=$1 _adv=$2
	shift 2
	start_sink "$@" || { echo "Bail out! smtp-sink"; exit 1; }
	for _k in 1 2 3; do
		advisory "$W/$_name$_k.txt" "XSA-$_adv$_k" 1
		mail_pgpmime $T $T $L "$_name$_k" "$W/$_name$_k.txt" | lc inject $L
		listd_once >/dev/null 2>>"$W/$_name.log"
		until_done $L >/dev/null
	done
	stop_sink
}
three_posts denied 8 --deny-relay
is "$(states)" "active active active active active " \
    "a relay that denies every RCPT (554 5.7.1) three times: no member, admin or team suspended"
like "$(lc queue $L)" "	$V1	failed	1	.*554 5.7.1 Relay access denied" \
    "its copies are failed, with the relay's reply"
three_posts unknown 9 --reject-rcpt '*'
is "$(states)" "active active active active active " \
    "a relay that calls every address unknown (550 5.1.1) three times: none suspended either"
like "$(cat "$W/unknown.log")" "the relay refused all [0-9]+ copies of post .* for good; not counted toward bounce-suspend: check the relay" \
    "and listd says why it did not count them"

done_testing
