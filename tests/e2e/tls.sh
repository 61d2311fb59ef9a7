#!/bin/sh
# Delivery over TLS: listd hands the copies of a post to a throwaway
# Postfix (postfix-instance.sh) that has a certificate made here by a CA
# made here: over STARTTLS on smtp:// and over smtps://, with listd.conf's
# smtp-ca-file that CA, every member gets its copy through TLS, a copy of
# more than 100 KB intact.  Without the CA file (the system's CAs do not
# know this one), with another CA's file, or to a relay whose certificate
# names another host, nothing is delivered: the copies wait for a retry,
# and the reason in listctl queue names the certificate problem.  With
# smtp-starttls to a relay that offers no STARTTLS (tests/smtp-sink),
# nothing is sent in clear.  Network: 127.0.0.1 only.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/postfix-instance.sh"
need_listd
need_postfix
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

L=xen-pre@lists.example.org
T=alice@xenproject.example
V1=security@v1.example
V2=security@v2.example
new_list $L xen $T team || bail_out "list"
add_vendors $L 2 || bail_out "vendors"
echo "retry-first = 1" >>"$CONF"
use_lmtp	# for listd -n

# ---- the certificates and the Postfix instance --------------------------------------
# The relay's, for 127.0.0.1 and localhost; one of the same CA for another
# host; and a CA that signed neither.
make_ca ca && make_cert ca relay localhost "IP:127.0.0.1,DNS:localhost" &&
    make_cert ca elsewhere mx.elsewhere.example "DNS:mx.elsewhere.example" &&
    make_ca other || bail_out "certificates"
pf_init
pf_mailboxes $T $V1 $V2
# STARTTLS offered on $SPORT; TLS from the start (wrapper mode) on
# $SPORT+1, and on $SPORT+2 with the certificate for another host.
pf_more_config() {
	cat >>"$PF/etc/main.cf" <<EOF
smtpd_tls_cert_file = $W/relay.pem
smtpd_tls_key_file = $W/relay.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
EOF
	cat >>"$PF/etc/master.cf" <<EOF
tlsmgr    unix  - - n 1000? 1 tlsmgr
127.0.0.1:$(($1 + 1)) inet n - n - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes
127.0.0.1:$(($1 + 2)) inet n - n - - smtpd -o syslog_name=postfix/elsewhere -o smtpd_tls_wrappermode=yes -o smtpd_tls_cert_file=$W/elsewhere.pem -o smtpd_tls_key_file=$W/elsewhere.key
EOF
}
pf_start || bail_out "Postfix did not start: $(tail -n 3 "$PF/maillog" 2>/dev/null)"
ok "a Postfix instance with TLS answers on 127.0.0.1:$SPORT" true

# relay URL STARTTLS [CA-FILE]: listd.conf's smtp-url, smtp-starttls and
# smtp-ca-file (none when not given).
relay() {
	sed -i '/^smtp-url/d; /^smtp-starttls/d; /^smtp-ca-file/d' "$CONF"
	printf 'smtp-url = "%s"\nsmtp-starttls = %s\n' "$1" "$2" >>"$CONF"
	[ -n "${3:-}" ] && printf 'smtp-ca-file = "%s"\n' "$3" >>"$CONF"
	return 0
}
# arrived N: waits (bounded) until every member's maildir holds N copies.
arrived() {
	_j=0
	while [ $_j -lt 100 ]; do
		[ "$(in_maildir $T)" -ge "$1" ] && [ "$(in_maildir $V1)" -ge "$1" ] &&
		    [ "$(in_maildir $V2)" -ge "$1" ] && return 0
		sleep 0.1
		_j=$((_j + 1))
	done
	return 1
}
# newest ADDRESS: the file of the last copy in ADDRESS's maildir.
newest() { ls -td "$(maildir "$1")"/* 2>/dev/null | head -n 1; }
# came_through FILE SERVICE: the copy's Received: header says TLS, and
# Postfix's log says its queue ID came in through SERVICE (smtpd, or
# smtps/smtpd for the wrapper-mode port).
came_through() {
	_rcv=$(awk '/^Received:/ { r = 1 } r && /^[^ \t]/ && !/^Received:/ { exit }
	    r { printf "%s ", $0 }' "$1")
	_qid=$(printf '%s' "$_rcv" | sed -n 's/.* with ESMTPS id \([0-9A-Za-z]*\).*/\1/p')
	printf '%s' "$_rcv" | grep -q "(using TLSv1\.[23] with cipher" &&
	    [ -n "$_qid" ] &&
	    grep -q "postfix/$2\[[0-9]*\]: $_qid: client=localhost\[127\.0\.0\.1\]" \
	    "$PF/maillog"
}
# post_xsa ID: the team posts revision 1 of advisory ID (subject ID) and
# listd does what is due (post_advisory).
post_xsa() { post_advisory $T $L "$1" "$1" 1; }
# waiting ID: the copies of advisory ID that wait for a retry, a line each:
# attempts, a tab, the last reply.
waiting() {
	lc queue $L --json | jq -r --arg a "$1" '.[] |
	    select(.advisory == $a and .state == "retry") |
	    "\(.attempts)\t\(.["last-reply"])"'
}
# none_waits: no copy of the list waits for a retry.
none_waits() { ! lc queue $L | grep -q '	retry	'; }

