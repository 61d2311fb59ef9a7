#!/bin/sh
# list create/ls/show: the list's own key, its GnuPG home, its policy, and
# refusals that leave nothing behind.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

L=xen-pre@lists.example.org
out=$(lc --actor "Ian J" list create $L --policy xen --public xen-announce@lists.example.org \
    --public oss-security@lists.example.org)
is $? 0 "list create with the xen profile"
fpr=$(printf '%s\n' "$out" | sed -n 's/^fingerprint //p')
like "$fpr" '^[0-9A-F]{40}$' "prints the list key's fingerprint"
home=$(list_home $L)
is "$(stat -c %a "$home")" 700 "the list's GnuPG home is mode 0700"
is "$(stat -c %a "$DATA/lists/$L")" 700 "and so is its directory"
keys=$(gpg --homedir "$home" --batch --with-colons --list-secret-keys)
like "$keys" "^sec:[^:]*:255:22:" "the list key is ed25519"
like "$keys" "^ssb:[^:]*:255:18:.*:e:" "with a cv25519 encryption subkey"
like "$keys" "^uid:.*$L" "its user ID is the list address"
ok "the key needs no passphrase" sh -c "echo x | gpg --homedir '$home' --batch \
    --pinentry-mode loopback --passphrase '' -u $fpr --sign >/dev/null"

like "$(lc list ls)" "^$L	xen	$fpr$" "list ls shows it"
show=$(lc list show $L)
like "$show" "^policy: +xen" "list show names the policy"
like "$show" "^public: +xen-announce@lists.example.org oss-security@lists.example.org" \
    "and the public addresses"
json=$(lc list show $L --json)
like "$json" "\"fingerprint\": \"$fpr\"" "list show --json has the fingerprint"
like "$json" '"created-by": "Ian J"' "and who created it"
like "$json" '"member-count": 0' "and the member count"
like "$(lc list ls --json)" "\"address\": \"$L\"" "list ls --json"

lc list create $L --policy xen 2>"$W/err"
is $? 1 "creating an existing list is refused"
like "$(cat "$W/err")" "^listctl: list create: list $L exists$" "with listctl: what: why"
is "$(lc list show $L --json | grep fingerprint)" "  \"fingerprint\": \"$fpr\"," \
    "and the list keeps its key"

fails 1 "an address that is not one is refused" lc list create not-an-address --policy xen
lc list create new@lists.example.org --policy nosuch 2>"$W/err"
is $? 1 "an unknown profile is refused"
like "$(cat "$W/err")" "nosuch.conf: No such file" "and the error names the file"
ok "and nothing is left of that list" test ! -e "$DATA/lists/new@lists.example.org"
fails 2 "list create without --policy is a usage error" lc list create x@lists.example.org
fails 2 "an unknown option is a usage error" lc list create x@lists.example.org --policy xen --colour
fails 2 "an option of another command is a usage error" lc list create x@lists.example.org \
    --policy xen --role team
fails 2 "an unknown command is a usage error" lc frobnicate
fails 2 "a missing argument is a usage error" lc list show
ok "--help succeeds" lc --help
like "$("$LISTCTL" --help)" "listctl member add LIST ADDRESS" "and lists the commands"

# A list moving from another system brings its own secret key.
if find_corpus; then
	M=schleuder@example.org
	out=$(lc list create $M --policy libvirt --key "$CORPUS/keys/list-schleuder-at-example-org.sec.asc")
	is $? 0 "list create --key takes an existing secret key"
	like "$out" "fingerprint 59C71FB38AEE22E091C78259D06350440F759BD3" \
	    "and the list's fingerprint is that key's"
	ok "the secret key is usable" sh -c "echo x | gpg --homedir '$(list_home $M)' --batch \
	    --pinentry-mode loopback --passphrase '' -u 59C71FB38AEE22E091C78259D06350440F759BD3 --sign >/dev/null"
	lc list create pub@example.org --policy xen --key "$CORPUS/keys/list-schleuder-at-example-org.pub.asc" 2>"$W/err"
	is $? 1 "a public key is refused as the list key"
	like "$(cat "$W/err")" "public key only" "and says a secret key is needed"
	ok "and nothing is left of that list" test ! -e "$DATA/lists/pub@example.org"
else
	echo "ok 100 # SKIP corpus not found" | sed "s/100/$((_n + 1))/"; _n=$((_n + 1))
fi

# A protected secret key cannot serve a list that must sign unattended.
gpg --batch --pinentry-mode loopback --passphrase hunter2 --quiet \
    --quick-gen-key "<locked@lists.example.org>" future-default default never 2>/dev/null
gpg --batch --pinentry-mode loopback --passphrase hunter2 --armor \
    --export-secret-keys locked@lists.example.org >"$W/keys/locked.sec.asc"
lc list create locked@lists.example.org --policy xen --key "$W/keys/locked.sec.asc" 2>"$W/err"
is $? 1 "a secret key with a passphrase is refused"
like "$(cat "$W/err")" "passphrase" "and says to remove the passphrase"
ok "and nothing is left of that list" test ! -e "$DATA/lists/locked@lists.example.org"
unlike "$(lc list ls)" "locked@" "nor in the store"
like "$(lc audit locked@lists.example.org)" "list create locked@lists.example.org refused: .*passphrase" \
    "the refusal is in the audit log"
like "$(lc audit $L)" "Ian J list create $L done" "and the creation, with its actor"

# Configuration errors are one line with file:line.
printf '# pdlist\n# test\ndatadir = "%s" # here\nworkers = "many"\n' "$DATA" >"$W/bad.conf"
"$LISTCTL" -c "$W/bad.conf" list ls 2>"$W/err"
is $? 1 "a bad listd.conf is refused"
like "$(cat "$W/err")" "bad.conf:4: " "with file:line, counted right after comments"
printf 'datadir = "${HOME}/x"\n' >"$W/env.conf"
"$LISTCTL" -c "$W/env.conf" list ls 2>"$W/err"
is $? 1 "a listd.conf that would expand the environment is refused"
like "$(cat "$W/err")" "env.conf:1: .*environment" "and says so"
"$LISTCTL" -c "$W/none.conf" list ls 2>"$W/err"
is $? 1 "a missing listd.conf given with -c is refused"
like "$(cat "$W/err")" "none.conf: No such file" "and named"

done_testing
