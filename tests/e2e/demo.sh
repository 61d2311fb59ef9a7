#!/bin/sh
# The README's demo runs and shows what it promises.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

out=$(sh "$top_srcdir/contrib/demo.sh" "$LISTCTL" "$top_srcdir/policy" 2>&1)
is $? 0 "the demo runs"
like "$out" "created list xen-security-predisclosure@lists.example.org" "it creates the list"
is "$(printf '%s\n' "$out" | grep -c '^added ')" 3 "it adds three vendors"
is "$(printf '%s\n' "$out" | grep -c '^listctl: member add: .* refused:')" 2 "it shows two refusals"
like "$out" "john.doe@gmail.com refused: .*free-mail" "one for a free-mail personal address"
like "$out" "security@tinyhost.example refused: .*300000" "one below the installed base"
is "$(printf '%s\n' "$out" | grep -c ' member  *active ')" 3 "the member list shows three"

done_testing