# A patch of about 120 KB, random so that compression does not shrink it:
# its copies take many TLS records.
{
	printf -- '--- a/x.c\n+++ b/x.c\n@@ -1 +1,1900 @@\n-bug\n'
	head -c 90000 /dev/urandom | base64 -w 63 | sed 's/^/+/'
} >"$W/big.patch"
PATCH_FILE="$W/big.patch"

# ---- (a) STARTTLS on smtp://, the CA file ---------------------------------------------
relay "smtp://127.0.0.1:$SPORT" true "$W/ca.pem"
ok "listd -n accepts smtp-starttls with smtp-ca-file" "$LISTD" -n -c "$CONF"
post_xsa XSA-1
cp "$W/part" "$W/signed-part"
ok "over STARTTLS every member gets its copy" arrived 1
ok "nothing waits" none_waits
like "$(cat "$PF/maillog")" "postfix/smtpd\[[0-9]+\]: (Anonymous|Trusted|Untrusted) TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.[23]" \
    "Postfix's log says listd's connection used TLS"
bad=0
for a in $T $V1 $V2; do came_through "$(newest $a)" smtpd || bad=$((bad + 1)); done
is $bad 0 "each copy came in through STARTTLS on port $SPORT (Received: says TLS; its queue ID in the log)"
C=$(newest $V1)
ok "the copy is more than 100 KB" test "$(wc -c <"$C")" -gt 100000
decrypt "$C" >"$W/v1.txt"
like "$(cat "$W/v1.txt")" "Xen Security Advisory XSA-1 revision 1" "it decrypts with $V1's key"
signed_part "$W/v1.txt" >"$W/got-part"
ok "the team's signed part, with the 120 KB patch, arrived byte for byte" \
    cmp -s "$W/got-part" "$W/signed-part"

# ---- (b) smtps://, the CA file ------------------------------------------------------------
relay "smtps://127.0.0.1:$((SPORT + 1))" false "$W/ca.pem"
post_xsa XSA-2
cp "$W/part" "$W/signed-part"
ok "over smtps:// every member gets its copy" arrived 2
ok "nothing waits" none_waits
like "$(cat "$PF/maillog")" "postfix/smtps/smtpd\[[0-9]+\]: (Anonymous|Trusted|Untrusted) TLS connection established from localhost\[127\.0\.0\.1\]" \
    "Postfix's log says the wrapper-mode port had a TLS connection"
bad=0
for a in $T $V1 $V2; do came_through "$(newest $a)" smtps/smtpd || bad=$((bad + 1)); done
is $bad 0 "each copy came in through smtps:// on port $((SPORT + 1))"
decrypt "$(newest $V2)" >"$W/v2.txt"
signed_part "$W/v2.txt" >"$W/got-part"
ok "$V2's copy decrypts and the signed part arrived byte for byte" \
    cmp -s "$W/got-part" "$W/signed-part"

