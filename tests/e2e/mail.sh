# tests/e2e/mail.sh: mail made here in the forms clients send, signed and
# encrypted with keys made here, and read back as a member's client would
# (sourced by lib.sh; its scratch files are in $W).

# embargo_in DAYS: an Embargo: value DAYS days after the test started (to
# the minute), so that revisions written a minute apart with the same DAYS
# carry the same date.
_mail_t0=$(date +%s)
embargo_in() {
	date -u -d "@$((_mail_t0 + $1 * 86400))" '+%Y-%m-%d %H:%M UTC'
}
# advisory FILE ID REVISION [DAYS|+SECONDS|none] [MORE KEYWORD LINES...]: a
# body with the advisory keywords, embargoed DAYS (default 7) days ahead.
advisory() {
	_f=$1 _id=$2 _rev=$3 _days=${4:-7}
	shift $(($# < 4 ? 3 : 4))
	{
		printf 'Advisory: %s\nRevision: %s\n' "$_id" "$_rev"
		if [ "$_days" = none ]; then
			printf 'Embargo: none\n'
		elif [ "${_days#+}" != "$_days" ]; then	# +S: S seconds ahead
			printf 'Embargo: %s\n' "$(date -u -d "@$(($(date +%s) + ${_days#+}))" \
			    '+%Y-%m-%d %H:%M:%S UTC')"
		else
			printf 'Embargo: %s\n' "$(embargo_in "$_days")"
		fi
		printf 'CVE: CVE-2026-0001\n'
		for _kwline in "$@"; do printf '%s\n' "$_kwline"; done
		printf '\nXen Security Advisory %s revision %s: the details.\n' "$_id" "$_rev"
	} >"$_f"
}

# advisory_text FILE ID REVISION EMBARGO [MORE LINES...]: a body with the
# advisory keywords and the Embargo: value as given, no CVE: unless given.
advisory_text() {
	_at_f=$1 _at_id=$2 _at_rev=$3 _at_emb=$4
	shift 4
	{
		printf 'Advisory: %s\nRevision: %s\nEmbargo: %s\n' "$_at_id" \
		    "$_at_rev" "$_at_emb"
		for _kwline in "$@"; do printf '%s\n' "$_kwline"; done
		printf '\nXen Security Advisory %s revision %s: the details.\n' \
		    "$_at_id" "$_at_rev"
	} >"$_at_f"
}

# GPG_AT: a faketime offset (+2d, +3600) at which gpg runs, or "" for now.
GPG_AT=
gpg() {
	if [ -n "$GPG_AT" ]; then
		faketime -f "$GPG_AT" gpg "$@"
	else
		command gpg "$@"
	fi
}

# post_file SIGNER LIST NAME [FAKETIME]: SIGNER posts $W/NAME.txt to LIST,
# PGP/MIME-signed with the subject NAME, and listd does what is due; both
# at FAKETIME (e.g. +9d) when it is given.
post_file() {
	GPG_AT=${4:-}
	mail_pgpmime "$1" "$1" "$2" "$3" "$W/$3.txt" >"$W/$3.eml"
	GPG_AT=
	lc inject "$2" <"$W/$3.eml"
	if [ -n "${4:-}" ]; then
		listd_at "$4" >/dev/null 2>&1
	else
		listd_once >/dev/null 2>&1
	fi
}

_mail_head() {	# _mail_head FROM TO SUBJECT
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Sun, 22 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@test.example>\nMIME-Version: 1.0\n' \
	    "$1" "$2" "$3" "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
}

# mail_plain FROM TO SUBJECT BODYFILE
mail_plain() {
	_mail_head "$1" "$2" "$3"
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	cat "$4"
}

# mail_pgpmime SIGNER FROM TO SUBJECT BODYFILE: RFC 3156 multipart/signed,
# with a patch attachment ($PATCH_LINE its added line, "fix" by default;
# the file $PATCH_FILE instead when set), signed over the CRLF form of the
# first part, which is left in $W/part.
mail_pgpmime() {
	_b="sig-$$-boundary"
	{
		printf 'Content-Type: multipart/mixed; boundary="inner-%s"\n\n' "$_b"
		printf -- '--inner-%s\nContent-Type: text/plain; charset=utf-8\n\n' "$_b"
		cat "$5"
		printf -- '--inner-%s\nContent-Type: text/x-diff; name="fix.patch"\n' "$_b"
		printf 'Content-Disposition: attachment; filename="fix.patch"\n\n'
		if [ -n "${PATCH_FILE:-}" ]; then
			cat "$PATCH_FILE"
		else
			printf -- '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-bug\n+%s\n' \
			    "${PATCH_LINE:-fix}"
		fi
		printf -- '--inner-%s--\n' "$_b"
	} >"$W/part"
	sed 's/$/\r/' "$W/part" >"$W/part.crlf"
	gpg --batch --yes --armor --local-user "$1" --detach-sign \
	    -o "$W/part.sig" "$W/part.crlf" 2>/dev/null
	_mail_head "$2" "$3" "$4"
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256;\n protocol="application/pgp-signature"; boundary="%s"\n\n' "$_b"
	printf -- '--%s\n' "$_b"
	cat "$W/part"
	printf -- '\n--%s\nContent-Type: application/pgp-signature; name="signature.asc"\n\n' "$_b"
	cat "$W/part.sig"
	printf -- '\n--%s--\n' "$_b"
}

# post_advisory SIGNER LIST NAME ID REV [DAYS|none] [KEYWORDS...]: SIGNER
# posts a revision of an advisory (advisory above, in $W/NAME.txt) to LIST,
# PGP/MIME-signed with the subject NAME, and listd does what is due.
post_advisory() {
	_pa_signer=$1 _pa_list=$2 _pa_name=$3
	shift 3
	advisory "$W/$_pa_name.txt" "$@"
	mail_pgpmime "$_pa_signer" "$_pa_signer" "$_pa_list" "$_pa_name" \
	    "$W/$_pa_name.txt" >"$W/$_pa_name.eml"
	lc inject "$_pa_list" <"$W/$_pa_name.eml"
	listd_once >/dev/null 2>&1
}

# signed_part DECRYPTED: the signed part of the multipart/signed that
# mail_pgpmime made, as it is in a member's decrypted copy: what $W/part
# was when it was signed.
signed_part() {
	_sp_b=$(sed -n 's/.*boundary="\{0,1\}\(sig-[^";]*\).*/\1/p' "$1" | head -n 1)
	awk -v b="$_sp_b" '$0 == "--" b { n++; next } n == 1' "$1" | sed '$d'
}

# mail_clearsigned SIGNER FROM TO SUBJECT BODYFILE: inline PGP.
mail_clearsigned() {
	_mail_head "$2" "$3" "$4"
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	gpg --batch --local-user "$1" --clearsign <"$5" 2>/dev/null
}

# mail_encrypted SIGNER RECIPIENT-KEY FROM TO SUBJECT BODYFILE: RFC 3156
# multipart/encrypted, signed and encrypted in one (SIGNER "" for unsigned).
mail_encrypted() {
	{
		printf 'Content-Type: text/plain; charset=utf-8\n\n'
		cat "$6"
	} >"$W/inner"
	mail_encrypt_entity "$1" "$2" "$3" "$4" "$5" "$W/inner"
}

# mail_encrypt_entity SIGNER RECIPIENT-KEY FROM TO SUBJECT ENTITYFILE:
# encrypts a MIME entity as it is (SIGNER "" to leave it unsigned).
mail_encrypt_entity() {
	if [ -n "$1" ]; then
		gpg --batch --yes --armor --trust-model always --local-user "$1" \
		    --recipient "$2" --sign --encrypt -o "$W/inner.asc" "$6" 2>/dev/null
	else
		gpg --batch --yes --armor --trust-model always --recipient "$2" \
		    --encrypt -o "$W/inner.asc" "$6" 2>/dev/null
	fi
	_mail_head "$3" "$4" "$5"
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\n boundary="enc-%s"\n\n' "$$"
	printf -- '--enc-%s\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n' "$$"
	printf -- '--enc-%s\nContent-Type: application/octet-stream\n\n' "$$"
	cat "$W/inner.asc"
	printf -- '\n--enc-%s--\n' "$$"
}

# verify_signed_copy FILE: checks the list's signature over the signed part
# of a multipart/signed copy, as a mail client would.
verify_signed_copy() {
	_b=$(sed -n 's/.*boundary="\{0,1\}\([^";]*\).*/\1/p' "$1" | head -n 1)
	tr -d '\r' <"$1" | awk -v b="$_b" '$0 == "--" b { n++; next } n == 1' |
	    sed '$d' | sed 's/$/\r/' >"$W/signed-part"
	tr -d '\r' <"$1" | awk -v b="$_b" '$0 == "--" b { n++; next } n == 2' |
	    awk '/-----BEGIN PGP SIGNATURE-----/,/-----END PGP SIGNATURE-----/' \
	    >"$W/signed-part.sig"
	gpg --batch --verify "$W/signed-part.sig" "$W/signed-part" 2>/dev/null
}


# decrypt FILE: what an encrypted copy holds, decrypted with the test's keys.
decrypt() {
	awk '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/' "$1" |
	    tr -d '\r' | gpg --batch --decrypt 2>/dev/null
}

# mail_dsn FILE TO RCPT ACTION STATUS: a delivery report as Postfix writes
# one, to TO (a copy's return address) about RCPT, from the list $L.
mail_dsn() {
	cat >"$1" <<EOD
Return-Path: <>
From: MAILER-DAEMON@relay.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: $2
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4F2A81C0.1795860000/relay.example"
Message-Id: <20261128120000.4F2A81C0@relay.example>

This is a MIME-encapsulated message.

--4F2A81C0.1795860000/relay.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host relay.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

                   The mail system

<$3>: host mx.example[192.0.2.1] said: 550 5.1.1 <$3>: Recipient
    address rejected: User unknown (in reply to RCPT TO command)

--4F2A81C0.1795860000/relay.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example
X-Postfix-Queue-ID: 4F2A81C0
X-Postfix-Sender: rfc822; $2
Arrival-Date: Sat, 28 Nov 2026 12:00:00 +0000 (UTC)

Final-Recipient: rfc822; $3
Original-Recipient: rfc822;$3
Action: $4
Status: $5
Remote-MTA: dns; mx.example
Diagnostic-Code: smtp; 550 $5 <$3>: Recipient address rejected: User
    unknown

--4F2A81C0.1795860000/relay.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Subject: [...]
From: ${L:-list@example.org}

--4F2A81C0.1795860000/relay.example--
EOD
}
