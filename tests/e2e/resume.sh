#!/bin/sh
# member resume catches up: a member suspended while an advisory went out
# receives it when resumed, once, and nothing it had before; over loopback
# with keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
ALICE=alice@xenproject.example
V1=security@v1.example
V2=security@v2.example
new_list $L xen $ALICE team || { echo "Bail out! list"; exit 1; }
add_vendor $L $V1 && add_vendor $L $V2 || { echo "Bail out! members"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

# post LIST NAME ID REV [DAYS]: the team posts a revision of an advisory.
post() { post_advisory $ALICE "$@"; }
# got ADDRESS: the advisory lines of every copy ADDRESS was sent, decrypted.
got() {
	for _s in $(cat "$W"/sink.*/log | awk -v a="$1" '$4 == a { print $1 }'); do
		for _d in "$W"/sink.*; do
			[ -f "$_d/$_s.eml" ] && decrypt "$_d/$_s.eml"
		done
	done | grep -o 'Xen Security Advisory [^:]*' | sort
}

post $L a1 XSA-701 1 7
is "$(copies_to $V1)" 1 "before its suspension the member gets XSA-701"
ok "suspend it" lc member suspend $L $V1
post $L a2 XSA-702 1 7
post $L a1r2 XSA-701 2 7
is "$(copies_to $V2)" 2 "meanwhile another member gets XSA-702 (XSA-701 r2 is suppressed)"
is "$(copies_to $V1)" 1 "the suspended member gets nothing"
out=$(lc member resume $L $V1)
is $? 0 "resume it"
like "$out" "the 1 embargoed advisory it missed" "listctl says one advisory goes to it"
like "$(lc audit $L --json | tr -d ' \n')" '"action":"memberresume".*"backfill":1|"backfill":1.*"action":"memberresume"' \
    "the audit entry records it"
listd_once >/dev/null 2>&1
is "$(copies_to $V1)" 2 "the resumed member receives what it missed"
is "$(got $V1)" "Xen Security Advisory XSA-701 revision 1
Xen Security Advisory XSA-702 revision 1" \
    "XSA-702, and not XSA-701 again, which it had"
listd_once >/dev/null 2>&1
is "$(copies_to $V1)" 2 "once"
lc member suspend $L $V1 >/dev/null
out=$(lc member resume $L $V1)
unlike "$out" "missed" "resumed again with nothing missed: nothing goes to it"
listd_once >/dev/null 2>&1
is "$(copies_to $V1)" 2 "and it gets no second copy"
is "$(copies_to $V2)" 2 "the other member got nothing more"

# A released advisory is not caught up: it is public.  (A release needs a
# public address to go to.)
lc list set $L --public xen-announce@lists.example.org >/dev/null
lc member suspend $L $V1 >/dev/null
post $L a3 XSA-703 1 7
lc advisory release $L XSA-703 >/dev/null
listd_once >/dev/null 2>&1
lc member resume $L $V1 >/dev/null
listd_once >/dev/null 2>&1
unlike "$(got $V1)" "XSA-703" \
    "an advisory released while it was suspended is not sent as missed"

# ---- updates = deliver, backfill-new-members = false ---------------------------
D=deliver@lists.example.org
sed -e 's/^\([[:space:]]*updates[[:space:]]*=\).*/\1 deliver/' \
    -e 's/^\([[:space:]]*backfill-new-members[[:space:]]*=\).*/\1 false/' \
    "$top_srcdir/policy/xen.conf" >"$W/deliver.conf"
lc list create $D --policy "$W/deliver.conf" >/dev/null &&
    import_list_key $D && add_member $D $ALICE team && add_vendor $D $V1 &&
    add_vendor $D $V2 || { echo "Bail out! list $D"; exit 1; }
v1=$(copies_to $V1)
post $D d1 XSA-801 1 7
is "$(copies_to $V1)" $((v1 + 1)) "deliver: the member gets revision 1"
lc member suspend $D $V1 >/dev/null
post $D d2 XSA-801 2 7
is "$(copies_to $V1)" $((v1 + 1)) "revision 2 goes out while it is suspended"
lc member resume $D $V1 >/dev/null
listd_once >/dev/null 2>&1
is "$(copies_to $V1)" $((v1 + 2)) "resumed, it gets the revision it missed"
like "$(got $V1 | tail -n 1)" "XSA-801 revision 2" "revision 2"
listd_once >/dev/null 2>&1
is "$(copies_to $V1)" $((v1 + 2)) "once"
# A member who joined after the advisory went out, where the policy does
# not backfill new members, does not get it by a suspension and a resume.
V3=security@v3.example
sleep 1	# the store keeps times to the second: join after revision 2
add_vendor $D $V3
listd_once >/dev/null 2>&1
is "$(copies_to $V3)" 0 "a member added mid-embargo gets nothing here (no backfill)"
lc member suspend $D $V3 >/dev/null
lc member resume $D $V3 >/dev/null
listd_once >/dev/null 2>&1
is "$(copies_to $V3)" 0 "nor after a suspension and a resume"
done_testing
