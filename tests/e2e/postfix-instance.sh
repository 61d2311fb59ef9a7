# tests/e2e/postfix-instance.sh: a throwaway Postfix instance of the
# test's own, for the tests that deliver through a real Postfix (sourced
# after lib.sh): its own config_directory and queue under $W/postfix, SMTP
# on loopback ports only, each address given to pf_mailboxes delivered to
# a maildir of its own; nothing of the system's Postfix is touched.
#
#	need_postfix			skips the script unless it can run
#	pf_init				$PF, $Q; stopped at exit
#	pf_mailboxes ADDRESS...		a maildir each
#	pf_start			on free ports: $SPORT, $SPORT+1...
#	maildir, in_maildir, pf_stop
#
# A test adds to main.cf and master.cf by defining pf_more_config PORT
# before pf_start: it is called after each write of the two files, with
# the port the instance is about to take.

# need_postfix: Postfix, root to start it, the users it runs as, curl.
need_postfix() {
	PFBIN=$(postconf -d -h daemon_directory 2>/dev/null)
	command -v postfix >/dev/null 2>&1 && [ -x "$PFBIN/master" ] ||
	    skip_all "Postfix not installed (apt-get install postfix)"
	[ "$(id -u)" -eq 0 ] || skip_all "a Postfix instance needs root to start"
	id postfix >/dev/null 2>&1 || skip_all "no user postfix (Postfix's package makes it)"
	id nobody >/dev/null 2>&1 || skip_all "no user nobody to own the maildirs"
	command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
}

# pf_init: the instance's folders, $PF (its config in $PF/etc) and $Q (its
# queue); stopped at exit, before the world is removed.
pf_init() {
	PF="$W/postfix"
	Q="$PF/queue"
	chmod 711 "$W"	# Postfix's daemons reach their folders as postfix and nobody
	mkdir -p "$PF/etc" "$Q" "$PF/data" "$PF/mail"
	chown postfix "$PF/data"
	chown nobody: "$PF/mail"
	trap 'pf_stop; _cleanup' EXIT
}

pf_stop() {
	[ -f "$Q/pid/master.pid" ] || return 0
	postfix -c "$PF/etc" stop >/dev/null 2>&1
	_p=$(tr -d ' ' <"$Q/pid/master.pid" 2>/dev/null)
	[ -n "$_p" ] && gone "$_p" 10
}

# pf_mailboxes ADDRESS...: Postfix takes mail for these addresses, each
# into its own maildir, and for no other in their domains.
pf_mailboxes() {
	for _a in "$@"; do
		echo "$_a ${_a#*@}/${_a%@*}/"
	done >"$PF/etc/mailboxes"
}
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
# The members, here on loopback: a maildir each.
virtual_mailbox_domains = $(sed 's/^[^@]*@\([^ ]*\) .*/\1/' "$PF/etc/mailboxes" | sort -u | tr '\n' ' ')
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
	if command -v pf_more_config >/dev/null 2>&1; then
		pf_more_config "$1"
	fi
}

# pf_start: starts the instance on a free port (a few tries), SMTP on
# 127.0.0.1:$SPORT, and waits (bounded) until it answers there; its
# master is killed at exit if pf_stop did not stop it.
pf_start() {
	_t=0
	while [ $_t -lt 5 ]; do
		SPORT=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000))
		pf_config $SPORT || return 1
		rm -f "$PF/maillog"	# a past try's "fatal: bind" is not this one's
		if postfix -c "$PF/etc" start >/dev/null 2>&1; then
			_i=0
			while [ $_i -lt 50 ]; do
				if curl -s --max-time 2 -o /dev/null \
				    "smtp://127.0.0.1:$SPORT" -X NOOP; then
					bg_add "$(tr -d ' ' <"$Q/pid/master.pid")"
					return 0
				fi
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
