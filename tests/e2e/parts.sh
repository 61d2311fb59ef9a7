#!/bin/sh
# Signed means all of it (issue 12): a post whose good team signature does
# not cover every part that would go to members is held as unsigned-parts,
# naming them; attachments each signed on their own by the same key (as
# Enigmail's inline mode sends them: file.sig beside the file) go with the
# signed text, intact.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd

L=xen-pre@lists.example.org
A=alice@xenproject.example
M=security@v1.example
new_list $L xen $A team $M team || { echo "Bail out! list"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
# held_as SUBJECT: the held line of the message with SUBJECT.
held_as() { lc held ls $L | awk -F'\t' -v s="$1" '$4 == s'; }
printf -- '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-bug\n+PATCH-LINE-fix\n' >"$W/fix.patch"
printf 'SIGNED-TEXT: apply the patch.\n' >"$W/text"
gpg --batch --local-user $A --clearsign <"$W/text" >"$W/text.asc" 2>/dev/null

# mixed SUBJECT TEXTFILE [FILE...]: multipart/mixed, the text inline and
# each FILE attached (base64).
mixed() {
	_subj=$1 _text=$2
	shift 2
	_mail_head $A $L "$_subj"
	printf 'Content-Type: multipart/mixed; boundary="mix"\n\n--mix\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	cat "$_text"
	for _f in "$@"; do
		printf -- '--mix\nContent-Type: application/octet-stream; name="%s"\n' \
		    "${_f##*/}"
		printf 'Content-Disposition: attachment; filename="%s"\n' "${_f##*/}"
		printf 'Content-Transfer-Encoding: base64\n\n'
		base64 "$_f"
	done
	printf -- '--mix--\n'
}

# ---- an old client: clearsigned text, an unsigned patch beside it --------------
before=$(copies_to $M)
mixed "inline with patch" "$W/text.asc" "$W/fix.patch" | lc inject $L >/dev/null
listd_once
is "$(copies_to $M)" "$before" "clearsigned text with an unsigned attachment is not sent"
like "$(held_as "inline with patch")" "unsigned-parts" "it is held as unsigned-parts"
like "$(lc held show $L "$(held_as "inline with patch" | cut -f1)")" "fix\.patch" \
    "the reason names the part"
told=$(decrypt "$(copy_for $A)")
like "$told" "Your post .* was held" "the poster is told, encrypted to its key"
like "$told" "unsigned-parts: .*fix\.patch" "with the reason and the part"

# ---- Enigmail's inline mode: the patch signed on its own ------------------------
gpg --batch --yes --local-user $A --detach-sign -o "$W/fix.patch.sig" \
    "$W/fix.patch" 2>/dev/null
before=$(copies_to $M)
mixed "inline with signed patch" "$W/text.asc" "$W/fix.patch" "$W/fix.patch.sig" |
    lc inject $L >/dev/null
listd_once
is "$(copies_to $M)" $((before + 1)) "with fix.patch.sig by the same key it goes out"
got=$(decrypt "$(copy_for $M)")
like "$got" "SIGNED-TEXT: apply the patch" "with the signed text"
like "$got" "filename=\"?fix\.patch\"?" "and the patch attached"
printf '%s\n' "$got" | awk '
	/filename="?fix\.patch"?$/ { f = 1; next }
	f == 1 && /^$/ { f = 2; next }
	f == 2 && /^--/ { exit }
	f == 2' | base64 -d 2>/dev/null >"$W/got.patch"
ok "the patch arrives intact" cmp -s "$W/got.patch" "$W/fix.patch"

# A patch signed by someone else's key does not count.
genkey "Eve <eve@elsewhere.example>" >/dev/null
mkdir -p "$W/other"
gpg --batch --yes --local-user eve@elsewhere.example --detach-sign \
    -o "$W/other/fix.patch.sig" "$W/fix.patch" 2>/dev/null
before=$(copies_to $M)
mixed "signed by another" "$W/text.asc" "$W/fix.patch" "$W/other/fix.patch.sig" |
    lc inject $L >/dev/null
listd_once
is "$(copies_to $M)" "$before" "a patch signed by another key is not sent"
like "$(held_as "signed by another")" "unsigned-parts" "held as unsigned-parts"

# ---- a multipart/signed with an unsigned part beside it -------------------------
printf 'MIME-SIGNED\n' >"$W/body"
mail_pgpmime $A $A $L "x" "$W/body" | sed -n '/^Content-Type: multipart\/signed/,$p' \
    >"$W/signed-entity"
{
	_mail_head $A $L "signed beside footer"
	printf 'Content-Type: multipart/mixed; boundary="outer"\n\n--outer\n'
	cat "$W/signed-entity"
	printf -- '--outer\nContent-Type: text/plain\n\nFOOTER added on the way\n--outer--\n'
} | lc inject $L >/dev/null
before=$(copies_to $M)
listd_once
is "$(copies_to $M)" "$before" "an unsigned part beside a multipart/signed is not sent"
like "$(held_as "signed beside footer")" "unsigned-parts" "held as unsigned-parts"

# ---- a greeting before the clearsigned block ------------------------------------
{ printf 'Hi all, GREETING outside\n\n'; cat "$W/text.asc"; } >"$W/greet"
mail_plain $A $L "greeting" "$W/greet" | lc inject $L >/dev/null
before=$(copies_to $M)
listd_once
is "$(copies_to $M)" "$before" "text before the signed block holds the post"
like "$(held_as greeting)" "unsigned-parts" "as unsigned-parts"

# ---- every hold of a team member's post tells the poster ---------------------
a0=$(copies_to $A)
printf 'Advisory: XSA-900\nRevision: 1\nEmbargo: someday soon\n\nDetails.\n' \
    >"$W/kw"
mail_pgpmime $A $A $L "bad keywords" "$W/kw" | lc inject $L >/dev/null
listd_once
like "$(held_as "bad keywords")" "keywords" "a malformed keyword block is held"
is "$(copies_to $A)" $((a0 + 1)) "and its poster is told"
like "$(decrypt "$(copy_for $A)")" "keywords: " "why"
done_testing
