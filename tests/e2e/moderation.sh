#!/bin/sh
# Moderation: a moderator approves or rejects held mail (the libvirt
# process: non-members' reports are held, then approved), over loopback
# with keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=libvirt-security@lists.example.org
T=dan@libvirt.example
M=mod@libvirt.example
new_list $L libvirt $T team $M moderator || { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
R=reporter@outside.example

report() {	# report NAME TEXT: a reporter's plain mail, held
	printf '%s\n' "$2" >"$W/$1.txt"
	mail_plain $R $L "$1" "$W/$1.txt" >"$W/$1.eml"
	lc inject $L --sender $R <"$W/$1.eml"
	listd_once >/dev/null 2>&1
}
held_id() { lc held ls $L | awk -F'\t' -v s="$1" '$4 == s { print $1 }'; }

report bug "A use-after-free in virDomainFoo, found by fuzzing."
id=$(held_id bug)
ok "a non-member's report is held" test -n "$id"
is "$(copies_to $T)" 0 "and nobody has it yet"
is "$(copies_to $M)" 1 "the moderator is told"
like "$(decrypted_for $M)" "Message $id to $L is held: unsigned" \
    "in an encrypted notice with the id and the reason"
like "$(decrypted_for $M)" "subject: bug" "and the subject"
ok "the notice is not in plaintext anywhere" sh -c "! grep -l 'virDomainFoo\|is held: ' '$SINK_DIR'/*.eml"
is "$(copies_to $R)" 1 "the reporter gets an auto-reply (libvirt: auto-reply on)"
A=$(copy_for $R)
like "$(grep -i '^Auto-Submitted:' "$A")" "auto-replied" "with Auto-Submitted: auto-replied (RFC 3834)"
like "$(grep -i '^In-Reply-To:' "$A")" "@test.example>" "and In-Reply-To the report"
like "$(grep -i '^References:' "$A")" "@test.example>" "and References it (RFC 3834 3.1.4)"
like "$(cat "$A")" "held for moderation" "saying it is held for moderation"
unlike "$(cat "$A")" "virDomainFoo" "without the report's content"
out=$(lc --actor "Mod Erator" held approve $L "$id")
is $? 0 "held approve"
like "$out" "approved $id" "says so"
listd_once >/dev/null 2>&1
is "$(copies_to $T)" 1 "the approved report goes to the team"
is "$(copies_to $M)" 2 "and the moderator (after its notice)"
like "$(decrypted_for $T)" "use-after-free in virDomainFoo" "encrypted, with the report inside"
ok "nothing went out in plaintext" sh -c "! grep -l 'virDomainFoo' '$SINK_DIR'/*.eml"
like "$(lc audit $L)" "Mod Erator held approve $id done" "recorded with the moderator"
is "$(lc held ls $L)" "" "it is no longer held"
fails 1 "approving it again is refused" lc held approve $L "$id"
lc held approve $L 20990101T000000Z-00000000 2>"$W/err"
is $? 1 "approving an unknown id is refused"
like "$(cat "$W/err")" "no held message 20990101T000000Z-00000000" "with a clear error"

# An encrypted report (to the list's key) is approved the same way.
printf 'Secret: the hypervisor leaks keys.\n' >"$W/enc.txt"
mail_encrypted "" $L $R $L "encrypted report" "$W/enc.txt" >"$W/enc.eml"
lc inject $L --sender $R <"$W/enc.eml"
listd_once >/dev/null 2>&1
id=$(held_id "encrypted report")
ok "an encrypted, unsigned report is held" test -n "$id"
is "$(copies_to $R)" 1 "a second report the same day gets no second auto-reply"
lc held approve $L "$id" >/dev/null
listd_once >/dev/null 2>&1
like "$(decrypted_for $T)" "the hypervisor leaks keys" "approved, the team reads it"

# No auto-reply to bounces, automatic, list or bulk mail, members or the list.
noreply() {	# noreply SENDER WHAT [HEADER LINE]
	_before=$(copies_to "$1")
	printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@x.example>\n%s\n\nbody\n' \
	    "$1" $L "$2" "$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')" "${3:-X-Test: 1}" |
	    lc inject $L --sender "$1"
	listd_once >/dev/null 2>&1
	is "$(copies_to "$1")" "$_before" "no auto-reply to $2"
}
noreply MAILER-DAEMON@outside.example "a bounce (MAILER-DAEMON)"
noreply bot@outside.example "automatic mail" "Auto-Submitted: auto-generated"
noreply lists@other.example "list mail" "List-Id: <other.lists.example>"
noreply bulk@outside.example "bulk mail" "Precedence: bulk"
noreply $L "the list itself"
noreply $T "a member"
printf 'From: <>\nSubject: null\n\nbody\n' | lc inject $L --sender ""
listd_once >/dev/null 2>&1
unlike "$(cat "$W"/sink.*/log)" " <> $" "no auto-reply to a null sender"

