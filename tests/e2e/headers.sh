#!/bin/sh
# Well-formed list mail: every message listd sends has From: the list, a
# Date, a Message-ID on the list's domain, List-Id, List-Help, List-Owner
# (the list's own -request@ and -owner@); copies of posts carry
# Precedence: list and go To: the list; notices go To: their recipient
# with Auto-Submitted: auto-generated; an auto-reply and a rejection are
# auto-replied, the rejection naming the rejected message (Subject,
# In-Reply-To); signed-only mail does not claim hp="cipher"; EHLO gives
# listd.conf's smtp-helo.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

D=lists.example.org
L=libvirt-security@$D
T=dan@libvirt.example
M=mod@libvirt.example
A=admin@libvirt.example
R=reporter@outside.example
new_list $L libvirt $T team $M moderator $A admin || { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
echo 'smtp-helo = "mx.lists.example.org"' >>"$CONF"

# header FILE NAME: the value of a header of FILE's outer message.
header() {
	tr -d '\r' <"$1" | awk -v n="$2" 'BEGIN { n = tolower(n) ": " }
	    /^$/ { exit } tolower(substr($0, 1, length(n))) == n {
	    print substr($0, length(n) + 1) }'
}

printf 'The team speaks.\n' >"$W/post.txt"
post_file $T $L post
until_done $L >/dev/null
printf 'A report.\n' >"$W/rep.txt"
mail_plain $R $L "a bug in virFoo" "$W/rep.txt" >"$W/rep.eml"
lc inject $L --sender $R <"$W/rep.eml"
listd_once >/dev/null 2>&1
id=$(held_field $L "a bug in virFoo" 1)
lc held reject $L "$id" --reason "Not for this list." >/dev/null
until_done $L >/dev/null

ok "EHLO gives smtp-helo" grep -q " mx.lists.example.org\$" "$SINK_DIR/helo"
n=0
for f in "$SINK_DIR"/*.eml; do
	n=$((n + 1))
	for h in Date List-Help List-Owner; do
		[ -n "$(header "$f" $h)" ] || echo "$f: no $h"
	done
	[ "$(header "$f" From)" = "$L" ] || echo "$f: From: $(header "$f" From)"
	header "$f" Message-ID | grep -q "@$D>\$" || echo "$f: Message-ID $(header "$f" Message-ID)"
	[ "$(header "$f" List-Id)" = "<libvirt-security.$D>" ] || echo "$f: List-Id"
done >"$W/bad"
is "$(cat "$W/bad")" "" "all $n messages: From, Date, Message-ID on the list's domain, List-Id, List-Help, List-Owner"
C=$(copy_for $T)
is "$(header "$C" List-Help)" "<mailto:libvirt-security-request@$D?subject=help>" "List-Help: the request address"
is "$(header "$C" List-Owner)" "<mailto:libvirt-security-owner@$D>" "List-Owner: the owner address"
is "$(header "$C" Precedence)" list "a member's copy: Precedence: list"
is "$(header "$C" To)" "$L" "To: the list"
is "$(header "$C" Auto-Submitted)" "" "and no Auto-Submitted (a person wrote it)"
N=$(copy_for $M)
is "$(header "$N" To)" "$M" "a notice goes To: its recipient"
is "$(header "$N" Auto-Submitted)" auto-generated "with Auto-Submitted: auto-generated"
is "$(header "$N" Precedence)" list "and Precedence: list"
for f in "$SINK_DIR"/*.eml; do
	[ "$(awk -v f="$(basename "$f" .eml)" '$1 == f { print $4 }' "$SINK_DIR/log")" = $R ] &&
	    [ "$(header "$f" Auto-Submitted)" = auto-replied ] && echo "$f"
done >"$W/toR"
is "$(wc -l <"$W/toR" | tr -d ' ')" 2 "the reporter gets an auto-reply and a rejection, both auto-replied"
J=$(for f in $(cat "$W/toR"); do header "$f" Subject | grep -q '^Rejected' && echo "$f"; done)
is "$(header "$J" Subject)" "Rejected: a bug in virFoo" "the rejection names the rejected message's Subject"
like "$(header "$J" In-Reply-To)" "@test.example>" "and answers it (In-Reply-To)"
is "$(header "$J" Precedence)" "" "a reply is not list mail"
like "$(cat "$J")" "Not for this list." "with the moderator's reason"
is "$(cat $(cat "$W/toR") | grep -c 'hp="cipher"')" 0 "signed-only mail does not claim hp=\"cipher\""
ok "the rejected subject is not in the store in clear" sh -c "! mdb_dump -a '$DATA/store' 2>/dev/null | grep -q 'a bug in virFoo'"

done_testing
