#!/bin/sh
# Running as a service: one owner for the datadir (root becomes it, anyone
# else is refused), what listd -n checks before a start, the lists'
# gpg-agents stopped by SIGTERM, listctl mta-map, and a backup taken while
# listd delivers that restores to a working store with every acknowledged
# post.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v mdb_stat >/dev/null 2>&1 || skip_all "mdb_stat not installed (lmdb-utils)"

L=xen-pre@lists.example.org
T=alice@xenproject.example

# ---- listctl mta-map -----------------------------------------------------------

new_list $L xen $T team || { echo "Bail out! list create"; exit 1; }
lc list create other@lists.example.net --policy libvirt >/dev/null
out=$(lc mta-map)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 8 "mta-map: four addresses for each of two lists"
for a in $L xen-pre-bounces@lists.example.org xen-pre-owner@lists.example.org \
    xen-pre-request@lists.example.org other-request@lists.example.net; do
	like "$out" "^$a OK\$" "mta-map names $a"
done
like "$(lc mta-map --transport lmtp:inet:127.0.0.1:2424)" \
    "^xen-pre-bounces@lists.example.org lmtp:inet:127.0.0.1:2424\$" \
    "mta-map --transport: a transport map"
is "$(lc mta-map --json | grep -c '"address"')" 8 "mta-map --json"

# ---- listd -n: what a start needs ----------------------------------------------

BASE=$(cat "$CONF")
conf_with() {	# conf_with FILE LINE...: the test's configuration plus LINEs
	_f=$1
	shift
	printf '%s\n' "$BASE" "$@" >"$_f"
}
conf_with "$W/ok.conf" "lmtp-listen = \"unix:$W/lmtp.sock\""
ok "listd -n: a configuration that starts" "$LISTD" -n -c "$W/ok.conf"
conf_with "$W/nodir.conf" "lmtp-listen = \"unix:$W/run/pdlist/lmtp.sock\""
out=$("$LISTD" -n -c "$W/nodir.conf" 2>&1)
is $? 1 "listd -n: exit 1 when the socket's folder is missing"
like "$out" "^listd: lmtp-listen unix:$W/run/pdlist/lmtp.sock: the folder $W/run/pdlist does not exist: create it" \
    "in one line, with the fix"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "one line"
conf_with "$W/http.conf" "lmtp-listen = \"unix:$W/lmtp.sock\"" \
    'smtp-url = "http://example.com/"'
out=$("$LISTD" -n -c "$W/http.conf" 2>&1)
is $? 1 "listd -n: exit 1 with smtp-url http://"
like "$out" "^listd: smtp-url: the scheme 'http' is not smtp or smtps" "and says why"
"$LISTD" -f -c "$W/http.conf" 2>"$W/http.err"
is $? 1 "a start with it fails the same way"
like "$(cat "$W/http.err")" "smtp or smtps" "with the same line"
cp "$DATA/lists/$L/policy.conf" "$W/policy.good"
echo 'no-such-setting = 1' >>"$DATA/lists/$L/policy.conf"
out=$("$LISTD" -n -c "$W/ok.conf" 2>&1)
is $? 1 "listd -n: exit 1 when a list's policy does not load"
like "$out" "^listd: list $L: " "naming the list"
cp "$W/policy.good" "$DATA/lists/$L/policy.conf"
ok "and 0 once it is mended" "$LISTD" -n -c "$W/ok.conf"
chmod 775 "$DATA"
out=$("$LISTD" -n -c "$W/ok.conf" 2>&1)
like "$out" "^listd: datadir $DATA has mode 0775: other users could replace what is in it: chmod 700 $DATA\$" \
    "listd -n: a datadir others may write in is refused, with the fix"
chmod 700 "$DATA"
conf_with "$W/fresh.conf" "datadir = \"$W/fresh/var/lib/pdlist\"" \
    "lmtp-listen = \"unix:$W/lmtp.sock\""