# ---- (c) the system's CAs, then another CA: the copies wait -----------------------------
relay "smtp://127.0.0.1:$SPORT" true
post_xsa XSA-3
sleep 1
is "$(in_maildir $V1)" 2 "without smtp-ca-file nothing is delivered"
is "$(waiting XSA-3 | wc -l | tr -d ' ')" 3 "the three copies wait for a retry"
like "$(lc queue $L)" "	retry	1	[^	]*	SSL certificate problem: unable to get local issuer certificate" \
    "listctl queue gives the certificate problem as the reason"
relay "smtp://127.0.0.1:$SPORT" true "$W/other.pem"
sleep 1.2	# retry-first
listd_once >/dev/null 2>&1
is "$(in_maildir $V1)" 2 "with another CA's file nothing is delivered either"
like "$(waiting XSA-3 | head -n 1)" "^2	.*certificate problem" \
    "the copies wait, after their second attempt, for the same reason"
relay "smtp://127.0.0.1:$SPORT" true "$W/ca.pem"
# The second retry is due 2 s after the second attempt, in whole seconds:
# a run a second until the copies are out (bounded), not one run after a
# guess at the clock, which a loaded machine can make late.
_k=0
until [ "$(in_maildir $V1)" -ge 3 ] || [ $_k -ge 10 ]; do
	sleep 1
	listd_once >/dev/null 2>&1
	_k=$((_k + 1))
done
arrived 3
_st=$?
[ $_st -eq 0 ] || lc queue $L | sed 's/^/# /'
_result $_st "with the CA file the waiting copies go out at their retry"
ok "and nothing waits any more" none_waits

# ---- (e) a certificate of the CA for another host -----------------------------------------
relay "smtps://127.0.0.1:$((SPORT + 2))" false "$W/ca.pem"
post_xsa XSA-4
sleep 1
is "$(in_maildir $V1)" 3 "a certificate for another host name: nothing is delivered"
like "$(waiting XSA-4 | head -n 1)" "no alternative certificate subject name matches target host name '127\.0\.0\.1'" \
    "the copies wait, the reason names the host name"
unlike "$(cat "$PF/maillog")" "postfix/elsewhere/smtpd\[[0-9]+\]: [0-9A-Za-z]+: client=" \
    "that relay got no message"

# ---- (d) STARTTLS required, a relay without it --------------------------------------------
start_sink || bail_out "smtp-sink"
relay "smtp://127.0.0.1:$SMTP_PORT" true "$W/ca.pem"
post_xsa XSA-5
like "$(waiting XSA-5 | head -n 1)" "STARTTLS" \
    "smtp-starttls to a relay that offers no STARTTLS: the copies wait, the reason says so"
is "$(waiting XSA-5 | wc -l | tr -d ' ')" 3 "all three"
ok "listd did connect (its EHLO is in the sink's record)" test -s "$SINK_DIR/helo"
is "$(ls "$SINK_DIR" | grep -c '\.eml$')" 0 "and nothing was sent in clear: the sink took no message"
is "$(cat "$SINK_DIR/log" 2>/dev/null | wc -l | tr -d ' ')" 0 "and no recipient"
stop_sink

# ---- listd -n on a CA file it cannot use ----------------------------------------------------
relay "smtp://127.0.0.1:$SPORT" true "$W/nonexistent.pem"
fails 1 "listd -n refuses a CA file that is not there" "$LISTD" -n -c "$CONF"
relay "smtp://127.0.0.1:$SPORT" false "$W/ca.pem"
"$LISTD" -n -c "$CONF" >/dev/null 2>"$W/err"
like "$(cat "$W/err")" "smtp-ca-file is set but smtp://127\.0\.0\.1:$SPORT goes without TLS: set smtp-starttls = true or use smtps://" \
    "and a CA file for a relay without TLS, with the fix"

pf_stop
done_testing
