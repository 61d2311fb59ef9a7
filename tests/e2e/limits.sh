#!/bin/sh
# Embargo limits and CVEs (issue 12): require-cve = never, before-release
# (the team's reminder; the release not delayed) and always; the limits
# count from the members' first copy, Extension: and Restart: reasons are
# recorded and shown, a date pushed on without Restart: is held.  Over
# loopback with keys made here, time moved on with faketime.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v faketime >/dev/null 2>&1 || skip_all "faketime not installed"

ALICE=alice@libvirt.example
V=security@vendor.example
PUB=libvirt-announce@lists.example.org
L=libvirt-security@lists.example.org
# a_list NAME PROFILE: a list with ALICE on the team and V a member.
a_list() {
	lc list create "$1" --policy "$2" --public $PUB >/dev/null &&
	    import_list_key "$1" && add_member "$1" $ALICE team &&
	    add_member "$1" $V member --org Vendor --category vendor \
	    --installed-base 400000 --evidence https://v.example \
	    --vouched-by $ALICE --agreed
}
a_list $L libvirt || { echo "Bail out! list $L"; exit 1; }
sed 's/^\([[:space:]]*require-cve[[:space:]]*=\).*/\1 never/' \
    "$top_srcdir/policy/libvirt.conf" >"$W/never.conf"