ok "listd -n: a datadir not made yet is no error" "$LISTD" -n -c "$W/fresh.conf"
ok "and -n makes nothing" test ! -e "$W/fresh"
"$LISTCTL" -c "$W/fresh.conf" list ls >/dev/null
is "$(stat -c %a "$W/fresh/var") $(stat -c %a "$W/fresh/var/lib/pdlist")" "755 700" \
    "a datadir made at first use is 0700, the folders above it 0755"

# ---- one owner for the datadir -------------------------------------------------

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 ||
    ! command -v runuser >/dev/null 2>&1; then
	skip "the datadir's owner: needs root, runuser and a user nobody"
else
	chmod 711 "$W"	# nobody reaches its datadir and the configuration
	ODATA="$W/owned"
	mkdir -m 700 "$ODATA" "$W/orun"
	chown nobody: "$ODATA" "$W/orun"
	conf_with "$W/owned.conf" "datadir = \"$ODATA\"" \
	    "lmtp-listen = \"unix:$W/orun/lmtp.sock\""
	chmod 644 "$W/owned.conf"
	OL=owned@lists.example.org
	out=$(LOGNAME=alice "$LISTCTL" -c "$W/owned.conf" list create $OL --policy xen 2>&1)
	is $? 0 "root: list create on nobody's datadir"
	out=$(LOGNAME=alice "$LISTCTL" -c "$W/owned.conf" member add $OL $T \
	    --key "$W/keys/$T.asc" --role team 2>&1)
	is $? 0 "root: member add with a key file only root can read"
	is "$(find "$ODATA" ! -user nobody | wc -l | tr -d ' ')" 0 \
	    "no file in the datadir is root's"
	like "$("$LISTCTL" -c "$W/owned.conf" audit $OL --json)" '"unix-user": "alice"' \
	    "the audit log names who ran it (LOGNAME), not the datadir's owner"
	"$LISTCTL" -c "$W/owned.conf" member remove $OL $T >/dev/null
	gpg --homedir "$ODATA/lists/$OL/gnupg" --batch --list-keys $T >/dev/null 2>&1
	is $? 2 "member remove as root takes the key out of the keyring"
	out=$(runuser -u nobody -- "$LISTCTL" -c "$CONF" list ls 2>&1)
	is $? 1 "another user on root's datadir: refused"
	like "$out" "^listctl: list ls: datadir $DATA belongs to root, not to nobody: run as root \(runuser -u root -- listctl \.\.\.\), or hand it over: chown -R nobody: $DATA\$" \
	    "in one line that names the owner and the fix"
	touch "$ODATA/lists/$OL/stray"
	out=$("$LISTD" -n -c "$W/owned.conf" 2>&1)
	is $? 1 "listd -n: a root file in nobody's datadir"
	like "$out" "^listd: $ODATA/lists/$OL/stray is not nobody's, the owner of datadir $ODATA: give it back: chown -R nobody: $ODATA\$" \
	    "is named, with the fix"
	rm -f "$ODATA/lists/$OL/stray"
	ok "listd -n as root on nobody's datadir" "$LISTD" -n -c "$W/owned.conf"
	conf_with "$W/owned-rootsock.conf" "datadir = \"$ODATA\"" \
	    "lmtp-listen = \"unix:$W/lmtp.sock\""
	out=$("$LISTD" -n -c "$W/owned-rootsock.conf" 2>&1)
	like "$out" "^listd: lmtp-listen unix:$W/lmtp.sock: listd may not create its socket in $W \(Permission denied\)" \
	    "and checks the socket's folder as nobody"
	"$LISTD" -c "$W/owned.conf" --once
	is "$(find "$ODATA" ! -user nobody | wc -l | tr -d ' ')" 0 \
	    "listd run as root leaves no root file either"
	out=$("$LISTCTL" -c "$W/owned.conf" backup "$W/obackup" 2>&1)
	is $? 0 "root: backup of nobody's datadir into a folder root makes"
	is "$(find "$W/obackup" ! -user nobody | wc -l | tr -d ' ')" 0 \
	    "the backup is nobody's, folder and all"
	chmod 700 "$W"
fi

# ---- SIGTERM stops the lists' gpg-agents ----------------------------------------

