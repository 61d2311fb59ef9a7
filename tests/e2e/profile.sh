#!/bin/sh
# Malformed profiles are refused with file:line, and nothing is created.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

sed 's/^\(\s*\)min-installed-base/\1min-installd-base/' "$top_srcdir/policy/xen.conf" >"$W/typo.conf"
line=$(grep -n 'min-installd-base' "$W/typo.conf" | cut -d: -f1)
lc list create a@lists.example.org --policy "$W/typo.conf" 2>"$W/err"
is $? 1 "a profile with an unknown key is refused"
like "$(cat "$W/err")" "^listctl: list create: policy refused: $W/typo.conf:$line: .*min-installd-base" \
    "with file:line and the key"
ok "the list was not created" test ! -e "$DATA/lists/a@lists.example.org"

sed 's/^\(\s*\)max-days *= *[0-9]*/\1max-days = "two weeks"/' "$top_srcdir/policy/xen.conf" >"$W/type.conf"
line=$(grep -n 'two weeks' "$W/type.conf" | cut -d: -f1)
lc list create b@lists.example.org --policy "$W/type.conf" 2>"$W/err"
is $? 1 "a profile with a wrong type is refused"
like "$(cat "$W/err")" "type.conf:$line: " "with file:line"

sed 's/^\(\s*\)max-extended-days *= *[0-9]*/\1max-extended-days = 7/' "$top_srcdir/policy/xen.conf" >"$W/contra.conf"
lc list create c@lists.example.org --policy "$W/contra.conf" 2>"$W/err"
is $? 1 "a profile whose extended embargo is shorter than the normal one is refused"
like "$(cat "$W/err")" "contra.conf:[0-9]+: .*max-extended-days" "with file:line and what is wrong"
unlike "$(lc list ls)" "lists.example.org" "no list was created by any of them"

# A list's own copy of its profile is what later commands read.
lc list create d@lists.example.org --policy xen >/dev/null
echo "bogus-setting = 1" >>"$DATA/lists/d@lists.example.org/policy.conf"
add_member d@lists.example.org security@vendor.example team 2>"$W/err"
is $? 1 "a member add under a broken list profile is refused"
like "$(cat "$W/err")" "policy.conf:[0-9]+: .*bogus-setting" "and names the line"
is "$(lc member ls d@lists.example.org)" "" "nothing was added"

done_testing
