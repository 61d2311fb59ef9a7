#!/bin/sh
# Faults of the store and counts of gpg's work, with a real store and real
# gpg: a store that cannot take a write while a post is processed leaves the
# post in the inbox (never a hold such as non-member) and it goes out once,
# to each member once, when the store takes writes again; and a post is
# decrypted and verified once on its way from the inbox to the copies.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v faketime >/dev/null 2>&1 || skip_all "faketime not installed"

L=xen-pre@lists.example.org
new_list $L xen alice@xenproject.example team admin@xenproject.example admin \
    security@v1.example team security@v2.example team ||
    { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

# An encrypted and signed post: one decryption and one verification make
# its decision; fan-out encrypts what was decided from memory.
printf 'A post to the list, encrypted and signed.\n' >"$W/body"
mail_encrypted alice@xenproject.example $L alice@xenproject.example $L \
    "encrypted post" "$W/body" >"$W/enc.eml"
lc inject $L <"$W/enc.eml" >/dev/null
GPGME_DEBUG="9:$W/gpgme.log" "$LISTD" -c "$CONF" --once
is $? 0 "listd --once processes and delivers the encrypted post"
# gpgme logs each operation it starts; the seal is one decryption, the
# post's own encryption the other.
n=$(grep -c 'gpgme_op_decrypt_verify: enter' "$W/gpgme.log")
is "$n" 2 "two decryptions from inbox to copies: the seal and the post (not four)"
is "$(copies_to security@v1.example)" 1 "a member got its copy"

# ---- the store is full while a post is processed -----------------------------
# A map of 1 MiB, filled by mail to the list until intake says 75.
sed -i '/^store-map-size/d' "$CONF"
echo 'store-map-size = 1' >>"$CONF"
printf 'Advisory-free text from the team.\n' >"$W/body2"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L \
    "a post while the store is full" "$W/body2" >"$W/post.eml"
lc inject $L <"$W/post.eml" >/dev/null
is $? 0 "the post is taken in"
head -c 60000 /dev/urandom | base64 >"$W/filler"
i=0
while [ $i -lt 40 ]; do
	mail_plain nobody@example.net $L "filler $i" "$W/filler" >"$W/f.eml"
	lc inject $L <"$W/f.eml" >/dev/null 2>&1 || break
	i=$((i + 1))
done
fails 75 "intake says 75 once the store is full" lc inject $L <"$W/f.eml"
reasons() { lc held ls $L | awk -F'\t' '{ print $2 }' | sort | uniq -c | tr -s ' '; }
fails 1 "listd --once fails while the store takes no writes" listd_once
held=$(lc held ls $L | wc -l)
[ "$held" -lt "$i" ]
_result $? "some of the $i fillers wait in the inbox ($held held)"
unlike "$(reasons)" "non-member|malformed|cannot-decrypt" \
    "what the store refused was held for no wrong reason: $(reasons)"
# What the store could record goes on (one message's failure stops no
# other); the post may go out meanwhile, but once.
ok "the post was sent at most once meanwhile" test "$(copies_to security@v2.example)" -le 2
# More room: everything goes on as it would have, the fillers put off by
# the full store once their next attempt is due.
sed -i 's/^store-map-size = 1/store-map-size = 64/' "$CONF"
ok "listd --once succeeds once the store has room" listd_once
ok "and once more when the put-off fillers are due" \
    faketime -f +2h "$LISTD" -c "$CONF" --once
is "$(reasons)" " $i unsigned" "every filler is held, as unsigned"
is "$(copies_to security@v2.example)" 2 "the post went out to a member once"
is "$(copies_to security@v1.example)" 2 "and to another once"
ok "a second run sends nothing again" listd_once
is "$(copies_to security@v2.example)" 2 "still one copy of the post each"

# ---- the store is full while copies are due ------------------------------------
# A post decided while the relay is away waits for its retry; then the store
# fills up.  A copy goes out only when its attempt can be recorded (else each
# pass would send it again); with room, each member has it once.
stop_sink
printf 'Another post from the team.\n' >"$W/body3"
printf 'x\n' >"$W/plain"
mail_pgpmime alice@xenproject.example alice@xenproject.example $L \
    "a post whose copies wait" "$W/body3" | lc inject $L >/dev/null
listd_once 2>/dev/null
like "$(lc queue $L)" "	retry	" "its copies wait for a retry (no relay)"
i=0
for size in 7000000 1000000 100000 10000 1000; do	# until even a small one fails
	head -c $size /dev/urandom | base64 -w 76 >"$W/big"
	while [ $i -lt 200 ] && mail_plain nobody@example.net $L "big $i" "$W/big" |
	    lc inject $L >/dev/null 2>&1; do
		i=$((i + 1))
	done
done
ok "intake refused mail once the store was full again ($i messages in)" \
    test "$i" -lt 200
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
v1=$(copies_to security@v1.example)
faketime -f +3h "$LISTD" -c "$CONF" --once 2>"$W/err"
like "$(cat "$W/err")" "no space|full|store-map-size" "listd says the store is full"
sed -i 's/^store-map-size = 64/store-map-size = 512/' "$CONF"
ok "with room, listd --once succeeds" faketime -f +3h "$LISTD" -c "$CONF" --once
# A copy goes out only when a write was just taken; if the store then
# refuses to record it, the copy goes again: under the same Message-ID.
ids=$(for d in "$W"/sink.*/; do
	awk '$4 == "security@v1.example" { print $1 }' "$d/log" | while read -r n; do
		grep -i -m1 '^Message-ID:' "$d/$n.eml" | tr -d '\r'
	done
done | sort -u | wc -l | tr -d ' ')
is "$ids" $((v1 + 1)) "the waiting copy reached the member as one message (one Message-ID)"
unlike "$(reasons)" "non-member|malformed|cannot-decrypt" "nothing was held for a wrong reason"
done_testing
