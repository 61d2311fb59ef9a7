#!/bin/sh
# pdlist behind a real Postfix, as pdlist-mta(7) sets it up: a throwaway
# Postfix instance of the test's own (its own config_directory and queue,
# SMTP on a loopback port only, nothing of the system's Postfix touched)
# hands the list's mail to listd over LMTP on a socket inside its queue
# directory (where a chrooted lmtp client finds it), listd hands the
# encrypted copies back to that Postfix over SMTP, and Postfix delivers
# them to each member's maildir.  listctl mta-map makes the recipient and
# transport maps, so mail to an unknown list address is refused at SMTP
# time instead of bounced later.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/postfix-instance.sh"
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
need_postfix

L=xen-pre@lists.example
T=alice@xenproject.example
N=2
pf_init
mkdir -p "$Q/pdlist"
# The recipe's socket folder: listd's, group postfix, setgid so that the
# socket is the group's too.
chgrp postfix "$Q/pdlist"
chmod 2750 "$Q/pdlist"

# ---- the list, its members, listd ---------------------------------------------

new_list $L xen $T team || { echo "Bail out! list create"; exit 1; }
add_vendors $L $N || { echo "Bail out! vendors"; exit 1; }
cat >>"$CONF" <<EOF
lmtp-listen = "unix:$Q/pdlist/lmtp.sock"
retry-first = 1
EOF

# ---- the Postfix instance ------------------------------------------------------

lc mta-map >"$PF/etc/pdlist-recipients"
lc mta-map --transport lmtp:unix:pdlist/lmtp.sock >"$PF/etc/pdlist-transport"
pf_mailboxes $T outsider@outsider.example $(i=1; while [ $i -le $N ]; do
	printf 'security@v%d.example ' $i; i=$((i + 1)); done)
# pdlist-mta(7): the lists' domain, every list address, and where it goes.
pf_more_config() {
	cat >>"$PF/etc/main.cf" <<EOF
recipient_delimiter = +
relay_domains = lists.example
relay_recipient_maps = hash:$PF/etc/pdlist-recipients
transport_maps = hash:$PF/etc/pdlist-transport
EOF
	postmap -c "$PF/etc" hash:"$PF/etc/pdlist-recipients" \
	    hash:"$PF/etc/pdlist-transport"
}
pf_start || { echo "Bail out! Postfix did not start: $(tail -n 3 "$PF/maillog" 2>/dev/null)"; exit 1; }
ok "a Postfix instance of the test's own answers on 127.0.0.1:$SPORT" true
echo "smtp-url = \"smtp://127.0.0.1:$SPORT\"" >>"$CONF"
ok "listd -n accepts the configuration" "$LISTD" -n -c "$CONF"
start_listd || { echo "Bail out! listd: $(cat "$LOG")"; exit 1; }
is "$(stat -c %G "$Q/pdlist/lmtp.sock")" postfix "the socket is the group postfix's (setgid folder)"

# ---- a signed advisory through sendmail, to every member's maildir --------------

advisory "$W/adv1" XSA-1 1
mail_pgpmime $T $T $L "XSA-1: a flaw" "$W/adv1" >"$W/adv1.eml"
sendmail -C "$PF/etc" -f $T $L <"$W/adv1.eml"
is $? 0 "the team posts a signed advisory with Postfix's sendmail"
all_in() {
	i=1
	while [ $i -le $N ]; do
		[ "$(in_maildir security@v$i.example)" -ge 1 ] || return 1
		i=$((i + 1))
	done
}
j=0
while ! all_in && [ $j -lt 600 ]; do sleep 0.1; j=$((j + 1)); done
like "$(cat "$PF/maillog")" "to=<$L>, relay=[^ ]*\[pdlist/lmtp.sock\].*status=sent \(250 2.0.0 " \
    "Postfix handed it to listd over LMTP"
i=1
while [ $i -le $N ]; do
	a=security@v$i.example
	is "$(in_maildir $a)" 1 "$a's maildir holds one copy"
	f=$(ls -d "$(maildir $a)"/* 2>/dev/null | head -n 1)
	like "$(decrypt "$f")" "Xen Security Advisory XSA-1 revision 1" \
	    "which decrypts with $a's key"
	i=$((i + 1))
done
like "$(cat "$PF/maillog")" "from=<xen-pre-bounces(\+[^@]*)?@lists.example>" \
    "the copies came back into Postfix from the list's bounce address"

# ---- a non-member over SMTP: accepted, then held ----------------------------------

mail_plain outsider@outsider.example $L "hello" "$W/adv1" >"$W/outsider.eml"
curl -sS --max-time 30 "smtp://127.0.0.1:$SPORT" --mail-from outsider@outsider.example \
    --mail-rcpt $L -T "$W/outsider.eml" 2>"$W/curl.err"
is $? 0 "Postfix takes a non-member's mail for the list over SMTP"
j=0
while [ -z "$(held_field $L hello 2)" ] && [ $j -lt 300 ]; do sleep 0.1; j=$((j + 1)); done
like "$(held_field $L hello 2)" "unsigned|non-member" "listd holds it"

# ---- an unknown list address: refused at RCPT, no bounce -----------------------------

curl -sS --max-time 30 "smtp://127.0.0.1:$SPORT" --mail-from outsider@outsider.example \
    --mail-rcpt nosuch@lists.example -T "$W/outsider.eml" 2>"$W/curl.err"
is $? 55 "mail to nosuch@lists.example is refused in the SMTP dialogue"
like "$(cat "$W/curl.err")" "RCPT failed: 550" "with 550"
like "$(cat "$PF/maillog")" "reject: RCPT .*<nosuch@lists.example>: Recipient address rejected: User unknown in relay recipient table" \
    "by relay_recipient_maps, made by listctl mta-map"
sleep 1
unlike "$(cat "$PF/maillog")" "postfix/bounce" "no bounce is made"
is "$(grep -rl "nosuch@lists.example" "$PF/mail" | wc -l | tr -d ' ')" 0 \
    "and none reaches the sender (no backscatter)"
stop_listd
is "$STATUS" 0 "listd stops"
pf_stop
ok "and so does the Postfix instance" test ! -f "$Q/pid/master.pid" -o -z "$(pgrep -f "master -c $PF/etc")"

done_testing
