# tests/e2e/lib.sh: TAP helpers and a private world for each end-to-end test.
#
# Each test sources this file, gets $W (a fresh temporary directory with its
# own GNUPGHOME, datadir and listd.conf) and $LISTCTL, and cleans up its
# gpg-agents and files at exit.  Tests write nowhere else.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
LISTCTL="$top_builddir/listctl"
LISTD="$top_builddir/listd/listd"	# installed as listd

_n=0
_failed=0

_result() {	# _result STATUS DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

ok() {		# ok DESCRIPTION COMMAND...: passes when COMMAND succeeds
	_d=$1
	shift
	"$@" >/dev/null 2>&1
	_result $? "$_d"
}

fails() {	# fails STATUS DESCRIPTION COMMAND...: passes on that exit status
	_want=$1 _d=$2
	shift 2
	"$@" >/dev/null 2>&1
	_got=$?
	[ "$_got" -eq "$_want" ]
	_result $? "$_d"
	[ "$_got" -eq "$_want" ] || echo "#   exit status $_got, expected $_want"
}

is() {		# is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	_result $? "$3"
	[ "$1" = "$2" ] || printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
}

like() {	# like GOT PATTERN DESCRIPTION: grep -E PATTERN in GOT
	printf '%s\n' "$1" | grep -Eq -- "$2"
	_s=$?
	_result $_s "$3"
	[ $_s -eq 0 ] || printf '#   got: %s\n#   expected to match: %s\n' "$1" "$2"
}

unlike() {	# unlike GOT PATTERN DESCRIPTION
	! printf '%s\n' "$1" | grep -Eq -- "$2"
	_s=$?
	_result $_s "$3"
	[ $_s -eq 0 ] || printf '#   got: %s\n#   expected not to match: %s\n' "$1" "$2"
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
	exit $?
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# The corpus of real mail and keys, used in place.
find_corpus() {
	for c in "${PDLIST_CORPUS:-}" "$top_srcdir/../shared/corpus" \
	    "$top_srcdir/../../shared/corpus" "$top_srcdir/../../../shared/corpus"; do
		if [ -n "$c" ] && [ -f "$c/keys/example_key.txt" ]; then
			CORPUS=$(cd "$c" && pwd)
			return 0
		fi
	done
	return 1
}

_cleanup() {
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	find "$W" -name S.gpg-agent 2>/dev/null | while read -r s; do
		gpgconf --homedir "$(dirname "$s")" --kill all 2>/dev/null
	done
	# PDLIST_KEEP_TEST_DIR=1 keeps the world for a look after a failure.
	if [ -n "${PDLIST_KEEP_TEST_DIR:-}" ]; then
		echo "# kept $W" >&2
	else
		rm -rf "$W"
	fi
}

command -v gpg >/dev/null 2>&1 || skip_all "gpg not installed"
[ -x "$LISTCTL" ] || skip_all "listctl not built"

W=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-test.XXXXXX") || exit 1
trap _cleanup EXIT
trap 'exit 1' INT TERM
export GNUPGHOME="$W/user-gnupg"
mkdir -m 700 "$GNUPGHOME" "$W/keys"
DATA="$W/data"
CONF="$W/listd.conf"
# Nothing listens on port 1: a test that delivers starts its own sink.
cat >"$CONF" <<EOF
datadir = "$DATA"
policy-dir = "$top_srcdir/policy"
smtp-url = "smtp://127.0.0.1:1"
EOF

# listctl with the test's configuration; stdout and stderr as they come.
lc() { "$LISTCTL" -c "$CONF" "$@"; }

# The keyring of a list, for checking what listctl left in it.
list_home() { echo "$DATA/lists/$1/gnupg"; }
keyring_has() {	# keyring_has LIST FPR
	gpg --homedir "$(list_home "$1")" --batch --list-keys "$2" >/dev/null 2>&1
}
keyring_count() {
	gpg --homedir "$(list_home "$1")" --batch --with-colons --list-keys 2>/dev/null |
	    grep -c '^pub'
}

_gpg() { gpg --batch --pinentry-mode loopback --passphrase '' "$@"; }

# genkey UID [ALGO [USAGE [EXPIRE [EXTRA GPG OPTIONS...]]]]
# Makes a key in the test's own GNUPGHOME and exports its public key to
# $W/keys/<email>.asc; prints its fingerprint.  Defaults: an ed25519 key with
# a cv25519 encryption subkey that does not expire.
genkey() {
	_uid=$1 _algo=${2:-future-default} _use=${3:-default} _exp=${4:-never}
	shift $(($# < 4 ? $# : 4))
	_gpg --quiet "$@" --quick-gen-key "$_uid" "$_algo" "$_use" "$_exp" 2>/dev/null || return 1
	_fpr=$(gpg --batch --with-colons --list-keys "=$_uid" 2>/dev/null |
	    awk -F: '/^fpr/ { print $10; exit }')
	_mail=$(printf '%s' "$_uid" | sed -n 's/.*<\(.*\)>.*/\1/p')
	gpg --batch --armor --export "$_fpr" >"$W/keys/$_mail.asc"
	echo "$_fpr"
}

# revoke FPR: revokes the key with its own revocation certificate and
# re-exports it.
revoke() {
	sed 's/^:-----/-----/' "$GNUPGHOME/openpgp-revocs.d/$1.rev" |
	    gpg --batch --quiet --import 2>/dev/null
}

# export_key FPR FILE
export_key() { gpg --batch --armor --export "$1" >"$2"; }

# ---- mail in the forms clients send, signed with keys made here ----------

# embargo_in DAYS: an Embargo: value DAYS days from now (fractions allowed
# as seconds: embargo_in 0 90 is 90 seconds from now).
embargo_in() {
	date -u -d "@$(($(date +%s) + $1 * 86400 + ${2:-0}))" '+%Y-%m-%d %H:%M UTC'
}
# advisory FILE ID REVISION [DAYS|+SECONDS|none] [MORE KEYWORD LINES...]: a
# body with the advisory keywords, embargoed DAYS (default 7) days ahead.
advisory() {
	_f=$1 _id=$2 _rev=$3 _days=${4:-7}
	shift $(($# < 4 ? 3 : 4))
	{
		printf 'Advisory: %s\nRevision: %s\n' "$_id" "$_rev"
		if [ "$_days" = none ]; then
			printf 'Embargo: none\n'
		elif [ "${_days#+}" != "$_days" ]; then	# +S: S seconds ahead
			printf 'Embargo: %s\n' "$(date -u -d "@$(($(date +%s) + ${_days#+}))" \
			    '+%Y-%m-%d %H:%M:%S UTC')"
		else
			printf 'Embargo: %s\n' "$(embargo_in "$_days")"
		fi
		printf 'CVE: CVE-2026-0001\n'
		for _kwline in "$@"; do printf '%s\n' "$_kwline"; done
		printf '\nXen Security Advisory %s revision %s: the details.\n' "$_id" "$_rev"
	} >"$_f"
}

_mail_head() {	# _mail_head FROM TO SUBJECT
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Sun, 22 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@test.example>\nMIME-Version: 1.0\n' \
	    "$1" "$2" "$3" "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
}

# mail_plain FROM TO SUBJECT BODYFILE
mail_plain() {
	_mail_head "$1" "$2" "$3"
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	cat "$4"
}

# mail_pgpmime SIGNER FROM TO SUBJECT BODYFILE: RFC 3156 multipart/signed,
# with a patch attachment, signed over the CRLF form of the first part.
mail_pgpmime() {
	_b="sig-$$-boundary"
	{
		printf 'Content-Type: multipart/mixed; boundary="inner-%s"\n\n' "$_b"
		printf -- '--inner-%s\nContent-Type: text/plain; charset=utf-8\n\n' "$_b"
		cat "$5"
		printf -- '--inner-%s\nContent-Type: text/x-diff; name="fix.patch"\n' "$_b"
		printf 'Content-Disposition: attachment; filename="fix.patch"\n\n'
		printf -- '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-bug\n+fix\n'
		printf -- '--inner-%s--\n' "$_b"
	} >"$W/part"
	sed 's/$/\r/' "$W/part" >"$W/part.crlf"
	gpg --batch --yes --armor --local-user "$1" --detach-sign \
	    -o "$W/part.sig" "$W/part.crlf" 2>/dev/null
	_mail_head "$2" "$3" "$4"
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256;\n protocol="application/pgp-signature"; boundary="%s"\n\n' "$_b"
	printf -- '--%s\n' "$_b"
	cat "$W/part"
	printf -- '\n--%s\nContent-Type: application/pgp-signature; name="signature.asc"\n\n' "$_b"
	cat "$W/part.sig"
	printf -- '\n--%s--\n' "$_b"
}

# mail_clearsigned SIGNER FROM TO SUBJECT BODYFILE: inline PGP.
mail_clearsigned() {
	_mail_head "$2" "$3" "$4"
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	gpg --batch --local-user "$1" --clearsign <"$5" 2>/dev/null
}

# mail_encrypted SIGNER RECIPIENT-KEY FROM TO SUBJECT BODYFILE: RFC 3156
# multipart/encrypted, signed and encrypted in one (SIGNER "" for unsigned).
mail_encrypted() {
	{
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		cat "$6"
	} >"$W/inner"
	mail_encrypt_entity "$1" "$2" "$3" "$4" "$5" "$W/inner"
}

# mail_encrypt_entity SIGNER RECIPIENT-KEY FROM TO SUBJECT ENTITYFILE:
# encrypts a MIME entity as it is (SIGNER "" to leave it unsigned).
mail_encrypt_entity() {
	if [ -n "$1" ]; then
		gpg --batch --yes --armor --trust-model always --local-user "$1" \
		    --recipient "$2" --sign --encrypt -o "$W/inner.asc" "$6" 2>/dev/null
	else
		gpg --batch --yes --armor --trust-model always --recipient "$2" \
		    --encrypt -o "$W/inner.asc" "$6" 2>/dev/null
	fi
	_mail_head "$3" "$4" "$5"
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\n boundary="enc-%s"\n\n' "$$"
	printf -- '--enc-%s\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n' "$$"
	printf -- '--enc-%s\nContent-Type: application/octet-stream\n\n' "$$"
	cat "$W/inner.asc"
	printf -- '\n--enc-%s--\n' "$$"
}

# verify_signed_copy FILE: checks the list's signature over the signed part
# of a multipart/signed copy, as a mail client would.
verify_signed_copy() {
	_b=$(sed -n 's/.*boundary="\{0,1\}\([^";]*\).*/\1/p' "$1" | head -n 1)
	tr -d '\r' <"$1" | awk -v b="$_b" '$0 == "--" b { n++; next } n == 1' |
	    sed '$d' | sed 's/$/\r/' >"$W/signed-part"
	tr -d '\r' <"$1" | awk -v b="$_b" '$0 == "--" b { n++; next } n == 2' |
	    awk '/-----BEGIN PGP SIGNATURE-----/,/-----END PGP SIGNATURE-----/' \
	    >"$W/signed-part.sig"
	gpg --batch --verify "$W/signed-part.sig" "$W/signed-part" 2>/dev/null
}

# The list's public key, imported into the test's own keyring to write to it.
import_list_key() {
	gpg --homedir "$(list_home "$1")" --batch --armor --export "$1" 2>/dev/null |
	    gpg --batch --quiet --import 2>/dev/null
}

# new_list LIST POLICY [ADDRESS ROLE]...: a list, its key imported here, and
# members of roles without vendor criteria (team, moderator, admin,
# reporter), each with a key made here once per address.
new_list() {
	_nl=$1
	lc list create "$1" --policy "$2" >/dev/null || return 1
	import_list_key "$1"
	shift 2
	while [ $# -ge 2 ]; do
		[ -f "$W/keys/$1.asc" ] || genkey "<$1>" >/dev/null
		lc member add "$_nl" "$1" --key "$W/keys/$1.asc" --role "$2" \
		    >/dev/null || return 1
		shift 2
	done
}

# listd_once: processes everything due, as cron or a test would.
listd_once() { "$LISTD" -c "$CONF" --once; }

# ---- a loopback SMTP sink ---------------------------------------------------

SINK_PID=
SINK_DIR=
SINK_N=0
# start_sink [SINK OPTIONS...]: a sink on a free 127.0.0.1 port writing to
# a new $W/sink.N; sets SMTP_PORT and points smtp-url in $CONF at it.
# copies_to counts over every sink the test started.
start_sink() {
	SINK_N=$((SINK_N + 1))
	SINK_DIR="$W/sink.$SINK_N"
	rm -f "$W/sink.port"
	mkdir -p "$SINK_DIR"
	"$top_builddir/tests/smtp-sink" --port-file "$W/sink.port" --dir "$SINK_DIR" \
	    --max-seconds 300 "$@" 2>"$W/sink.err" &
	SINK_PID=$!
	_i=0
	while [ ! -s "$W/sink.port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	SMTP_PORT=$(cat "$W/sink.port" 2>/dev/null)
	sed -i '/^smtp-url/d' "$CONF"
	echo "smtp-url = \"smtp://127.0.0.1:$SMTP_PORT\"" >>"$CONF"
	[ -n "$SMTP_PORT" ]
}
stop_sink() {
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}
# copies_to ADDRESS: how many messages the sinks accepted for ADDRESS.
copies_to() { cat "$W"/sink.*/log 2>/dev/null | awk -v a="$1" '$4 == a' | wc -l | tr -d ' '; }
# decrypt FILE: what an encrypted copy holds, decrypted with the test's keys.
decrypt() {
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$1" |
	    tr -d '\r' | gpg --batch --decrypt 2>/dev/null
}
# decrypted_for ADDRESS: every copy the current sink took for ADDRESS, decrypted.
decrypted_for() {
	for _s in $(awk -v a="$1" '$4 == a { print $1 }' "$SINK_DIR/log"); do
		decrypt "$SINK_DIR/$_s.eml"
	done
}
# copy_for ADDRESS: the file of the (last) message accepted for ADDRESS.
copy_for() {
	_s=$(awk -v a="$1" '$4 == a { s = $1 } END { print s }' "$SINK_DIR/log")
	[ -n "$_s" ] && echo "$SINK_DIR/$_s.eml"
}