agents() {	# gpg-agents working on a GnuPG home in the datadir
	pgrep -f "gpg-agent.*--homedir $DATA/" | wc -l | tr -d ' '
}
start_sink --slow-ms 150 || { echo "Bail out! smtp-sink"; exit 1; }
echo "lmtp-listen = \"unix:$W/lmtp.sock\"" >>"$CONF"
N=6
add_vendors $L $N || { echo "Bail out! vendors"; exit 1; }
gpgconf --homedir "$(list_home $L)" --kill gpg-agent
start_listd || { echo "Bail out! listd"; exit 1; }
advisory "$W/adv1" XSA-1 1
mail_pgpmime $T $T $L "first" "$W/adv1" >"$W/first.eml"
"$top_builddir/tests/lmtp-client" "unix:$W/lmtp.sock" $L <"$W/first.eml" >/dev/null
waitfor "$SINK_DIR/log" "security@v$N.example" 30
ok "listd's gpg-agent for the list runs" test "$(agents)" -ge 1
stop_listd
is "$STATUS" 0 "SIGTERM: exit 0"
i=0
while [ "$(agents)" -gt 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(agents)" 0 "and no gpg-agent of listd's is left"

# ---- a backup while listd delivers ------------------------------------------------

stop_sink
start_sink --slow-ms 150 || { echo "Bail out! smtp-sink"; exit 1; }
start_listd || { echo "Bail out! listd"; exit 1; }
P=5
acked=0
i=2
while [ $i -le $((P + 1)) ]; do
	advisory "$W/adv$i" XSA-$i 1
	mail_pgpmime $T $T $L "post $i" "$W/adv$i" >"$W/p$i.eml"
	"$top_builddir/tests/lmtp-client" "unix:$W/lmtp.sock" $L <"$W/p$i.eml" \
	    >/dev/null && acked=$((acked + 1))
	i=$((i + 1))
done
is $acked $P "$P posts acknowledged over LMTP"
waitfor "$SINK_DIR/log" . 30
out=$(lc backup "$W/backup" 2>&1)
is $? 0 "listctl backup while listd delivers"
like "$out" "^backed up the store and 2 lists to $W/backup\$" "says what it copied"
sent_then=$(wc -l <"$SINK_DIR/log" | tr -d ' ')
ok "the backup was taken in the middle of the fan-out ($sent_then of $((P * (N + 1))) copies out)" \
    test "$sent_then" -lt $((P * (N + 1)))
is "$(stat -c %a "$W/backup")" 700 "the backup folder is 0700"
is "$(find "$W/backup" -name 'S.gpg-agent*' | wc -l | tr -d ' ')" 0 "and holds no agent sockets"
stop_listd
fails 1 "backup into a folder that is not empty is refused" lc backup "$W/backup"
fails 1 "backup into the datadir is refused" lc backup "$DATA/inside"
# Restore: the backup in the datadir's place.
conf_with "$W/restored.conf" "datadir = \"$W/restored\"" \
    "lmtp-listen = \"unix:$W/lmtp.sock\"" "smtp-url = \"smtp://127.0.0.1:$SMTP_PORT\""
cp -a "$W/backup" "$W/restored"
like "$("$LISTCTL" -c "$W/restored.conf" list ls)" "^$L	xen	" \
    "the restored store passes list ls"
j=0
while [ $j -lt 20 ] && "$LISTCTL" -c "$W/restored.conf" queue $L |
    grep -qE '	(new|ready|retry)	'; do
	"$LISTD" -c "$W/restored.conf" --once >/dev/null 2>&1
	j=$((j + 1))
done
"$LISTD" -c "$W/restored.conf" --once >/dev/null 2>&1
adv=$("$LISTCTL" -c "$W/restored.conf" advisory ls $L)
missing=0
i=1
while [ $i -le $((P + 1)) ]; do
	printf '%s\n' "$adv" | grep -q "^XSA-$i	" || missing=$((missing + 1))
	i=$((i + 1))
done
is $missing 0 "every acknowledged post is in the restored store"
ok "listd -n accepts the restored datadir" "$LISTD" -n -c "$W/restored.conf"
gpgconf --homedir "$W/restored/lists/$L/gnupg" --kill gpg-agent 2>/dev/null

done_testing