NV=never@lists.example.org
a_list $NV "$W/never.conf" || { echo "Bail out! list $NV"; exit 1; }
X=xen-pre@lists.example.org
a_list $X xen || { echo "Bail out! list $X"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

T0=$(date +%s)
DAY=86400
# at SECONDS: a date that many seconds after T0, as an Embargo: value.
at() { date -u -d "@$((T0 + $1))" '+%Y-%m-%d %H:%M:%S UTC'; }
body() { advisory_text "$@"; }
send() { post_file $ALICE "$@"; }
run_at() { listd_at "$1" >/dev/null 2>&1; }
# reminders: the CVE reminders ALICE was sent, one advisory a line.
reminders() { told $ALICE | grep -o 'XSA-[0-9]* has no CVE yet' | sort; }

# ---- require-cve = always (xen) ---------------------------------------------------
body "$W/nocve.txt" XSA-971 1 "$(at $((5 * DAY)))"
send $X nocve
is "$(held_field $X nocve 2)" advisory "always: a revision without a CVE: is held (advisory)"
like "$(held_why $X nocve)" "XSA-971: revision 1 of this advisory has no CVE: line.*require-cve = always" \
    "saying why and what to do"
like "$(told $ALICE)" "Revision 1 of XSA-971 on $X was held: nothing was sent.*CVE-YYYY-NNNN" \
    "the poster is told, encrypted"
v0=$(copies_to $V)
body "$W/cve.txt" XSA-971 1 "$(at $((5 * DAY)))" "CVE: CVE-2026-9710"
send $X cve
is "$(copies_to $V)" $((v0 + 1)) "always: with its CVE: it goes to the members"
# xen refuses restarts of the clock.
body "$W/xrestart.txt" XSA-971 2 "$(at $((6 * DAY)))" "CVE: CVE-2026-9710" \
    "Restart: the patch needs more work"
send $X xrestart
is "$(held_field $X xrestart 2)" advisory "xen (restarts = refuse): a Restart: is held"
like "$(held_why $X xrestart)" "restarts = refuse" "saying the policy refuses restarts"

# ---- require-cve = before-release (libvirt) and never ------------------------------
body "$W/c950.txt" XSA-950 1 "$(at $((5 * DAY)))"
send $L c950
body "$W/c951.txt" XSA-951 1 "$(at $((5 * DAY)))" "CVE: CVE-2026-9510"
send $L c951
body "$W/c952.txt" XSA-952 1 "$(at $((5 * DAY)))"
send $L c952
body "$W/c952b.txt" XSA-952 2 "$(at $((5 * DAY)))" "CVE: CVE-2026-9520"
send $L c952b
body "$W/c960.txt" XSA-960 1 "$(at $((5 * DAY)))"
send $NV c960
is "$(lc held ls $L)$(lc held ls $NV)" "" "before-release and never: nothing is held for a missing CVE"
ls=$(lc advisory ls $L)
like "$ls" "^XSA-950	embargoed	.*	cve none$" "advisory ls: XSA-950 has no CVE"
like "$ls" "^XSA-951	embargoed	.*	cve CVE-2026-9510$" "advisory ls: XSA-951's CVE"
like "$(lc advisory show $L XSA-952)" "^cve: +CVE-2026-9520$" "advisory show: the CVE a later revision gave"
run_at +$((2 * DAY))
is "$(reminders)" "" "three days before the date nobody is reminded"
run_at +$((3 * DAY + 3600))
is "$(reminders)" "XSA-950 has no CVE yet" \
    "two days before it the team is reminded of XSA-950 alone (not XSA-951, XSA-952, nor never's XSA-960)"
like "$(told $ALICE)" "require-cve = before-release.*not delayed" "saying the release is not delayed"
unlike "$(told $V)" "has no CVE yet" "the members are not reminded"
run_at +$((3 * DAY + 7200))
is "$(reminders)" "XSA-950 has no CVE yet" "once"
p0=$(copies_to $PUB)
run_at +$((5 * DAY + 60))
is "$(copies_to $PUB)" $((p0 + 5)) "at the date all five are released, XSA-950 without its CVE"

# ---- the limits count from the members' first copy ------------------------------------
B=$((6 * DAY))	# the advisory's first copy, six days on
body "$W/k1.txt" XSA-900 1 "$(at $((B + 13 * DAY)))" "CVE: CVE-2026-9000"
send $L k1 +$B
body "$W/k2.txt" XSA-900 2 "$(at $((B + 25 * DAY)))" "CVE: CVE-2026-9000"
send $L k2 +$((B + 12 * DAY))
is "$(held_field $L k2 2)" advisory "push 1: 13 days from now but 25 from the first copy, no Extension: held"
like "$(held_why $L k2)" "(more than 24|25) days after the members' first copy .* give Extension: <reason> .* or Restart: <reason>" \
    "saying it counts from the first copy, and what to do"
faketime -f +$((B + 12 * DAY)) "$LISTCTL" -c "$CONF" held approve $L \
    "$(held_field $L k2 1)" 2>"$W/err"
is $? 1 "a moderator cannot approve a revision the limits still hold"
like "$(cat "$W/err")" "it is held still, XSA-900: an embargo until" "saying why"
is "$(held_field $L k2 2)" advisory "it stays held"
body "$W/k2x.txt" XSA-900 2 "$(at $((B + 25 * DAY)))" "CVE: CVE-2026-9000" \
    "Extension: the discoverer asked for two more weeks"
send $L k2x +$((B + 12 * DAY))
like "$(lc advisory show $L XSA-900)" "^embargo: +$(date -u -d "@$((T0 + B + 25 * DAY))" '+%Y-%m-%dT%H:%M')" \
    "with Extension: the date moves"
body "$W/k3.txt" XSA-900 3 "$(at $((B + 36 * DAY)))" "CVE: CVE-2026-9000" \
    "Extension: still more time"
send $L k3 +$((B + 24 * DAY))
is "$(held_field $L k3 2)" advisory "push 2: 36 days from the first copy is held, even with Extension:"
like "$(held_why $L k3)" "(more than 35|36) days after the members' first copy .*31 days even with Extension" \
    "over the longest"
body "$W/k3r.txt" XSA-900 3 "$(at $((B + 36 * DAY)))" "CVE: CVE-2026-9000" \
    "Restart: the fix broke live migration"
send $L k3r +$((B + 24 * DAY))
like "$(lc advisory show $L XSA-900)" "^embargo: +$(date -u -d "@$((T0 + B + 36 * DAY))" '+%Y-%m-%dT%H:%M')" \
    "with Restart: (libvirt allows it) the clock restarts and the date moves"
body "$W/k4.txt" XSA-900 4 "$(at $((B + 47 * DAY)))" "CVE: CVE-2026-9000"
send $L k4 +$((B + 35 * DAY))
is "$(held_field $L k4 2)" advisory "push 3: 23 days after the restart, no Extension: held"
like "$(held_why $L k4)" "(more than 22|23) days after the clock's last restart" "counted from the restart"
show=$(lc advisory show $L XSA-900)
like "$show" "^extension: the discoverer asked for two more weeks \(revision 2, " \
    "advisory show: the Extension's reason"
like "$show" "^restart: +the fix broke live migration \(revision 3, " \
    "advisory show: the Restart's reason"
like "$show" "^clock: +limits count from $(date -u -d "@$((T0 + B + 24 * DAY))" '+%Y-%m-%dT%H')" \
    "advisory show: the clock counts from the restart"
like "$show" "^cve: +CVE-2026-9000$" "advisory show: the CVE"
like "$(lc advisory show $L XSA-900 --json | tr -d ' \n')" '"restarts":\[\{"at":"[^"]*","reason":"thefixbrokelivemigration","revision":3\}' \
    "recorded with its reason"
store_file=$(find "$DATA" -name data.mdb | head -n 1)
unlike "$(grep -a -o 'the fix broke live migration' "$store_file")" . \
    "the Restart's reason is sealed in the store (not in its file in clear)"
unlike "$(grep -a -o 'the discoverer asked for two more weeks' "$store_file")" . \
    "and so is the Extension's"
done_testing
