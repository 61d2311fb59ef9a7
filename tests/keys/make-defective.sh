#!/bin/sh
# tests/keys/make-defective.sh [DIR]: makes the OpenPGP keys with defects
# that tests/e2e/keys.sh hands to listctl member add, each public key
# armored in DIR (default: beside this script):
#
#   expired.asc    "Expired <expired@example.org>": ed25519 with a cv25519
#                  encryption subkey, made on 2020-01-01 (gpg's clock
#                  faked) to expire a day later, so expired for good
#   revoked.asc    "Revoked <revoked@example.org>": ed25519 with a cv25519
#                  encryption subkey, revoked by its own revocation
#                  certificate
#   sign-only.asc  "Sign Only <sign-only@example.org>": an ed25519 primary
#                  key that certifies and signs, with no encryption subkey
#   rsa1024.asc    "RSA 1024 <rsa1024@example.org>": RSA 1024 for signing
#                  with an RSA 1024 encryption subkey, nothing else wrong
#
# The output is checked in; run this only to make the keys anew (each run
# makes new ones).  Apart from expired.asc none of them expires, so each
# keeps exactly its one defect.  The secret keys live in a temporary
# GNUPGHOME and are thrown away.  Each file is checked before it is kept.
set -eu

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
GNUPGHOME=$(mktemp -d "${TMPDIR:-/tmp}/make-defective.XXXXXX")
export GNUPGHOME
trap 'gpgconf --kill all 2>/dev/null; rm -rf "$GNUPGHOME"' EXIT
trap 'exit 1' INT TERM

g() { gpg --batch --quiet --pinentry-mode loopback --passphrase '' "$@"; }

# fpr ADDRESS: the fingerprint of the key made for ADDRESS.
fpr() {
	gpg --batch --quiet --with-colons --list-keys "<$1>" 2>/dev/null |
	    awk -F: '/^fpr/ { print $10; exit }'
}

# keep NAME ADDRESS CHECK: exports the key for ADDRESS to DIR/NAME.asc when
# CHECK (an awk condition on its "pub" line as --show-keys gives it: $2
# validity, $3 length, $12 usable capabilities) holds.
keep() {
	gpg --batch --armor --export "$(fpr "$2")" >"$GNUPGHOME/$1.asc"
	if ! gpg --batch --quiet --with-colons --show-keys "$GNUPGHOME/$1.asc" |
	    awk -F: "/^pub/ { n++; if (!($3)) bad = 1 } END { exit bad || n != 1 }"
	then
		echo "make-defective: $1.asc is not what it should be:" >&2
		gpg --batch --show-keys "$GNUPGHOME/$1.asc" >&2
		exit 1
	fi
	mv "$GNUPGHOME/$1.asc" "$dir/$1.asc"
	echo "wrote $dir/$1.asc ($2, $(fpr "$2"))"
}

g --faked-system-time 20200101T000000! \
    --quick-gen-key "Expired <expired@example.org>" future-default default 1d
keep expired expired@example.org '$2 == "e"'

g --quick-gen-key "Revoked <revoked@example.org>" future-default default never
f=$(fpr revoked@example.org)
sed 's/^:-----/-----/' "$GNUPGHOME/openpgp-revocs.d/$f.rev" | g --import
keep revoked revoked@example.org '$2 == "r"'

g --quick-gen-key "Sign Only <sign-only@example.org>" ed25519 sign never
keep sign-only sign-only@example.org '$12 !~ /[Ee]/ && $12 ~ /S/'

g --quick-gen-key "RSA 1024 <rsa1024@example.org>" rsa1024 sign never
g --quick-add-key "$(fpr rsa1024@example.org)" rsa1024 encr never
keep rsa1024 rsa1024@example.org '$3 == 1024 && $12 ~ /E/ && $2 != "e" && $2 != "r"'
