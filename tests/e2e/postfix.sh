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
[ -f "$LISTD" ] && [ -x "$LISTD" ] || skip_all "listd not built"
PFBIN=$(postconf -d -h daemon_directory 2>/dev/null)
command -v postfix >/dev/null 2>&1 && [ -x "$PFBIN/master" ] ||
    skip_all "Postfix not installed (apt-get install postfix)"
[ "$(id -u)" -eq 0 ] || skip_all "a Postfix instance needs root to start"
id postfix >/dev/null 2>&1 || skip_all "no user postfix (Postfix's package makes it)"
id nobody >/dev/null 2>&1 || skip_all "no user nobody to own the maildirs"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

L=xen-pre@lists.example
T=alice@xenproject.example
N=2
PF="$W/postfix"
Q="$PF/queue"
chmod 711 "$W"	# Postfix's daemons reach their folders as postfix and nobody
mkdir -p "$PF/etc" "$Q/pdlist" "$PF/data" "$PF/mail"
chown postfix "$PF/data"
chown nobody: "$PF/mail"
# The recipe's socket folder: listd's, group postfix, setgid so that the
# socket is the group's too.
chgrp postfix "$Q/pdlist"
chmod 2750 "$Q/pdlist"

pf_stop() {
	[ -f "$Q/pid/master.pid" ] || return 0
	postfix -c "$PF/etc" stop >/dev/null 2>&1
	_p=$(tr -d ' ' <"$Q/pid/master.pid" 2>/dev/null)
	[ -n "$_p" ] && gone "$_p" 10
}
trap 'pf_stop; _cleanup' EXIT

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
{
	echo "$T xenproject.example/alice/"
	echo "outsider@outsider.example outsider.example/outsider/"
	i=1
	while [ $i -le $N ]; do
		echo "security@v$i.example v$i.example/security/"
		i=$((i + 1))
	done
} >"$PF/etc/mailboxes"
maildir() { echo "$PF/mail/${1#*@}/${1%@*}/new"; }
in_maildir() { ls "$(maildir "$1")" 2>/dev/null | wc -l | tr -d ' '; }

pf_config() {	# pf_config SMTP-PORT
	cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $Q
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = mx.test.example
myorigin = test.example
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
lmtp_host_lookup = native
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# pdlist-mta(7): the lists' domain, every list address, and where it goes.
recipient_delimiter = +
relay_domains = lists.example
relay_recipient_maps = hash:$PF/etc/pdlist-recipients
transport_maps = hash:$PF/etc/pdlist-transport
# The members, here on loopback: a maildir each.
virtual_mailbox_domains = xenproject.example outsider.example $(i=1; while [ $i -le $N ]; do printf 'v%d.example ' $i; i=$((i + 1)); done)
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = texthash:$PF/etc/mailboxes
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
EOF
	cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# Starts the instance on a free port (a few tries); sets SPORT.
pf_start() {
	_t=0
	while [ $_t -lt 5 ]; do
		SPORT=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000))
		pf_config $SPORT
		postmap -c "$PF/etc" hash:"$PF/etc/pdlist-recipients" \
		    hash:"$PF/etc/pdlist-transport" || return 1
		if postfix -c "$PF/etc" start >/dev/null 2>&1; then
			_i=0
			while [ $_i -lt 50 ]; do
				curl -s --max-time 2 -o /dev/null \
				    "smtp://127.0.0.1:$SPORT" -X NOOP && return 0
				grep -q "fatal: bind" "$PF/maillog" 2>/dev/null && break
				sleep 0.2
				_i=$((_i + 1))
			done
			pf_stop
		fi
		_t=$((_t + 1))
	done
	return 1
}
pf_start || { echo "Bail out! Postfix did not start: $(tail -n 3 "$PF/maillog" 2>/dev/null)"; exit 1; }
bg_add "$(tr -d ' ' <"$Q/pid/master.pid")"
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
