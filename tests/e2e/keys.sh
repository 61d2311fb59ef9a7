#!/bin/sh
# The corpus's keys with real defects, through member add as they are.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
find_corpus || skip_all "corpus not found"
K="$CORPUS/keys"

L=team@lists.example.org
lc list create $L --policy libvirt >/dev/null || { echo "Bail out! list create"; exit 1; }
keys0=$(keyring_count $L)

team() {	# team ADDRESS FILE: add a team member; stderr to $W/err
	lc member add $L "$1" --key "$K/$2" --role team >"$W/out" 2>"$W/err"
}

team schleuder2@example.org example_key.txt
is $? 0 "example_key (RSA 4096, valid) is accepted"
team paz@nadir.org revoked_key.txt
is $? 1 "revoked_key is refused"
like "$(cat "$W/err")" "revoked" "because it is revoked"
team signonly@example.org signonly_key.txt
is $? 1 "signonly_key is refused"
like "$(cat "$W/err")" "encrypt" "because it cannot encrypt"
team bla@foo.example expired_key.txt
is $? 1 "expired_key is refused"
like "$(cat "$W/err")" "expired" "because it expired"
team bla@foo.example partially_expired_key.txt
is $? 1 "partially_expired_key (encryption subkey expired) is refused"
like "$(cat "$W/err")" "encrypt" "because it has no usable encryption subkey"
team someone@example.org expiring_key.txt
is $? 1 "expiring_key under another address is refused"
like "$(cat "$W/err")" "user ID" "because no user ID carries that address"
team schleuder@example.org list-schleuder-at-example-org.sec.asc
is $? 1 "a secret key file is refused as a member key"
is "$(keyring_count $L)" $((keys0 + 1)) "only example_key entered the keyring"
team broken@example.org broken_utf8_uid_key.txt
is $? 1 "broken_utf8_uid_key is refused without a crash"
like "$(cat "$W/err")" "^listctl: member add: " "with a listctl error line"

done_testing
