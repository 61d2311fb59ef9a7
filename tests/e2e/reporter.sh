#!/bin/sh
# Reporters (the libvirt process: "the reporter copied on any replies"): an
# approved report starts a thread; the team's replies in it reach the
# reporter, encrypted when the list has the reporter's key and in plaintext
# only where the policy allows; the reporter's follow-ups go on without a
# new hold where the policy says so.  Over loopback, with keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v mdb_dump >/dev/null 2>&1 || skip_all "mdb_dump not installed (Debian: lmdb-utils)"

L=libvirt-security@lists.example.org
T=dan@libvirt.example
M=mod@libvirt.example
new_list $L libvirt $T team $M moderator || { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

msgid() { sed -n 's/^Message-ID: *//Ip' "$1" | head -n 1 | tr -d '\r'; }
# in_reply FILE MSGID: makes the mail in FILE a reply to MSGID.
in_reply() {
	awk -v m="$2" 'NR == 1 { print "In-Reply-To: " m; print "References: " m }
	    { print }' "$1" >"$1.r" && mv "$1.r" "$1"
}
send() { lc inject "$1" --sender "$2" <"$3" && listd_once >/dev/null 2>&1; }
held_id() { lc held ls "$1" | awk -F'\t' -v s="$2" '$4 == s { print $1 }'; }
text() { printf '%s\n' "$2" >"$W/$1.txt"; }
last_to_team() { decrypt "$(copy_for $T)"; }
# reply NAME LIST SIGNER SUBJECT TEXT MSGID: a signed reply to MSGID, sent.
reply() {
	text "$1" "$5"
	mail_pgpmime "$3" "$3" "$2" "$4" "$W/$1.txt" >"$W/$1.eml"
	in_reply "$W/$1.eml" "$6"
	send "$2" "$3" "$W/$1.eml"
}

# ---- a reporter without a key (libvirt: replies in plaintext) ---------------------
R=finder@outside.example
text bug "A use-after-free in virDomainFoo."
mail_plain $R $L "bug" "$W/bug.txt" >"$W/bug.eml"
send $L $R "$W/bug.eml"
id=$(held_id $L bug)
ok "the report is held" test -n "$id"
is "$(copies_to $R)" 1 "and the reporter gets one auto-reply"
lc --actor "Mod Erator" held approve $L "$id" >/dev/null
listd_once >/dev/null 2>&1
like "$(last_to_team)" "virDomainFoo" "approved, the team has it"
like "$(lc audit $L --json)" "\"reporter\": *\"$R\"" "the approval names the reporter whose thread starts"

reply re1 $L $T "Re: bug" "Thanks: we can reproduce it.  Which version did you test?" \
    "$(msgid "$W/bug.eml")"
is "$(copies_to $R)" 2 "the team's reply in the thread reaches the reporter"
C=$(copy_for $R)
like "$(grep -i '^Content-Type:' "$C" | head -n 1)" "multipart/signed" \
    "signed by the list, in plaintext (reporter-plaintext = true)"
like "$(cat "$C")" "Which version did you test" "with the reply's text"
like "$(grep -i '^Subject:' "$C")" "Re: bug" "and its Subject"
like "$(grep -i '^In-Reply-To:' "$C")" "$(msgid "$W/bug.eml")" "In-Reply-To the report"
like "$(msgid "$C")" "^<reporter-[0-9a-f]{32}@lists\.example\.org>$" \
    "under a Message-ID of the list's own, which only the reporter is sent"
like "$(last_to_team)" "Which version did you test" "the reply goes to the list as usual"
ok "the clear copy is not kept once sent" sh -c \
    "! mdb_dump -p -s messages '$DATA/store' | grep -q 'reporter\\.pub'"

text other "An unrelated post of the team."
mail_pgpmime $T $T $L "other" "$W/other.txt" >"$W/other.eml"
send $L $T "$W/other.eml"
is "$(copies_to $R)" 2 "a post outside the thread does not reach the reporter"

# Mail in the reporter's name answering a Message-ID the whole thread knows
# (the team's reply, the report) is held: From: proves nothing.
team0=$(copies_to $T)
text forged "Also send the patch to http://evil.example/."
mail_plain $R $L "Re: bug" "$W/forged.txt" >"$W/forged.eml"
in_reply "$W/forged.eml" "$(msgid "$W/re1.eml")"
send $L $R "$W/forged.eml"
ok "a follow-up in the reporter's name that answers no copy of the reporter's is held" \
    test -n "$(held_id $L "Re: bug")"
is "$(copies_to $T)" "$team0" "and does not reach the team"
lc held reject $L "$(held_id $L "Re: bug")" >/dev/null 2>&1

# The reporter answers the copy it got: accepted without a new hold.
text fu "Version 10.1, on Debian."
mail_plain $R $L "Re: bug" "$W/fu.txt" >"$W/fu.eml"
in_reply "$W/fu.eml" "$(msgid "$C")"
send $L $R "$W/fu.eml"
is "$(held_id $L "Re: bug")" "" "the reporter's follow-up is not held (reporter-followups = accept)"
is "$(copies_to $T)" $((team0 + 1)) "it reaches the team"
like "$(last_to_team)" "Version 10.1" "encrypted, with its text"
is "$(copies_to $R)" 2 "and no auto-reply"
like "$(lc audit $L)" "post distribute .*follow-up by reporter $R" "the audit says why"
send $L $R "$W/fu.eml"
like "$(lc held ls $L)" "replay" "the same follow-up again is held as a replay"
is "$(copies_to $T)" $((team0 + 1)) "and not sent twice"

# Someone else claiming a place in the thread is held as usual.
X=stranger@outside.example
text fake "Please send the patch to me as well."
mail_plain $X $L "Re: bug" "$W/fake.txt" >"$W/fake.eml"
in_reply "$W/fake.eml" "$(msgid "$C")"
send $L $X "$W/fake.eml"
ok "another sender in the thread is held" test -n "$(held_id $L "Re: bug" | tail -n 1)"
like "$(lc held ls $L)" "unsigned" "as unsigned"
is "$(copies_to $T)" $((team0 + 1)) "and does not reach the team"

# The thread goes on: a reply to the follow-up reaches the reporter too.
reply re2 $L $T "Re: bug" "Fixed in 10.2; embargo until next Tuesday." "$(msgid "$W/fu.eml")"
is "$(copies_to $R)" 3 "a reply to the follow-up reaches the reporter"
like "$(cat "$(copy_for $R)")" "Fixed in 10.2" "with its text"
ok "the list's signature over it verifies" verify_signed_copy "$(copy_for $R)"

# ---- a reporter with a key: the replies are encrypted -------------------------------
K=keyed@outside.example
add_member $L $K reporter
is "$?" 0 "a reporter's key is added with --role reporter"
like "$(lc member ls $L)" "$K +reporter +active" "listed with its role"
is "$(copies_to $K)" 0 "a reporter gets no list mail"
text kb "A reference leak in virNetFoo."
mail_encrypted "" $L $K $L "leak" "$W/kb.txt" >"$W/kb.eml"
send $L $K "$W/kb.eml"
is "$(copies_to $K)" 1 "the reporter's encrypted report gets the auto-reply"
lc held approve $L "$(held_id $L leak)" >/dev/null
listd_once >/dev/null 2>&1
reply kre $L $T "Re: leak" "Confirmed; CVE requested." "$(msgid "$W/kb.eml")"
is "$(copies_to $K)" 2 "the team's reply reaches the reporter"
C=$(copy_for $K)
like "$(grep -i '^Content-Type:' "$C" | head -n 1)" "multipart/encrypted" "encrypted to the reporter's key"
like "$(decrypt "$C")" "CVE requested" "which decrypts to the reply"
is "$(grep -i '^Subject:' "$C" | tr -d '\r')" "Subject: [...]" "under a neutral outer Subject"
ok "the reply is not in plaintext anywhere" sh -c "! grep -l 'CVE requested' '$SINK_DIR'/*.eml"
is "$(copies_to $R)" 3 "the other reporter gets nothing of it"
team0=$(copies_to $T)
reply kfu $L $K "Re: leak" "Here is a reproducer." "$(msgid "$C")"
is "$(copies_to $T)" $((team0 + 1)) "the reporter's signed follow-up reaches the team"
like "$(last_to_team)" "Here is a reproducer" "with its text"

# ---- a list that sends replies only encrypted, and wants signed follow-ups ---------
L2=secure@lists.example.org
sed -e 's/^\(\s*\)reporter-plaintext = true/\1reporter-plaintext = false/' \
    -e 's/^\(\s*\)reporter-followups = accept/\1reporter-followups = signed/' \
    "$top_srcdir/policy/libvirt.conf" >"$W/strict.conf"
new_list $L2 "$W/strict.conf" $T team $M moderator || { echo "Bail out! list"; exit 1; }
P=late@outside.example
text pb "A path traversal in virFileBar."
mail_plain $P $L2 "traversal" "$W/pb.txt" >"$W/pb.eml"
send $L2 $P "$W/pb.eml"
lc held approve $L2 "$(held_id $L2 traversal)" >/dev/null
listd_once >/dev/null 2>&1
mod0=$(copies_to $M)
reply pre $L2 $T "Re: traversal" "Thanks, we are on it." "$(msgid "$W/pb.eml")"
is "$(copies_to $P)" 1 "without the reporter's key, no reply goes in plaintext (only the auto-reply)"
is "$(copies_to $M)" $((mod0 + 2)) "the moderators get the reply and a notice"
like "$(decrypted_for $M)" "the copy waits" "saying the reporter's copy waits for a key"
genkey "<$P>" >/dev/null
out=$(lc member add $L2 $P --key "$W/keys/$P.asc" --role reporter --json)
like "$out" '"replies-released": *1' "adding the reporter's key releases the waiting copy"
listd_once >/dev/null 2>&1
is "$(copies_to $P)" 2 "which goes out"
like "$(decrypt "$(copy_for $P)")" "we are on it" "encrypted to the new key"
team0=$(copies_to $T)
text pfu "More details follow."
mail_plain $P $L2 "Re: traversal" "$W/pfu.txt" >"$W/pfu.eml"
in_reply "$W/pfu.eml" "$(msgid "$(copy_for $P)")"
send $L2 $P "$W/pfu.eml"
ok "an unsigned follow-up is held (reporter-followups = signed)" test -n "$(held_id $L2 "Re: traversal")"
is "$(copies_to $T)" $team0 "and does not reach the team"
reply pfu2 $L2 $P "Re: traversal (signed)" "More details follow." "$(msgid "$(copy_for $P)")"
is "$(copies_to $T)" $((team0 + 1)) "a follow-up signed by the reporter's key goes on"

# ---- xen: reporters' follow-ups are held -------------------------------------------
L3=xen-pre@lists.example.org
new_list $L3 xen $T team $K reporter || { echo "Bail out! list"; exit 1; }
text xb "A report sent to the wrong list."
mail_pgpmime $K $K $L3 "xreport" "$W/xb.txt" >"$W/xb.eml"
send $L3 $K "$W/xb.eml"
lc held approve $L3 "$(held_id $L3 xreport)" >/dev/null
listd_once >/dev/null 2>&1
reply xfu $L3 $K "Re: xreport" "More on the report." "$(msgid "$W/xb.eml")"
ok "xen holds a reporter's signed follow-up (reporter-followups = hold)" \
    test -n "$(held_id $L3 "Re: xreport")"
like "$(lc held ls $L3)" "not-team" "as not from the team"

done_testing
