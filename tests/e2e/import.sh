#!/bin/sh
# Members in bulk (issue 16): listctl member import of 100 members from a
# JSON file and one keyring, all judged as member add judges one; a file
# with two bad rows names both and adds nothing.  Keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

L=xen-pre@lists.example.org
lc list create $L --policy xen >/dev/null || { echo "Bail out! list"; exit 1; }
N=100
# row ADDRESS ORG: one member row meeting the xen profile's vendor criteria.
row() {
	printf '{"address": "%s", "role": "member", "org": "%s", "category": "vendor", "installed-base": 400000, "evidence": ["https://%s"], "agreed": true}' \
	    "$1" "$2" "${1#*@}"
}
i=1
{
	printf '[\n'
	while [ $i -le $N ]; do
		_gpg --quiet --quick-gen-key "<security@i$i.example>" future-default default never 2>/dev/null ||
		    { echo "Bail out! key $i" >&2; exit 1; }
		row security@i$i.example "Importer $i"
		[ $i -lt $N ] && printf ',\n'
		i=$((i + 1))
	done
	printf '\n]\n'
} >"$W/members.json"
gpg --batch --armor --export >"$W/keyring.asc"

keys0=$(keyring_count $L)
out=$(lc member import $L "$W/members.json" --key "$W/keyring.asc" 2>&1)
is $? 0 "member import takes $N members from JSON"
is "$out" "imported $N members into $L" "and says so"
is "$(lc member ls $L | wc -l | tr -d ' ')" $N "every one is a member"
is "$(keyring_count $L)" $((keys0 + N)) "with its key"
like "$(lc member ls $L --json | tr -d ' \n')" '"address":"security@i42.example".*"org":"Importer42"' \
    "with the fields of the file"
lc member check $L >/dev/null 2>&1
is $? 0 "member check passes them all"
like "$(lc audit $L --json | tr -d ' \n')" '"action":"memberimport".*"added":100' "the import is audited"

# ---- two bad rows: both named, nothing added -------------------------------------
_gpg --quiet --quick-gen-key "<security@good.example>" future-default default never 2>/dev/null
_gpg --quiet --quick-gen-key "<security@gmail.com>" future-default default never 2>/dev/null
{
	printf '[\n'
	row security@good.example Good; printf ',\n'
	row security@gmail.com Free; printf ',\n'
	row security@good2.example Good2; printf ',\n'
	printf '{"address": "security@good.example", "role": "moderator", "colour": "blue"}\n'
	printf ']\n'
} >"$W/bad.json"
gpg --batch --armor --export >"$W/keyring2.asc"
lc member import $L "$W/bad.json" --key "$W/keyring2.asc" >"$W/out" 2>"$W/err"
is $? 1 "a file with bad rows is refused"
like "$(cat "$W/err")" "3 of 4 rows refused, nothing was added: row 2 \(security@gmail.com\): .*gmail.com.*; row 3 \(security@good2.example\): no key of the keyring has a user ID with security@good2.example; row 4 \(security@good.example\): unknown field \"colour\", security@good.example is in the file twice" \
    "naming every failing row with its reasons"
like "$(cat "$W/out")" "^row 2 \(security@gmail.com\):" "one line per row too"
is "$(lc member ls $L | wc -l | tr -d ' ')" $N "nothing was added"
is "$(keyring_count $L)" $((keys0 + N)) "no key was imported"
like "$(lc audit $L --json | tr -d ' \n')" '"action":"memberimport".*"outcome":"refused"' "the refusal is audited"
# A keyring with a secret key among the public ones: which one is named.
_gpg --quiet --quick-gen-key "<security@sec.example>" future-default default never 2>/dev/null
{
	for _k in 1 2 3; do gpg --batch --armor --export "<security@i$_k.example>"; done
	_gpg --armor --export-secret-keys "<security@sec.example>"
	gpg --batch --armor --export "<security@good.example>"
} >"$W/secret.asc"
printf '[%s,\n%s]\n' "$(row security@good.example Good)" "$(row security@sec.example Sec)" >"$W/one.json"
lc member import $L "$W/one.json" --key "$W/secret.asc" >"$W/out" 2>"$W/err"
is $? 1 "a keyring with a secret key in it is refused"
like "$(cat "$W/err")" "row 2 \(security@sec.example\): no key of the keyring" "naming that row"
like "$(lc member import $L "$W/one.json" --key "$W/secret.asc" --json 2>/dev/null | tr -d '\n')" \
    '"keys": \[ *\{ *"key": 4, *"reason": "key 4 of [^"]*holds a secret key' \
    "and, in --json, the key refused and why"
unlike "$(lc member ls $L)" "security@good.example" "and nothing is added"
is "$(keyring_count $L)" $((keys0 + N)) "nor imported"
lc member import $L "$W/nope.json" --key "$W/keyring2.asc" 2>"$W/err"
is $? 1 "a missing file is refused"
printf '{"address": "x"}' >"$W/obj.json"
lc member import $L "$W/obj.json" --key "$W/keyring2.asc" 2>"$W/err"
like "$(cat "$W/err")" "give a JSON array \(or CSV lines\) of 1 to 10000 members" "a file that is not an array says what to give"

# ---- CSV -------------------------------------------------------------------------------
_gpg --quiet --quick-gen-key "<security@csv1.example>" future-default default never 2>/dev/null
_gpg --quiet --quick-gen-key "<psirt@csv2.example>" future-default default never 2>/dev/null
gpg --batch --armor --export "<security@csv1.example>" "<psirt@csv2.example>" >"$W/csv.asc"
printf 'address,role,org,category,installed-base,evidence,agreed\r\n' >"$W/m.csv"
printf 'security@csv1.example,member,"CSV, Inc.",vendor,500000,https://csv1.example https://csv1.example/psirt,yes\r\n' >>"$W/m.csv"
printf 'psirt@csv2.example,member,"The ""Second""",distributor,400000,https://csv2.example,true\r\n' >>"$W/m.csv"
out=$(lc member import $L "$W/m.csv" --key "$W/csv.asc" 2>&1)
is "$out" "imported 2 members into $L" "member import takes CSV too"
like "$(lc member ls $L --json | tr -d '\n')" '"org": "CSV, Inc."' "a quoted field with a comma"
like "$(lc member ls $L --json | tr -d '\n')" '"org": "The \\"Second\\""' "and doubled quotes"
like "$(lc member ls $L --json | tr -d ' \n')" '"evidence":\["https://csv1.example","https://csv1.example/psirt"\]' \
    "evidence URLs apart by blanks"
printf 'address,role\n"security@x.example,member\n' >"$W/open.csv"
lc member import $L "$W/open.csv" --key "$W/csv.asc" 2>"$W/err"
like "$(cat "$W/err")" "open.csv:2: a quoted field is not closed" "an unclosed quote is named with its line"

done_testing
