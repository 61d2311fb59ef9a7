#!/bin/sh
# contrib/demo.sh: pdlist on a throwaway list.  Makes a datadir and a GnuPG
# home in a temporary directory, creates a list with the xen profile, adds
# three vetted vendors with keys generated here, shows two candidates the
# policy refuses and why, prints the member list, and removes it all.
#
# usage: demo.sh [LISTCTL [POLICY-DIR]]   (make demo passes both)
set -u
LISTCTL=${1:-listctl}
POLICYDIR=${2:-}

W=$(mktemp -d "${TMPDIR:-/tmp}/pdlist-demo.XXXXXX") || exit 1
cleanup() {
	find "$W" -name S.gpg-agent 2>/dev/null | while read -r s; do
		gpgconf --homedir "$(dirname "$s")" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export GNUPGHOME="$W/vendors-gnupg"
mkdir -m 700 "$GNUPGHOME"
{
	echo "datadir = \"$W/data\""
	[ -n "$POLICYDIR" ] && echo "policy-dir = \"$POLICYDIR\""
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

say "The member list"
run member ls $L || exit 1

say "The audit log"
run audit $L || exit 1
printf '\nAll of it was in %s and is removed now.\n' "$W"
