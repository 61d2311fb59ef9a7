#!/bin/sh
# The embargo lifecycle, end to end: revisions, the update policy, embargo
# limits, Embargo: none, over loopback with keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

advisory_list
V=security@vendor.example
add_vendor $L $V
start_sink || bail_out smtp-sink

last_action() {	# the advisory action of the last post decision
	lc audit $L --json | tr -d '\n ' | grep -o '"advisory-action":"[a-z]*"' |
	    tail -n 1 | cut -d'"' -f4
}

post r1 XSA-100 1 7
is "$(last_action)" deliver "revision 1 of an embargoed advisory is delivered"
is "$(copies_to $V)" 1 "the member receives it"
post r2 XSA-100 2 7
is "$(last_action)" suppress "under the xen profile revision 2 is suppressed during the embargo"
is "$(copies_to $V)" 1 "and the member gets nothing more"
like "$(decrypted_for $ALICE)" "Revision 2 of XSA-100 .* not sent to the members" \
    "the poster gets an encrypted notice saying it was not re-sent"
like "$(decrypted_for $ALICE)" "suppress" "and why"
post r1again XSA-100 1 7 "CVE: CVE-2026-0009"
is "$(held_field $L r1again 2)" advisory "a repeated revision is held"
like "$(held_why $L r1again)" "XSA-100: revision 1 .* not above revision 2" "with the reason"

post long XSA-101 1 20
is "$(held_field $L long 2)" advisory "an embargo 20 days ahead is held without an extension"
like "$(held_why $L long)" "XSA-101: .*days ahead .*over the policy.s 14: give Extension" "saying what to do"
like "$(decrypted_for $ALICE)" "Revision 1 of XSA-101 .* was held: nothing was sent.*" \
    "the poster is told, in an encrypted notice"
like "$(decrypted_for $ALICE | tr '\n' ' ')" "Revision 1 of XSA-101 on [^ ]* was held.*days ahead .*over the policy's 14" \
    "with why"
post longext XSA-102 1 20 "Extension: the discoverer asked for three weeks"
is "$(last_action)" deliver "and delivered with an Extension"
post past XSA-103 1 -1
is "$(held_field $L past 2)" advisory "an embargo in the past is held"

# Embargo: none goes to the public address only, signed in clear (Xen rule).
before=$(copies_to $V)
post public XSA-104 1 none
is "$(last_action)" publish "Embargo: none is published at once"
is "$(copies_to $PUB)" 1 "to the public address"
is "$(copies_to $V)" "$before" "and not to the members under the xen profile"
P=$(copy_for $PUB)
like "$(grep -i '^Subject:' "$P")" "public" "the public copy has its real Subject"
like "$(grep -i '^Content-Type:' "$P" | head -n 1)" "multipart/signed" "it is signed in clear (PGP/MIME)"
ok "it is not encrypted" sh -c "! grep -q 'BEGIN PGP MESSAGE' '$P'"
ok "the list's signature over it verifies" verify_signed_copy "$P"
like "$(cat "$P")" "XSA-104 revision 1: the details" "and it carries the advisory"
like "$(cat "$P")" "hp=\"?clear" "its protected headers say hp=clear: signed, not encrypted (RFC 9788)"


# ---- release ----------------------------------------------------------------------
pub_before=$(copies_to $PUB)
v_before=$(copies_to $V)
post soon XSA-200 1 +4
is "$(last_action)" deliver "an advisory embargoed a few seconds ahead is delivered"
is "$(copies_to $PUB)" "$pub_before" "and not published before its date"
sleep 5
listd_once >/dev/null 2>&1
is "$(copies_to $PUB)" $((pub_before + 1)) "at the embargo date it is published"
listd_once >/dev/null 2>&1
is "$(copies_to $PUB)" $((pub_before + 1)) "once"
like "$(lc advisory show $L XSA-200)" "^state: +public" "the advisory is public"
like "$(lc advisory show $L XSA-200)" "release .*the embargo date" "released at its date"
P=$(copy_for $PUB)
like "$(grep -i '^Subject:' "$P")" "soon" "the release has the revision's real Subject"
is "$(copies_to $V)" $((v_before + 2)) "xen copies the release to the members (revision 1, then the release)"

