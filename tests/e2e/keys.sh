#!/bin/sh
# Keys with defects through member add as they are: those that
# tests/keys/make-defective.sh made once (checked in), keys made here, and,
# where the corpus is found, real keys from other software with defects
# that those do not cover.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
K="$top_srcdir/tests/keys"

L=team@lists.example.org
lc list create $L --policy libvirt >/dev/null || { echo "Bail out! list create"; exit 1; }
keys0=$(keyring_count $L)

team() {	# team ADDRESS FILE: add a team member with the key in FILE; stderr to $W/err
	lc member add $L "$1" --key "$2" --role team >"$W/out" 2>"$W/err"
}

add_member $L good@example.org team 2>"$W/err"
is $? 0 "a good key (ed25519, cv25519 encryption subkey) is accepted"
team expired@example.org "$K/expired.asc"
is $? 1 "an expired key is refused"
like "$(cat "$W/err")" "expired" "because it expired"
team revoked@example.org "$K/revoked.asc"
is $? 1 "a revoked key is refused"
like "$(cat "$W/err")" "revoked" "because it is revoked"
team sign-only@example.org "$K/sign-only.asc"
is $? 1 "a sign-only key is refused"
like "$(cat "$W/err")" "encrypt" "because it cannot encrypt"
team rsa1024@example.org "$K/rsa1024.asc"
is $? 1 "an RSA 1024 key is refused"
like "$(cat "$W/err")" "1024.*2048|2048.*1024" "because it is shorter than 2048 bits"
team someone@example.org "$W/keys/good@example.org.asc"
is $? 1 "a good key under another address is refused"
like "$(cat "$W/err")" "user ID" "because no user ID carries that address"
genkey "<secret@example.org>" >/dev/null
_gpg --armor --export-secret-keys secret@example.org >"$W/keys/secret.asc"
team secret@example.org "$W/keys/secret.asc"
is $? 1 "a secret key file is refused as a member key"
is "$(keyring_count $L)" $((keys0 + 1)) "only the good key entered the keyring"

# ---- the corpus: real keys with defects made elsewhere ----------------------
if find_corpus; then
	C="$CORPUS/keys"
	team schleuder2@example.org "$C/example_key.txt"
	is $? 0 "corpus: example_key (RSA 4096, valid) is accepted"
	team bla@foo.example "$C/expired_key.txt"
	is $? 1 "corpus: expired_key (valid primary, encryption subkey expired) is refused"
	like "$(cat "$W/err")" "expired" "because it expired"
	team bla@foo.example "$C/partially_expired_key.txt"
	is $? 1 "corpus: partially_expired_key (encryption subkey expired) is refused"
	like "$(cat "$W/err")" "encrypt" "because it has no usable encryption subkey"
	team schleuder@example.org "$C/list-schleuder-at-example-org.sec.asc"
	is $? 1 "corpus: a secret key file from another tool is refused"
	team broken@example.org "$C/broken_utf8_uid_key.txt"
	is $? 1 "corpus: broken_utf8_uid_key is refused without a crash"
	like "$(cat "$W/err")" "^listctl: member add: " "with a listctl error line"
	is "$(keyring_count $L)" $((keys0 + 2)) "corpus: only example_key entered the keyring"
else
	skip "corpus not found: real keys made elsewhere"
fi

done_testing
