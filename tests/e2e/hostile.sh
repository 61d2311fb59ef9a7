#!/bin/sh
# Hostile input (issue 11), with real gpg, a real store and a loopback sink:
# a message gpg chokes on is held and the mail after it flows; only the
# bytes a good signature covers reach members (nothing appended, no
# preamble, no unsigned wrapper's Subject); a signature used again is a
# replay whatever its framing or line ends; a compression bomb is held
# within a stated memory bound; a gpg-agent that hangs or cannot be reached
# costs bounded time and holds nothing for a wrong reason.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v faketime >/dev/null 2>&1 || skip_all "faketime not installed"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time not installed"
command -v perl >/dev/null 2>&1 || skip_all "perl not installed"

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team mod@xenproject.example moderator \
    security@v1.example team || { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
printf 'gpg-timeout = 3\nretry-first = 60\n' >>"$CONF"
M=security@v1.example
# held_reason SUBJECT-FREE: the reason of the newest held message.
# held_as SUBJECT: the reason of the held message with SUBJECT (a held
# message's subject is shown opened; one never read shows none: "").
held_as() { lc held ls $L | awk -F'\t' -v s="$1" '$4 == s { print $2 }' | tail -n 1; }
# a team post, to show the list still flows
team_post() {
	printf 'Team post %s: the list still works.\n' "$1" >"$W/team"
	mail_pgpmime alice@xenproject.example alice@xenproject.example $L \
	    "team post $1" "$W/team" | lc inject $L >/dev/null
}
armor() {	# armor TYPE < BINARY
	printf -- '-----BEGIN PGP %s-----\n\n' "$1"
	base64 -w 64
	printf -- '-----END PGP %s-----\n' "$1"
}

# ---- 1. one message gpg chokes on does not stop the list --------------------
# A "signature" that is a compressed packet with an unknown algorithm.
printf 'the body\n' >"$W/body"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "poison" \
    "$W/body" >"$W/good.eml"
{ printf '\310\021\143'; head -c 16 /dev/zero; } | armor SIGNATURE >"$W/poison.sig"
awk -v sig="$W/poison.sig" '
	/-----BEGIN PGP SIGNATURE-----/ { while ((getline l < sig) > 0) print l; skip = 1; next }
	/-----END PGP SIGNATURE-----/ { skip = 0; next }
	!skip' "$W/good.eml" >"$W/poison.eml"
lc inject $L <"$W/poison.eml" >/dev/null
# A bare SEIPD packet (tag 18, version 1, random bytes) as encrypted mail.
{ printf '\322\040\001'; head -c 31 /dev/urandom; } | armor MESSAGE >"$W/seipd.asc"
{
	_mail_head alice@xenproject.example $L "bare seipd"
	printf 'Content-Type: text/plain\n\n'
	cat "$W/seipd.asc"
} | lc inject $L >/dev/null
team_post 1
before=$(copies_to $M)
ok "listd --once succeeds with the poison in the inbox" listd_once
like "$(lc held ls $L)" "bad-signature" "the poison signature is held as bad-signature"
like "$(lc held ls $L)" "cannot-decrypt" "the bare SEIPD packet is held as cannot-decrypt"
is "$(copies_to $M)" $((before + 1)) "the team post after them went out"

# ---- 2. only signed bytes travel --------------------------------------------
# Inline: a team member's clearsigned text, with words appended after the
# signature, encrypted (unsigned) to the list by someone else.
printf 'SIGNED-WORDS of the team.\n' >"$W/body"
gpg --batch --local-user alice@xenproject.example --clearsign <"$W/body" \
    >"$W/cs.asc" 2>/dev/null
printf '\nAPPENDED-WORDS: also apply http://evil.example/patch\n' >>"$W/cs.asc"
gpg --batch --yes --armor --trust-model always --recipient $L --encrypt \
    -o "$W/cs.enc" "$W/cs.asc" 2>/dev/null
{
	_mail_head security@v1.example $L "inline"
	printf 'Content-Type: text/plain\n\n'
	cat "$W/cs.enc"
} | lc inject $L >/dev/null
# PGP/MIME: a preamble and an epilogue around a team member's parts.
printf 'MIME-SIGNED-WORDS\n' >"$W/body"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "framed" \
    "$W/body" | awk '
	/^--sig-/ && !p { print "PREAMBLE-WORDS: members must not read this\n"; p = 1 }
	{ print }
	END { print "EPILOGUE-WORDS: nor this" }' >"$W/framed.eml"
lc inject $L <"$W/framed.eml" >/dev/null
# An unsigned encryption wrapper whose Subject would speak for the team.
printf 'WRAPPED-WORDS\n' >"$W/body"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "x" \
    "$W/body" | sed -n '/^Content-Type: multipart\/signed/,$p' >"$W/signed-entity"
{ printf 'Subject: FORGED-SUBJECT\n'; cat "$W/signed-entity"; } >"$W/wrapper"
mail_encrypt_entity "" $L security@v1.example $L "as received" "$W/wrapper" |
    lc inject $L >/dev/null
before=$(copies_to $M)
ok "listd --once processes them" listd_once
is "$(copies_to $M)" $((before + 2)) "the two wholly signed posts went out"
like "$(lc held ls $L | tail -n 3)" "unsigned-parts" \
    "words appended after a signature hold the post as unsigned-parts"
got=$(decrypted_for $M)
unlike "$got" "APPENDED-WORDS" "they do not reach members"
like "$got" "MIME-SIGNED-WORDS" "the multipart/signed content reaches members"
unlike "$got" "PREAMBLE-WORDS|EPILOGUE-WORDS" "its preamble and epilogue do not"
like "$got" "WRAPPED-WORDS" "the wrapped signed entity reaches members"
unlike "$got" "FORGED-SUBJECT" "the unsigned wrapper's Subject does not"
like "$got" "Subject: as received" "the Subject members see is the one received"

# ---- 3. a signature used again is a replay, whatever carries it ---------------
printf 'REPLAYED-WORDS\n' >"$W/body"
mail_clearsigned alice@xenproject.example alice@xenproject.example $L "first" \
    "$W/body" >"$W/first.eml"
lc inject $L <"$W/first.eml" >/dev/null
listd_once
before=$(copies_to $M)
# The same clearsigned text, CRLF line ends, base64, a new Message-ID.
{
	_mail_head alice@xenproject.example $L "again, CRLF"
	printf 'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n'
	sed -n '/^-----BEGIN PGP SIGNED/,$p' "$W/first.eml" | sed 's/$/\r/' | base64
} | lc inject $L >/dev/null
listd_once
is "$(copies_to $M)" "$before" "the CRLF re-send of a signature is not sent"
is "$(held_as "again, CRLF")" replay "it is held as a replay"
# A PGP/MIME detached signature re-framed as a cleartext message.
printf 'REFRAMED-WORDS\n' >"$W/body"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "detached" \
    "$W/body" | lc inject $L >/dev/null
listd_once
before=$(copies_to $M)
{
	_mail_head alice@xenproject.example $L "re-framed"
	printf 'Content-Type: text/plain\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n'
	sed 's/^-/- -/' "$W/part"
	printf '\n'
	cat "$W/part.sig"
} | lc inject $L >/dev/null
listd_once
is "$(copies_to $M)" "$before" "a detached signature re-framed as cleartext is not sent"
like "$(held_as re-framed)" "^(replay|bad-signature)$" "it is held ($(held_as re-framed))"

# A signature older than max-signature-age (xen: 4 days) is held as stale,
# and its poster told.
printf 'STALE-WORDS\n' >"$W/body"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L "stale" \
    "$W/body" | lc inject $L >/dev/null
before=$(copies_to $M)
a0=$(copies_to alice@xenproject.example)
faketime -f +5d "$LISTD" -c "$CONF" --once
is "$(copies_to $M)" "$before" "a post signed five days before it is processed is not sent"
like "$(lc held ls $L | awk -F'\t' '$4 == "stale"')" "stale-signature" \
    "it is held as stale-signature"
is "$(copies_to alice@xenproject.example)" $((a0 + 1)) "and its poster is told"

# ---- 4. a compression bomb ---------------------------------------------------
# 64 MiB of zeros, compressed by gpg to a few KB, encrypted and signed by a
# team member: over unpack-factor (4) x max-message-size (10 MiB).
head -c 67108864 /dev/zero | gpg --batch --yes --armor --trust-model always \
    --compress-algo zlib -z 9 --local-user alice@xenproject.example \
    --recipient $L --sign --encrypt -o "$W/bomb.asc" 2>/dev/null
{
	_mail_head alice@xenproject.example $L "bomb"
	printf 'Content-Type: text/plain\n\n'
	cat "$W/bomb.asc"
} >"$W/bomb.eml"
ok "the bomb is small ($(wc -c <"$W/bomb.eml") bytes)" test "$(wc -c <"$W/bomb.eml")" -lt 200000
lc inject $L <"$W/bomb.eml" >/dev/null
/usr/bin/time -f '%M' -o "$W/rss" "$LISTD" -c "$CONF" --once
is "$?" 0 "listd --once succeeds with the bomb"
is "$(held_as bomb)" limits "the bomb is held as limits"
# The bound: the 40 MiB cap, once more while the buffer grows, and listd.
rss=$(cat "$W/rss")
if ldd "$LISTD" 2>/dev/null | grep -q libasan; then
	skip "the memory bound: an AddressSanitizer build ($rss KiB)"
else
	ok "listd's peak memory stays under 140 MiB ($rss KiB)" test "$rss" -lt 143360
fi

# ---- 5. a gpg-agent that never answers ---------------------------------------
H=$(list_home $L)
team_post 2
sock=$(gpgconf --homedir "$H" --list-dirs agent-socket)
gpgconf --homedir "$H" --kill gpg-agent
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 5) or die;
	my @c; while (my $c = $s->accept) { push @c, $c }' "$sock" &
