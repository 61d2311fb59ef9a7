#!/bin/sh
# A member's mail client verifies what the list sends: mutt, with only the
# member's own key and the keys listctl keys gives, shows a good signature
# by the list on a copy and, for a post signed and encrypted in one OpenPGP
# message, a good signature by the team member inside it.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v mutt >/dev/null 2>&1 || skip_all "mutt not installed (Debian: mutt)"
command -v script >/dev/null 2>&1 ||
    skip_all "script not installed (Debian: bsdutils)"

L=sec@lists.example.org
T=team@xen.example
V=security@v1.example
new_list $L xen $T team || { echo "Bail out! list"; exit 1; }
add_vendors $L 1 || { echo "Bail out! vendor"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }

# The member's client: its own key, and the list's and the team's keys.
C="$W/client"
mkdir -m 700 "$C"
gpg --batch --export-secret-keys $V | gpg --homedir "$C" --batch --import 2>/dev/null
lc keys $L | gpg --homedir "$C" --batch --import 2>/dev/null
_g="gpg --homedir $C --status-fd=2 --no-verbose --quiet --batch --output -"
cat >"$W/muttrc" <<RC
set crypt_use_gpgme=no
set pgp_decode_command="$_g %f"
set pgp_verify_command="$_g --verify %s %f"
set pgp_decrypt_command="$_g --decrypt %f"
set pgp_good_sign="GOODSIG"
set pgp_check_gpg_decrypt_status_fd=yes
set pgp_auto_decode=yes
set crypt_verify_sig=yes
set wait_key=no
set display_filter="cat > $W/shown"
push "<display-message><exit><quit>"
RC
# shown FILE: what mutt shows of the message in FILE (bounded: 30 s).
shown() {
	{ echo "From list@example Sat Nov 28 12:00:00 2026"; tr -d '\r' <"$1"; echo; } \
	    >"$W/mbox"
	rm -f "$W/shown"
	TERM=vt100 timeout 30 script -qec \
	    "mutt -n -F '$W/muttrc' -f '$W/mbox'" /dev/null >/dev/null 2>&1 </dev/null
	cat "$W/shown" 2>/dev/null
}

printf 'Signed and encrypted in one: the fix for the emulator.\n' >"$W/inone.txt"
mail_encrypted $T $L $T $L inone "$W/inone.txt" >"$W/inone.eml"
lc inject $L <"$W/inone.eml"
until_done $L >/dev/null
out=$(shown "$(copy_for $V)")
like "$out" "fix for the emulator" "mutt decrypts the member's copy"
like "$out" "Good signature from \"$L\"" "and verifies the list's signature"
like "$out" "Good signature from \"<$T>\"" \
    "and the team member's own signature inside (sent signed and encrypted in one)"
is "$(printf '%s\n' "$out" | grep -c 'Good signature')" 2 "both, nothing else"

done_testing