# Rejection, with the reason told to the sender.
report spam "Buy cheap watches."
id=$(held_id spam)
out=$(lc held reject $L "$id" --reason "Not a security report: please use the bug tracker.")
is $? 0 "held reject with a reason"
listd_once >/dev/null 2>&1
is "$(copies_to $R)" 2 "the sender is told"
like "$(cat "$(copy_for $R)")" "please use the bug tracker" "with the moderator's reason"
like "$(grep -i '^Content-Type:' "$(copy_for $R)" | head -n 1)" "multipart/signed" \
    "signed by the list"
is "$(copies_to $T)" 2 "the team does not get the rejected mail"
like "$(lc audit $L)" "held reject $id done" "the rejection is recorded"
fails 1 "rejecting it again is refused" lc held reject $L "$id"
report quiet "Another one."
id=$(held_id quiet)
lc held reject $L "$id" >/dev/null
listd_once >/dev/null 2>&1
is "$(copies_to $R)" 2 "without a reason, the sender is not told"
ok "rejected mail is gone from the store" sh -c \
    "! mdb_dump -p -s messages '$DATA/store' 2>/dev/null | grep -q '$id'"

# ---- expiry ----------------------------------------------------------------------------
report old "An old report nobody looked at."
id=$(held_id old)
# Make it 61 days old (libvirt keeps held mail 60 days).
old=$(date -u -d '61 days ago' '+%Y-%m-%dT%H:%M:%SZ')
# (In hex: mdb_dump -p leaves the backslashes of JSON escapes unescaped.)
mdb_dump -s held "$DATA/store" | ID=$id OLD=$old perl -pe '
    if (/^ /) { my $v = pack("H*", substr($_, 1, -1));
	if ($v =~ /"id":"$ENV{ID}"/) {
	    $v =~ s/"decided-at":"[^"]*"/"decided-at":"$ENV{OLD}"/;
	    $_ = " " . unpack("H*", $v) . "\n" } }' |
    mdb_load -s held "$DATA/store" 2>/dev/null
report fresh "A new report."
ok "a new held message stays" test -n "$(held_id fresh)"
is "$(held_id old)" "" "held mail past the policy's days is removed"
like "$(decrypted_for $M)" "Message $id to $L, held since $old .* was not approved or rejected within 60 days" \
    "the moderators are told, encrypted"
like "$(lc audit $L)" "listd held expire $id removed" "and it is recorded"
ok "its bytes are gone from the store" sh -c \
    "! mdb_dump -p -s messages '$DATA/store' 2>/dev/null | grep -q '$id'"
# The reports went to the team, were held, rejected, expired: none of them
# can be read in a copy of the store.
ok "no report's text or subject is in the store's file" sh -c \
    "! grep -a -q -e virDomainFoo -e 'leaks keys' -e 'cheap watches' -e 'nobody looked' -e 'encrypted report' '$DATA/store/data.mdb'"

done_testing
