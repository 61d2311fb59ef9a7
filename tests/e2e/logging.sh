#!/bin/sh
# Logging: listd -f logs every step of a post's life and of a bounce, one
# line per event in a stable key=value shape, and never a subject, a body,
# a patch or a report: canaries put in each appear in no log line.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_daemon_parts

vendor_list 2
R=reporter@outside.example
echo 'verbose = true' >>"$CONF"	# detail, and still no secret

C_SUBJECT=subject-canary-7f3e1
C_BODY=body-canary-0b9d2
C_PATCH=patch-canary-55c1a
C_REPORT=report-canary-e81f4
C_DIAG=diagnostic-canary-3a6d

start_listd || bail_out listd
advisory "$W/adv.txt" XSA-9 1 7 "" 
printf '%s\n' "$C_BODY" >>"$W/adv.txt"
PATCH_LINE=$C_PATCH mail_pgpmime $T $T $L "$C_SUBJECT" "$W/adv.txt" >"$W/adv.eml"
out=$(lmtp --from $T $L <"$W/adv.eml")
like "$out" "250 2.0.0 .* committed" "the advisory is taken over LMTP"
ok "its copies are delivered" waitfor "$LOG" "event=post-done .*sent=4 " 60
printf 'A flaw: %s\n' "$C_REPORT" >"$W/report.txt"
mail_plain $R $L "report $C_REPORT" "$W/report.txt" >"$W/report.eml"
lc inject $L --sender $R <"$W/report.eml"
ok "a report, injected, is held (logged)" waitfor "$LOG" "event=decision .*decision=hold reason=unsigned" 30
kill -HUP $LISTD_PID	# a nudge: inject does not wake listd

V1=security@v1.example
mail_dsn "$W/dsn.eml" "$(sender_for $V1)" $V1 failed 5.1.1
sed -i "s/User unknown/User unknown $C_DIAG/" "$W/dsn.eml"
out=$(lmtp --from '' "$(sender_for $V1)" <"$W/dsn.eml")
like "$out" "250 2.0.0 .* committed" "a report about V1's copy is taken"
ok "and marks the copy bounced" waitfor "$LOG" "event=copy .*member=$V1 state=bounced" 30
stop_listd
is "$STATUS" 0 "listd stops"

cp "$LOG" "$W/listd.log.keep"
events=$(grep 'event=' "$LOG")
P=$(printf '%s\n' "$events" | sed -n 's/.*event=decision id=\([^ ]*\) .*decision=deliver.*/\1/p;s/.*event=decision id=\([^ ]*\) .*decision=distribute.*/\1/p' | head -1)
ok "the post has an id in the log" test -n "$P"
for step in "event=intake id=$P list=$L to=post size=[0-9]+ sender=$T via=lmtp" \
    "event=decision id=$P list=$L decision=[a-z-]+ reason=- copies=4" \
    "event=encrypt list=$L post=$P copies=4 skipped=0 state=encrypted" \
    "event=copy list=$L post=$P member=security@v1.example state=sent attempt=1 next=0 reply=\"250 2.0.0 Ok: queued as [0-9]+\" keyid=[0-9A-F]{16}" \
    "event=post-done list=$L post=$P sent=4 failed=0 skipped=0" \
    "event=intake id=[^ ]+ list=$L to=bounces size=[0-9]+ sender=<> via=lmtp" \
    "event=report id=[^ ]+ list=$L kind=failed status=5.1.1 how=rfc3464 copy=found" \
    "event=copy list=$L post=$P member=$V1 state=bounced status=5.1.1" \
    "event=notice list=$L post=notice-[^ ]+ state=encrypted copies=1"; do
	like "$events" "$step" "logged: ${step%% *}"
done
bad=$(printf '%s\n' "$events" | grep -Ev '^listd: event=[a-z-]+( [a-z-]+=([^ "]+|"([^"\\]|\\.)*"))*$')
is "$bad" "" "every event line is key=value"
unlike "$(cat "$W"/listd.*.log)" "$C_SUBJECT|$C_BODY|$C_PATCH|$C_REPORT|$C_DIAG" \
    "no subject, body, patch, report or diagnostic in any log line"
like "$(told $V1)" "$C_PATCH" "(the canaries did reach the members, encrypted)"

done_testing
