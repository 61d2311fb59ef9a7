#!/bin/sh
# The README's demo runs and shows what it promises.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

[ -x "$top_builddir/tests/smtp-sink" ] || skip_all "smtp-sink not built"
out=$(sh "$top_srcdir/contrib/demo.sh" "$top_builddir" "$top_srcdir/policy" 2>&1)
is $? 0 "the demo runs"
like "$out" "created list xen-security-predisclosure@lists.example.org" "it creates the list"
is "$(printf '%s\n' "$out" | grep -c '^added ')" 4 "it adds three vendors and a team member"
is "$(printf '%s\n' "$out" | grep -c '^listctl: member add: .* refused:')" 2 "it shows two refusals"
like "$out" "john.doe@gmail.com refused: .*free-mail" "one for a free-mail personal address"
like "$out" "security@tinyhost.example refused: .*300000" "one below the installed base"
is "$(printf '%s\n' "$out" | grep -c ' member  *active ')" 3 "the member list shows three vendors"
like "$out" "The sink received 4 copies, one per member" "the advisory goes out to each member"
like "$out" "^Subject: \[\.\.\.\]" "encrypted, with a neutral outer Subject"
like "$out" "only its own session key packet: 1 PKESK" "with one key packet per copy"
like "$out" "^Subject: XSA-999: guest takes over its host" "and comes back decrypted with the real Subject"
like "$out" "a guest can take over its host" "and the advisory text"
like "$out" "list signature: Good signature from .*xen-security-predisclosure" "signed by the list"

done_testing
