#!/bin/sh
# contrib/demo.sh: pdlist on a throwaway list.  Makes a datadir and a GnuPG
# home in a temporary directory, creates a list with the xen profile, adds
# three vetted vendors and a security team member with keys generated here,
# shows two candidates the policy refuses and why, then lets the team post a
# signed advisory: listd sends each member its own encrypted copy to a
# loopback mail sink, and one copy is decrypted with its member's key.
# Everything is removed at the end.
#
# usage: demo.sh [BUILDDIR [POLICY-DIR]]   (make demo passes both)
set -u
B=${1:-.}
LISTCTL="$B/listctl"
LISTD="$B/listd/listd"
SINK="$B/tests/smtp-sink"
POLICYDIR=${2:-}

W=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-demo.XXXXXX") || exit 1
cleanup() {
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	find "$W" -name S.gpg-agent 2>/dev/null | while read -r s; do
		gpgconf --homedir "$(dirname "$s")" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export GNUPGHOME="$W/vendors-gnupg"
mkdir -m 700 "$GNUPGHOME"
# A mail sink on a free loopback port stands in for the world.
mkdir "$W/sink"
"$SINK" --port-file "$W/port" --dir "$W/sink" --max-seconds 300 &
SINK_PID=$!
i=0
while [ ! -s "$W/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
{
	echo "datadir = \"$W/data\""
	[ -n "$POLICYDIR" ] && echo "policy-dir = \"$POLICYDIR\""
	echo "smtp-url = \"smtp://127.0.0.1:$(cat "$W/port")\""
} >"$W/listd.conf"

say() { printf '\n== %s\n' "$*"; }
run() {
	printf '$ listctl'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9@._:/=+-]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	"$LISTCTL" -c "$W/listd.conf" --actor demo "$@" 2>&1
}

# key ADDRESS: a vendor's key, generated the way a vendor would (ed25519
# with a cv25519 encryption subkey), exported to $W/ADDRESS.asc.
key() {
	gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    --quick-gen-key "$1" future-default default 2y 2>/dev/null &&
	gpg --batch --armor --export "=$1" >"$W/$(echo "$1" | tr -d '<>').asc"
}

L=xen-security-predisclosure@lists.example.org
say "A throwaway pre-disclosure list with the Xen Project's policy"
run list create $L --policy xen --public xen-announce@lists.example.org || exit 1
# Members know the list's public key, to check what it signs.
gpg --homedir "$W/data/lists/$L/gnupg" --batch --armor --export $L 2>/dev/null |
    gpg --batch --quiet --import 2>/dev/null

say "Three vetted vendors, each with its role address and its own key"
for v in security@cloudhost.example:"CloudHost Ltd":hosting-provider:2500000 \
    psirt@hypervisor-appliances.example:"Hypervisor Appliances":vendor:800000 \
    secalert@bigdistro.example:"BigDistro Project":distributor:5000000; do
	addr=${v%%:*} rest=${v#*:}
	org=${rest%%:*} rest=${rest#*:}
	cat=${rest%%:*} base=${rest#*:}
	key "<$addr>" || exit 1
	run member add $L "$addr" --key "$W/$addr.asc" --role member --org "$org" \
	    --category "$cat" --installed-base "$base" \
	    --evidence "https://$(echo "$addr" | cut -d@ -f2)/security" --agreed || exit 1
done

say "Two candidates the policy refuses, with every reason"
key "<john.doe@gmail.com>"
run member add $L john.doe@gmail.com --key "$W/john.doe@gmail.com.asc" --role member \
    --org "Doe Hosting" --category hosting-provider --installed-base 40 --agreed
key "<security@tinyhost.example>"
run member add $L security@tinyhost.example --key "$W/security@tinyhost.example.asc" \
    --role member --org "TinyHost" --category hosting-provider --installed-base 1200 \
    --evidence https://tinyhost.example/about --agreed

say "The Xen security team, who post the advisories"
key "<alice@xenproject.example>" || exit 1
run member add $L alice@xenproject.example --key "$W/alice@xenproject.example.asc" \
    --role team || exit 1

say "The member list"
run member ls $L || exit 1

say "The team posts an embargoed advisory, signed (PGP/MIME)"
cat >"$W/part" <<ADV
Content-Type: text/plain; charset=utf-8

Advisory: XSA-999
Revision: 1
Embargo: $(date -u -d "@$(($(date +%s) + 7 * 86400))" '+%Y-%m-%d %H:%M UTC')
CVE: CVE-2026-99999

Xen Security Advisory XSA-999: a guest can take over its host.
Patches follow the embargo rules of the pre-disclosure list.
ADV
sed 's/$/\r/' "$W/part" >"$W/part.crlf"
gpg --batch --armor -u alice@xenproject.example --detach-sign -o "$W/part.sig" "$W/part.crlf"
{
	printf 'From: Alice <alice@xenproject.example>\nTo: %s\n' $L
	printf 'Subject: XSA-999: guest takes over its host\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256;\n'
	printf ' protocol="application/pgp-signature"; boundary="b"\n\n--b\n'
	cat "$W/part"
	printf -- '\n--b\nContent-Type: application/pgp-signature\n\n'
	cat "$W/part.sig"
	printf -- '\n--b--\n'
} >"$W/post.eml"
printf '$ listctl inject %s < advisory.eml      (what the MTA does)\n' $L
"$LISTCTL" -c "$W/listd.conf" inject $L <"$W/post.eml" || exit 1
printf '$ listd --once\n'
"$LISTD" -c "$W/listd.conf" --once || exit 1
printf 'The sink received %s copies, one per member.\n' "$(wc -l <"$W/sink/log")"

C=$(awk '$4 == "security@cloudhost.example" { print $1 }' "$W/sink/log")
say "What security@cloudhost.example received: the outer headers"
sed -n '/^\r*$/q;p' "$W/sink/$C.eml" | tr -d '\r' | grep -E '^(From|To|Subject|List-Id|List-Post|Content-Type):'
printf '(only its own session key packet: %s)\n' \
    "$(awk '/BEGIN PGP MESSAGE/,/END PGP MESSAGE/' "$W/sink/$C.eml" | tr -d '\r' |
    gpg --batch --list-packets 2>/dev/null | grep -c '^:pubkey enc packet') PKESK"

say "The same copy, decrypted with security@cloudhost.example's key"
awk '/BEGIN PGP MESSAGE/,/END PGP MESSAGE/' "$W/sink/$C.eml" | tr -d '\r' |
    gpg --batch --decrypt 2>"$W/gpg.err" | sed -n '1,/^Patches/p'
grep -E 'Good signature' "$W/gpg.err" | sed 's/^gpg: /list signature: /'

say "The audit log"
run audit $L || exit 1
printf '\nAll of it was in %s and is removed now.\n' "$W"
