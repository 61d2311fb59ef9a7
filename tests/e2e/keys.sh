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
# refused ADDRESS FILE PATTERN WHAT: exit 1, with PATTERN (grep -E) in the reason.
refused() {
	team "$1" "$2"
	is $? 1 "$4 is refused"
	like "$(cat "$W/err")" "$3" "$4: says why"
}

add_member $L good@example.org team 2>"$W/err"
is $? 0 "a good key (ed25519, cv25519 encryption subkey) is accepted"
refused expired@example.org "$K/expired.asc" "expired" "an expired key"
refused revoked@example.org "$K/revoked.asc" "revoked" "a revoked key"
refused sign-only@example.org "$K/sign-only.asc" "encrypt" "a sign-only key"
refused rsa1024@example.org "$K/rsa1024.asc" "1024 bits, below .* 2048" "an RSA 1024 key"
refused someone@example.org "$W/keys/good@example.org.asc" "user ID" \
    "a good key under another address"
genkey "<secret@example.org>" >/dev/null
_gpg --armor --export-secret-keys secret@example.org >"$W/keys/secret.asc"
refused secret@example.org "$W/keys/secret.asc" "secret key" "a secret key file"
is "$(keyring_count $L)" $((keys0 + 1)) "only the good key entered the keyring"

# ---- the corpus: real keys with defects made elsewhere ----------------------
if find_corpus; then
	C="$CORPUS/keys"
	team schleuder2@example.org "$C/example_key.txt"
	is $? 0 "corpus: example_key (RSA 4096, valid) is accepted"
	refused bla@foo.example "$C/expired_key.txt" "expired" \
	    "corpus: expired_key (valid primary, encryption subkey expired)"
	refused bla@foo.example "$C/partially_expired_key.txt" "encrypt" \
	    "corpus: partially_expired_key (no usable encryption subkey)"
	refused schleuder@example.org "$C/list-schleuder-at-example-org.sec.asc" \
	    "secret key" "corpus: a secret key file from another tool"
	refused broken@example.org "$C/broken_utf8_uid_key.txt" \
	    "^listctl: member add: " "corpus: broken_utf8_uid_key (without a crash)"
	is "$(keyring_count $L)" $((keys0 + 2)) "corpus: only example_key entered the keyring"
else
	skip "corpus not found: real keys made elsewhere"
fi

done_testing