HANG=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
before=$(copies_to $M)
start=$(date +%s)
listd_once
rc=$?
took=$(($(date +%s) - start))
kill $HANG 2>/dev/null
is "$rc" 0 "listd --once returns with a hung agent"
ok "within bounded time ($took s, gpg-timeout 3 s)" test "$took" -lt 40
is "$(copies_to $M)" "$before" "the post waits meanwhile"
unlike "$(lc held ls $L | tail -n 1)" "team post 2" "and is not held"
faketime -f +2h "$LISTD" -c "$CONF" --once
is "$(copies_to $M)" $((before + 1)) "once the agent is restarted, it goes out"

# ---- 6. a gpg-agent that cannot be reached -----------------------------------
team_post 3
gpgconf --homedir "$H" --kill gpg-agent
cp "$H/gpg.conf" "$W/gpg.conf.saved" 2>/dev/null || : >"$W/gpg.conf.saved"
echo 'agent-program /bin/false' >>"$H/gpg.conf"	# no agent can start
printf 'process-attempts = 2\n' >>"$CONF"
held_before=$(lc held ls $L | wc -l)
before=$(copies_to $M)
listd_once 2>"$W/err"
like "$(cat "$W/err")" "gpg-agent|secret key" "listd --once says gpg fails"
is "$(lc held ls $L | wc -l)" "$held_before" "nothing is held for it (not cannot-decrypt)"
faketime -f +2h "$LISTD" -c "$CONF" --once
like "$(lc held ls $L | awk -F'\t' '$2 == "cannot-process"' | wc -l)" "^1$" \
    "after process-attempts it is held as cannot-process"
