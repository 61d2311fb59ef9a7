# tests/e2e/world.sh: a private world for each end-to-end test (sourced by
# lib.sh): $W, a fresh temporary directory with its own GNUPGHOME, datadir
# and listd.conf; listctl and listd run on it; keys made here; lists and
# members; a loopback SMTP sink.  Everything the test started and wrote is
# removed at exit.  Tests write nowhere else.

LISTCTL="$top_builddir/listctl"
LISTD="$top_builddir/listd/listd"	# installed as listd

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
	for _p in ${BG:-}; do
		kill -9 "$_p" 2>/dev/null
	done
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

# listd_once: processes everything due, as cron or a test would.
listd_once() { "$LISTD" -c "$CONF" --once; }
# until_done LIST: listd --once until LIST's queue holds nothing that waits
# (bounded: 30 runs a second apart).
until_done() {
	_i=0
	while [ $_i -lt 30 ]; do
		listd_once >/dev/null 2>&1
		lc queue "$1" | grep -qE '	(new|ready|retry)	' || return 0
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}

# The keyring of a list, for checking what listctl left in it.
list_home() { echo "$DATA/lists/$1/gnupg"; }
keyring_has() {	# keyring_has LIST FPR
	gpg --homedir "$(list_home "$1")" --batch --list-keys "$2" >/dev/null 2>&1
}
keyring_count() {
	gpg --homedir "$(list_home "$1")" --batch --with-colons --list-keys 2>/dev/null |
	    grep -c '^pub'
}

# ---- keys made here, in the test's own GNUPGHOME -----------------------------

_gpg() { gpg --batch --pinentry-mode loopback --passphrase '' "$@"; }

# uid_address UID: the address in "Name <address>" or "<address>".
uid_address() { printf '%s' "$1" | sed -n 's/.*<\(.*\)>.*/\1/p'; }

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
	gpg --batch --armor --export "$_fpr" >"$W/keys/$(uid_address "$_uid").asc"
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

# ---- TLS certificates made here (openssl) ----------------------------------------

# make_ca NAME: a throwaway certificate authority, $W/NAME.pem, its key
# $W/NAME.key.
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 30 -subj "/CN=pdlist test CA $1" -keyout "$W/$1.key" \
	    -out "$W/$1.pem" 2>/dev/null
}
# make_cert CA NAME CN SAN: a server certificate $W/NAME.pem, its key
# $W/NAME.key, for CN and the subjectAltName SAN (DNS:a.example,IP:...),
# signed by the CA that make_ca CA made.
make_cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj "/CN=$3" -keyout "$W/$2.key" -out "$W/$2.csr" 2>/dev/null &&
	printf 'subjectAltName=%s\n' "$4" >"$W/$2.ext" &&
	openssl x509 -req -in "$W/$2.csr" -CA "$W/$1.pem" -CAkey "$W/$1.key" \
	    -CAcreateserial -days 30 -extfile "$W/$2.ext" -out "$W/$2.pem" \
	    2>/dev/null
}

# ---- lists and their members ----------------------------------------------------

# The list's public key, imported into the test's own keyring to write to it.
import_list_key() {
	gpg --homedir "$(list_home "$1")" --batch --armor --export "$1" 2>/dev/null |
	    gpg --batch --quiet --import 2>/dev/null
}

# add_member LIST ADDRESS ROLE [MEMBER ADD OPTIONS...]: member add with the
# key made here for ADDRESS ($W/keys/ADDRESS.asc), made now by genkey with
# its defaults unless one was made before.  ADDRESS may be given as a user
# ID, "Name <address>".  Prints nothing; listctl's errors go to stderr; the
# status is member add's, or 99 when no key could be made.
add_member() {
	_am_list=$1 _am_uid=$2 _am_role=$3
	shift 3
	_am_addr=$(uid_address "$_am_uid")
	if [ -z "$_am_addr" ]; then
		_am_addr=$_am_uid
		_am_uid="<$_am_uid>"
	fi
	if [ ! -f "$W/keys/$_am_addr.asc" ] && ! genkey "$_am_uid" >/dev/null; then
		echo "add_member: no key made for $_am_uid" >&2
		return 99
	fi
	lc member add "$_am_list" "$_am_addr" --key "$W/keys/$_am_addr.asc" \
	    --role "$_am_role" "$@" >/dev/null
}

# add_vendor LIST ADDRESS [ORG [EVIDENCE-URL]]: a member that meets the xen
# profile's vendor criteria (org Vendor, evidence https://v.example unless
# given); add_member's status.
add_vendor() {
	add_member "$1" "$2" member --org "${3:-Vendor}" --category vendor \
	    --installed-base 400000 --evidence "${4:-https://v.example}" --agreed
}

# add_expiring_vendor LIST ADDRESS SECONDS [ORG [EVIDENCE-URL]]: a vendor
# (add_vendor) whose key, made now, expires SECONDS from now: added while
# LIST's policy asks for no remaining validity, which is then put back.
add_expiring_vendor() {
	_ae_was=$(sed -n 's/^[[:space:]]*min-validity-days[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
	    "$DATA/lists/$1/policy.conf")
	policy_set "$1" min-validity-days 0
	genkey "<$2>" future-default default seconds="$3" >/dev/null
	add_vendor "$1" "$2" "${4:-}" "${5:-}"
	_ae_rc=$?
	policy_set "$1" min-validity-days "$_ae_was"
	return $_ae_rc
}

# add_vendors LIST N: N members security@v1.example ... security@vN.example
# that meet the xen profile's vendor criteria; stops at the first failure.
add_vendors() {
	_av=1
	while [ $_av -le "$2" ]; do
		add_vendor "$1" security@v$_av.example "Vendor $_av" \
		    https://v$_av.example || return 1
		_av=$((_av + 1))
	done
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
		add_member "$_nl" "$1" "$2" || return 1
		shift 2
	done
}

# policy_set LIST KEY VALUE: KEY = VALUE in LIST's policy.conf, in place
# of the value it had (key-warn-days {}, min-validity-days 0, ...).
policy_set() {
	sed -i "s/^\([[:space:]]*$2[[:space:]]*=\).*/\1 $3/" \
	    "$DATA/lists/$1/policy.conf"
}

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
# sender_for ADDRESS [N]: the envelope sender of the Nth (default last)
# copy the sinks took for ADDRESS.
sender_for() {
	cat "$W"/sink.*/log | awk -v a="$1" -v n="${2:-0}" \
	    '$4 == a { k++; s[k] = $3 } END { print s[n ? n : k] }' | tr -d '<>'
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

# ---- time and holds -------------------------------------------------------------

# listd_at FAKETIME: listd_once at a faked time (faketime's +2d, +3600).
listd_at() { faketime -f "$1" "$LISTD" -c "$CONF" --once; }
# held_field LIST SUBJECT COLUMN: that column of held ls (1 id, 2 reason)
# for the held message with SUBJECT.
held_field() {
	lc held ls "$1" | awk -F'\t' -v s="$2" -v c="$3" '$4 == s { print $c }'
}
# held_why LIST SUBJECT: the reason held show gives for it.
held_why() {
	_hw=$(held_field "$1" "$2" 1)
	[ -n "$_hw" ] && lc held show "$1" "$_hw" | sed -n 's/^why *//p'
}
# told ADDRESS: every copy any sink took for ADDRESS, decrypted, on one line.
told() {
	for _td in "$W"/sink.[0-9]*; do
		for _ts in $(awk -v a="$1" '$4 == a { print $1 }' "$_td/log"); do
			decrypt "$_td/$_ts.eml"
		done
	done | tr '\n' ' '
}