# A release whose date passed while listd was not running happens at start.
post late XSA-201 1 +3
sleep 4
before=$(copies_to $PUB)
listd_once >/dev/null 2>&1
is "$(copies_to $PUB)" $((before + 1)) "a date passed while listd was down: released at start"

# Early release: a flaw exploited in the wild.
post wild XSA-202 1 7
before=$(copies_to $PUB)
lc --actor "Security Team" advisory release $L XSA-202 >/dev/null
is $? 0 "listctl advisory release releases at once"
listd_once >/dev/null 2>&1
is "$(copies_to $PUB)" $((before + 1)) "and it is published"
fails 1 "releasing it again is refused" lc advisory release $L XSA-202
like "$(lc audit $L)" "Security Team advisory release XSA-202 released: early release" \
    "recorded with its actor"
post wild2 XSA-202 2 7
is "$(last_action)" publish "a revision after the release is published"
is "$(copies_to $PUB)" $((before + 2)) "to the public address"

# ---- a member added during an embargo -------------------------------------------------
# XSA-100 (at revision 2) and XSA-102 are embargoed; the rest are public or held.
N2=security@newvendor.example
add_vendor $L $N2 New https://n.example
listd_once >/dev/null 2>&1
is "$(copies_to $N2)" 2 "a member added mid-embargo receives the embargoed advisories"
got=$(decrypted_for $N2)
like "$got" "XSA-100 revision 2: the details" "the current revision of XSA-100"
like "$got" "XSA-102 revision 1: the details" "and of XSA-102"
unlike "$got" "XSA-200|XSA-202" "but not the released ones"
listd_once >/dev/null 2>&1
is "$(copies_to $N2)" 2 "once"

# ---- updates under the other policies -------------------------------------------------
# list_with UPDATES: a list whose profile is xen's with updates = UPDATES.
list_with() {
	sed "s/^\([[:space:]]*updates[[:space:]]*=\).*/\1 $1/" "$top_srcdir/policy/xen.conf" \
	    >"$W/$1.conf"
	lc list create "$1@lists.example.org" --policy "$W/$1.conf" >/dev/null &&
	add_member "$1@lists.example.org" $ALICE team &&
	add_vendor "$1@lists.example.org" $V
}
# post_to LIST NAME ID REV [DAYS] [KEYWORDS...]
post_to() { post_advisory $ALICE "$@"; }
list_with deliver
before=$(copies_to $V)
post_to deliver@lists.example.org d1 XSA-300 1 7
post_to deliver@lists.example.org d2 XSA-300 2 7
is "$(copies_to $V)" $((before + 2)) "under updates = deliver, revision 2 goes out again"
list_with on-request
before=$(copies_to $V)
post_to on-request@lists.example.org o1 XSA-301 1 7
post_to on-request@lists.example.org o2 XSA-301 2 7
is "$(copies_to $V)" $((before + 1)) "under updates = on-request, revision 2 without Resend is not sent"
post_to on-request@lists.example.org o3 XSA-301 3 7 "Resend: yes"
is "$(copies_to $V)" $((before + 2)) "revision 3 with Resend: yes is"

# ---- visibility -----------------------------------------------------------------------
ls=$(lc advisory ls $L)
like "$ls" "^XSA-100	embargoed	revision 2" "advisory ls: XSA-100 embargoed at revision 2"
like "$ls" "^XSA-202	public	revision 2" "XSA-202 public at revision 2"
show=$(lc advisory show $L XSA-100)
like "$show" "revision 1 .* deliver " "advisory show: revision 1 delivered"
like "$show" "revision 2 .* suppress .*suppress" "revision 2 suppressed, with why"
like "$(lc advisory show $L XSA-100 --json)" '"state": "embargoed"' "advisory show --json"
fails 1 "advisory show of an unknown advisory is refused" lc advisory show $L XSA-999
aud=$(lc audit $L --advisory XSA-100)
like "$aud" "copy accepted $V revision 1" "audit --advisory: who received which revision"
unlike "$aud" "XSA-200" "and only that advisory"

done_testing