cp "$W/gpg.conf.saved" "$H/gpg.conf"
is "$(copies_to $M)" "$before" "and nothing was sent for it"
team_post 4
ok "with the agent back, the list works" listd_once
is "$(copies_to $M)" $((before + 1)) "the next post goes out"
# ---- 7. a copy sent twice after a crash is the same message ------------------
# The relay has taken the copy (it is in its log) but listd is killed before
# the 250 arrives, so the ledger does not know: the next run sends it again,
# under the same Message-ID.
stop_sink
start_sink --slow-ms 400 || { echo "Bail out! smtp-sink"; exit 1; }
team_post 5
"$LISTD" -c "$CONF" --once 2>/dev/null &
LPID=$!
i=0
while ! awk -v a=$M '$4 == a' "$SINK_DIR/log" 2>/dev/null | grep -q . &&
    [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 $LPID 2>/dev/null
wait $LPID 2>/dev/null
first=$(awk -v a=$M '$4 == a { print $1 }' "$SINK_DIR/log")
ok "the relay took the copy before listd died" test -n "$first"
stop_sink
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
listd_once
second=$(awk -v a=$M '$4 == a { s = $1 } END { print s }' "$SINK_DIR/log")
ok "the copy is sent again after the crash" test -n "$second"
mid() { sed -n 's/^Message-ID: *//Ip' "$1" | head -n 1 | tr -d '\r'; }
m1=$(mid "$W/sink.$((SINK_N - 1))/$first.eml")
m2=$(mid "$SINK_DIR/$second.eml")
ok "with a Message-ID ($m1)" test -n "$m1"
is "$m2" "$m1" "the same Message-ID both times: one message to the member's client"
# ---- 8. no embargoed text at rest ---------------------------------------------
# Canaries in the protected Subject of an encrypted team post, and in a
# team reply that goes to a reporter in clear (libvirt: reporter-plaintext),
# are nowhere in the store's file, freed pages included, after everything
# was sent and the copies' records deleted.
V=libvirt-security@lists.example.org
new_list $V libvirt dan@libvirt.example team mod@libvirt.example moderator ||
    { echo "Bail out! list"; exit 1; }
printf 'An encrypted advisory body.\n' >"$W/body"
mail_encrypted dan@libvirt.example $V dan@libvirt.example $V \
    "CANARY-SUBJECT-7f3a" "$W/body" | lc inject $V >/dev/null
printf 'A use-after-free.\n' >"$W/report"
mail_plain finder@outside.example $V "bug" "$W/report" >"$W/report.eml"
lc inject $V --sender finder@outside.example <"$W/report.eml" >/dev/null
listd_once
rid=$(lc held ls $V | awk -F'\t' '$4 == "bug" { print $1 }')
lc held approve $V "$rid" >/dev/null
listd_once
printf 'CANARY-REPLY-91c2: fixed in 10.2.\n' >"$W/reply"
mail_pgpmime dan@libvirt.example dan@libvirt.example $V "Re: bug" "$W/reply" |
    awk -v m="$(sed -n 's/^Message-ID: *//Ip' "$W/report.eml" | head -n 1)" \
    'NR == 1 { print "In-Reply-To: " m } { print }' | lc inject $V >/dev/null
listd_once
like "$(cat "$W"/sink.*/*.eml)" "CANARY-REPLY-91c2" "the reporter got the reply in clear"
ok "the encrypted post's Subject went to its member" sh -c \
    "grep -q . '$W/sink.$SINK_N/log'"
store_file=$(find "$DATA" -name data.mdb | head -n 1)
ok "the store's file is there ($store_file)" test -s "$store_file"
unlike "$(grep -a -o 'CANARY-SUBJECT-7f3a' "$store_file")" . \
    "the protected Subject is not in the store's file"
unlike "$(grep -a -o 'CANARY-REPLY-91c2' "$store_file")" . \
    "the reporter's clear copy is not in the store's file, not even in freed pages"
done_testing
