# contrib/bench-world.sh: the list the benchmarks run on, sourced by
# bench.sh, bench-check.sh and bench-schleuder.sh (which set B, S, CACHE
# and L); and the free port and the signed post that bench.sh and
# bench-schleuder.sh share.
#
# The member keys (ed25519/cv25519, no passphrase) and the list made from
# them are cached under CACHE: one gpg run makes the keys and one member
# import adds them; later runs copy them.

# make_world N DIR: a list with N members (keys in DIR/gnupg-members), the
# poster's key in DIR/gnupg; the store in DIR/data.
make_world() {
	_n=$1 _d=$2
	mkdir -p "$_d"
	mkdir -m 700 "$_d/gnupg" "$_d/gnupg-members"
	printf 'datadir = "%s/data"\npolicy-dir = "%s/policy"\n' "$_d" "$S" >"$_d/make.conf"
	_lc() { "$B/listctl" -c "$_d/make.conf" "$@"; }
	_lc list create $L --policy xen >/dev/null
	GNUPGHOME="$_d/gnupg" gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    --quick-gen-key "<alice@xenproject.example>" future-default default never 2>/dev/null
	GNUPGHOME="$_d/gnupg" gpg --batch --armor --export "<alice@xenproject.example>" >"$_d/key.asc"
	_lc member add $L alice@xenproject.example --key "$_d/key.asc" --role team >/dev/null
	# The members' keys made by one gpg run, added by one member import.
	_i=1
	{
		echo "%no-protection"
		while [ $_i -le "$_n" ]; do
			printf 'Key-Type: EDDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\n'
			printf 'Subkey-Curve: cv25519\nName-Email: security@v%d.example\n' $_i
			printf 'Expire-Date: 0\n%%commit\n'
			_i=$((_i + 1))
		done
	} >"$_d/keys.params"
	GNUPGHOME="$_d/gnupg-members" gpg --batch --quiet --gen-key "$_d/keys.params" 2>/dev/null
	GNUPGHOME="$_d/gnupg-members" gpg --batch --export >"$_d/keys.gpg"
	_i=1
	{
		echo "address,role,org,category,installed-base,evidence,agreed"
		while [ $_i -le "$_n" ]; do
			echo "security@v$_i.example,member,V$_i,vendor,400000,https://v$_i.example,yes"
			_i=$((_i + 1))
		done
	} >"$_d/members.csv"
	_lc member import $L "$_d/members.csv" --key "$_d/keys.gpg" >/dev/null
	rm -f "$_d/keys.params" "$_d/keys.gpg" "$_d/members.csv"
	rm -f "$_d/key.asc" "$_d/make.conf"
	gpgconf --homedir "$_d/gnupg-members" --kill all 2>/dev/null || :
	gpgconf --homedir "$_d/gnupg" --kill all 2>/dev/null || :
	gpgconf --homedir "$_d/data/lists/$L/gnupg" --kill all 2>/dev/null || :
}

# cached_world N: CACHE/N holds the world for N members, made if need be.
cached_world() {
	[ ! -f "$CACHE/$1/done" ] || return 0
	echo "bench: making $1 member keys and the list (cached in $CACHE/$1)..."
	rm -rf "${CACHE:?}/$1"
	make_world "$1" "$CACHE/$1"
	touch "$CACHE/$1/done"
}

# free_port DIR: a free loopback port, found as the sink finds one (each
# run's sink takes it again).
free_port() {
	"$B/tests/smtp-sink" --port-file "$1/port" --max-seconds 10 &
	_s=$!
	_i=0
	while [ ! -s "$1/port" ] && [ $_i -lt 200 ] && kill -0 "$_s" 2>/dev/null; do
		sleep 0.05
		_i=$((_i + 1))
	done
	kill "$_s" 2>/dev/null || :
	wait "$_s" 2>/dev/null || :
	[ -s "$1/port" ] || { echo "bench: the sink did not start" >&2; return 1; }
	cat "$1/port"
	rm -f "$1/port"
}

# post_script DIR KB: DIR/post.sh writes a new team post to L, signed by
# alice (the gpg home in GNUPGHOME), into DIR/post.eml: multipart/signed,
# with a KB KB patch (DIR/patch).  Each run posts a new one, signed afresh:
# a signature seen before is a replay.
post_script() {
	head -c $(($2 * 768)) /dev/urandom | base64 -w 76 | sed 's/^/+/' >"$1/patch"
	cat >"$1/post.sh" <<POST
#!/bin/sh
# Writes a new signed post into post.eml.
set -e
{
	printf 'Content-Type: multipart/mixed; boundary="m"\\n\\n--m\\nContent-Type: text/plain\\n\\n'
	printf 'Patch set for the team, round %s.\\n\\nDetails.\\n' "\$(date +%s%N)"
	printf -- '--m\\nContent-Type: text/x-diff; name="fix.patch"\\n\\n'
	cat "$1/patch"
	printf -- '--m--\\n'
} >"$1/part"
sed 's/\$/\r/' "$1/part" >"$1/part.crlf"
gpg --batch --yes --armor -u alice@xenproject.example --detach-sign -o "$1/part.sig" "$1/part.crlf"
{
	printf 'From: alice@xenproject.example\\nTo: %s\\nSubject: XSA-1\\nMIME-Version: 1.0\\n' $L
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="s"\\n\\n--s\\n'
	cat "$1/part"
	printf -- '\\n--s\\nContent-Type: application/pgp-signature\\n\\n'
	cat "$1/part.sig"
	printf -- '\\n--s--\\n'
} >"$1/post.eml"
POST
}
