#!/bin/sh
# Embargo integrity (issue 12): one advisory per post, its keyword block
# first; the date forms people write; the date members hold is the release
# date (date-changes = notify and hold); nothing is published into the
# void (no public address); Reply-To on public copies.  Over loopback with
# keys made here, time moved on with faketime.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v faketime >/dev/null 2>&1 || skip_all "faketime not installed"

L=xen-pre@lists.example.org
PUB=xen-devel@lists.example.org
ALICE=alice@xenproject.example
V=security@vendor.example
ADMIN=admin@xenproject.example
new_list $L xen $ALICE team $ADMIN admin || { echo "Bail out! list"; exit 1; }
lc list set $L --public $PUB >/dev/null || { echo "Bail out! public"; exit 1; }
add_vendor $L $V || { echo "Bail out! member"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

T0=$(date +%s)
DAY=86400
# at SECONDS: a date that many seconds after T0, as an Embargo: value.
at() { date -u -d "@$((T0 + $1))" '+%Y-%m-%d %H:%M:%S UTC'; }
iso() { date -u -d "@$((T0 + $1))" '+%Y-%m-%dT%H:%M:%SZ'; }
body() { advisory_text "$@"; }
send() { post_file $ALICE "$@"; }
run_at() { listd_at "$1" >/dev/null 2>&1; }
pub_copies() { copies_to $PUB; }

# ---- one advisory per post, its block first ------------------------------------
body "$W/two.txt" XSA-801 1 "$(at $((2 * DAY)))" "CVE: CVE-2026-8010"
printf '\nAdvisory: XSA-802\nRevision: 1\nEmbargo: %s\nCVE: CVE-2026-8020\n\nXSA-802 details.\n' \
    "$(at $((6 * DAY)))" >>"$W/two.txt"
v0=$(copies_to $V)
send $L two
is "$(held_field $L two 2)" keywords "two advisories in one post are held as keywords"
like "$(held_why $L two)" "^two advisories in one post: send each on its own \(XSA-801, and XSA-802 at line 8\)$" \
    "with a one-line reason saying what to do"
is "$(copies_to $V)" "$v0" "nothing goes to the members"
unlike "$(lc advisory ls $L)" "XSA-80[12]" "neither advisory is tracked"
like "$(told $ALICE)" "was held: nothing was sent.*two advisories in one post: send each on its own" \
    "the poster is told, encrypted"
p0=$(copies_to $PUB)
run_at +$((3 * DAY - 600))
is "$(copies_to $PUB)" "$p0" "and at XSA-801's date nothing of XSA-802 (nor XSA-801) is published"
{ printf 'Hi all,\n\nplease find the advisory below.\n\n'
  cat "$W/two.txt" | sed -n 1,6p; } >"$W/greeting.txt"
send $L greeting
is "$(held_field $L greeting 2)" keywords "keywords after a greeting are held as keywords"
like "$(held_why $L greeting)" "^the keyword block must open the signed text: line 5 comes after" \
    "the keyword block must open the signed text"
like "$(told $ALICE)" "was held: nothing was sent.*the keyword block must open the signed text" \
    "the poster is told"
printf 'Hi all,\n\nthe backport to 4.17 applies cleanly.\n' >"$W/chat.txt"
send $L chat
is "$(copies_to $V)" $((v0 + 1)) "a team post without keyword lines is ordinary discussion, sent"
unlike "$(lc held ls $L)" "chat" "and not held"

# ---- the date forms -------------------------------------------------------------
gmt=$(date -u -d "@$((T0 + 3 * DAY))" '+%Y-%m-%d %H:%M GMT')
body "$W/gmt.txt" XSA-811 1 "$gmt" "CVE: CVE-2026-8110"
send $L gmt
like "$(lc advisory show $L XSA-811)" "^embargo: +$(date -u -d "@$((T0 + 3 * DAY))" '+%Y-%m-%dT%H:%M'):00Z" \
    "'... GMT' is read as UTC"
off=$(TZ=Etc/GMT-2 date -d "@$((T0 + 3 * DAY))" '+%Y-%m-%dT%H:%M:%S+02:00')
body "$W/offset.txt" XSA-812 1 "$off" "CVE: CVE-2026-8120"
send $L offset
like "$(lc advisory show $L XSA-812)" "^embargo: +$(iso $((3 * DAY)))" \
    "ISO 8601 with a +02:00 offset is read at its UTC time"
rfc=$(LC_ALL=C date -u -d "@$((T0 + 3 * DAY))" '+%a, %-d %b %Y %H:%M:%S +0000')
body "$W/rfc.txt" XSA-813 1 "$rfc" "CVE: CVE-2026-8130"
send $L rfc
like "$(lc advisory show $L XSA-813)" "^embargo: +$(iso $((3 * DAY)))" \
    "an RFC 5322 date is read"
body "$W/nozone.txt" XSA-814 1 "$(date -u -d "@$((T0 + 3 * DAY))" '+%Y-%m-%d %H:%M')" \
    "CVE: CVE-2026-8140"
send $L nozone
is "$(held_field $L nozone 2)" keywords "a date without a zone is held"
like "$(held_why $L nozone)" "the embargo date has no time zone, so it is ambiguous" \
    "as ambiguous, on one line"
like "$(told $ALICE)" "was held: nothing was sent.*no time zone, so it is ambiguous" \
    "the poster is told"

# ---- xen (date-changes = notify): a suppressed revision moves the date earlier -------
body "$W/r1.txt" XSA-820 1 "$(at $((5 * DAY)))" "CVE: CVE-2026-8200"
send $L r1
v1=$(copies_to $V)
body "$W/r2.txt" XSA-820 2 "$(at $DAY)" "CVE: CVE-2026-8200"
printf 'The suppressed text of revision 2.\n' >>"$W/r2.txt"
send $L r2
is "$(copies_to $V)" $((v1 + 1)) "the member gets one message for the new date"
got=$(told $V)
like "$got" "XSA-820: the embargo date has moved" "a date notice"
like "$got" "revision: +2 +embargo: +$(date -u -d "@$((T0 + DAY))" '+%Y-%m-%d %H:%M') UTC +was: +$(date -u -d "@$((T0 + 5 * DAY))" '+%Y-%m-%d %H:%M') UTC" \
    "with the advisory, the revision, the new and the old date"
unlike "$got" "suppressed text of revision 2|XSA-820 revision 2: the details" \
    "and nothing of the suppressed revision"
N=$(copy_for $V)
ok "the notice is encrypted" grep -q 'BEGIN PGP MESSAGE' "$N"
like "$(lc advisory show $L XSA-820)" "date notice to the members: the embargo was $(iso $((5 * DAY)))" \
    "advisory show records the notice"
like "$(told $ALICE)" "Revision 2 of XSA-820 .* not sent to the members.* date notice" \
    "the poster hears the revision was not sent but the date was"
p0=$(pub_copies)
run_at +$((DAY - 600))
is "$(pub_copies)" "$p0" "ten minutes before the new date nothing is published"
run_at +$((DAY + 120))
is "$(pub_copies)" $((p0 + 1)) "at the new date, the date the members were sent, it is"

# ---- date-changes = hold ------------------------------------------------------------
H=hold@lists.example.org
sed 's/^\([[:space:]]*date-changes[[:space:]]*=\).*/\1 hold/' "$top_srcdir/policy/xen.conf" >"$W/hold.conf"
lc list create $H --policy "$W/hold.conf" --public $PUB >/dev/null && import_list_key $H &&
    add_member $H $ALICE team && add_vendor $H $V || { echo "Bail out! list $H"; exit 1; }
body "$W/h1.txt" XSA-830 1 "$(at $((5 * DAY)))" "CVE: CVE-2026-8300"
send $H h1
v1=$(copies_to $V)
body "$W/h2.txt" XSA-830 2 "$(at $((2 * DAY)))" "CVE: CVE-2026-8300"
send $H h2
is "$(held_field $H h2 2)" advisory "under date-changes = hold the date change is held (advisory)"
like "$(held_why $H h2)" "XSA-830: revision 2 would move the embargo from .*date-changes = hold" \
    "saying why"
like "$(lc advisory show $H XSA-830)" "^embargo: +$(iso $((5 * DAY)))" "the old date is kept"
is "$(copies_to $V)" "$v1" "the members are sent nothing"
like "$(told $ALICE)" "Revision 2 of XSA-830 on $H was held" "the poster is told"
p0=$(pub_copies)
run_at +$((2 * DAY + 120))
is "$(pub_copies)" "$p0" "at the held date nothing is published"
out=$(lc --actor "Mod Erator" held approve $H "$(held_field $H h2 1)")
is $? 0 "a moderator approves the move"
run_at +0
like "$(lc advisory show $H XSA-830)" "^embargo: +$(iso $((2 * DAY)))" "the new date applies"
is "$(copies_to $V)" $((v1 + 1)) "with a date notice to the member"
like "$(told $V)" "XSA-830: the embargo date has moved" "saying so"
run_at +$((2 * DAY + 180))
is "$(pub_copies)" $((p0 + 1)) "and the release follows it"

# ---- no public address ------------------------------------------------------------
N=nopub@lists.example.org
ADMIN=admin@nopub.example	# an admin of this list alone
new_list $N xen $ALICE team $ADMIN admin && add_vendor $N $V || { echo "Bail out! list $N"; exit 1; }
body "$W/none.txt" XSA-840 1 none "CVE: CVE-2026-8400"
send $N none
is "$(held_field $N none 2)" advisory "Embargo: none on a list without a public address is held (advisory)"
like "$(held_why $N none)" "the list has no public address: set one with listctl list set LIST --public ADDRESS" \
    "saying what to do"
like "$(told $ALICE)" "Revision 1 of XSA-840 on $N was held: nothing was sent.*no public address" \
    "the poster is told, encrypted"
body "$W/emb.txt" XSA-841 1 "$(at $(($(date +%s) - T0 + 3600)))" "CVE: CVE-2026-8410"
send $N emb
lc advisory release $N XSA-841 2>"$W/err"
is $? 1 "advisory release without a public address is refused"
like "$(cat "$W/err")" "no public address: set one with listctl list set $N --public ADDRESS" \
    "with the command that mends it"
a0=$(copies_to $ADMIN)
run_at +$((3 * DAY))
like "$(lc advisory show $N XSA-841)" "^state: +embargoed" "at its date it waits, embargoed"
is "$(copies_to $ADMIN)" $((a0 + 1)) "the admin is told"
like "$(told $ADMIN)" "XSA-841 on $N reached its embargo date, but nothing was published" \
    "that nothing was published"
run_at +$((3 * DAY))
is "$(copies_to $ADMIN)" $((a0 + 1)) "once"
lc list set $N --public $PUB >/dev/null
p0=$(pub_copies)
run_at +$((3 * DAY))
is "$(pub_copies)" $((p0 + 1)) "with a public address set, it is released"
lc --actor "Mod Erator" held approve $N "$(held_field $N none 1)" >/dev/null
is $? 0 "the held Embargo: none is approved"
run_at +$((3 * DAY))
is "$(pub_copies)" $((p0 + 2)) "and published"
like "$(lc advisory show $N XSA-840)" "^state: +public" "XSA-840 is public"

# ---- Reply-To on public copies --------------------------------------------------
P=$(copy_for $PUB)
is "$(tr -d '\r' <"$P" | grep -i '^Reply-To:')" "Reply-To: $PUB" "a public copy carries Reply-To: the public address"
like "$(grep -i '^From:' "$P")" "$N" "(it comes From: the list)"
ok "the list's signature still verifies" verify_signed_copy "$P"
done_testing
