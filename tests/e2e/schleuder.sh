#!/bin/sh
# A list moved from Schleuder (issue 16): listctl list import-schleuder
# reads Schleuder's SQLite database (a fixture made here with the sqlite3
# tool, following Schleuder's db/schema.rb) and its list directory (a GnuPG
# home made here), takes the list's key and every subscription, and a post
# then reaches every imported member.  Keys made here.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
need_listd
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"

S="$W/schleuder"
DB="$S/db.sqlite"
mkdir -p "$S/lists"
# Schleuder's tables (db/schema.rb), the columns the import reads and a
# few others, as Schleuder's migrations make them.
sqlite3 "$DB" <<'SQL' || { echo "Bail out! database"; exit 1; }
CREATE TABLE "lists" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  "created_at" datetime, "updated_at" datetime, "email" varchar(255),
  "fingerprint" varchar(255), "log_level" varchar(255) DEFAULT 'warn',
  "send_encrypted_only" boolean DEFAULT 1, "language" varchar(255) DEFAULT 'en');
CREATE TABLE "subscriptions" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  "list_id" integer, "email" varchar(255), "fingerprint" varchar(255),
  "admin" boolean DEFAULT 0, "delivery_enabled" boolean DEFAULT 1,
  "created_at" datetime, "updated_at" datetime);
CREATE UNIQUE INDEX "index_subscriptions_on_email_and_list_id" ON "subscriptions" ("email", "list_id");
CREATE INDEX "index_subscriptions_on_list_id" ON "subscriptions" ("list_id");
SQL

# schleuder_list ADDRESS: a Schleuder list: its directory (a GnuPG home with
# its secret key) and its row; prints the key's fingerprint.
schleuder_list() {
	_d="$S/lists/${1#*@}/${1%@*}"
	mkdir -p "$(dirname "$_d")" && mkdir -m 700 "$_d"
	gpg --homedir "$_d" --batch --quiet --pinentry-mode loopback --passphrase '' \
	    --quick-gen-key "<$1>" future-default default never 2>/dev/null
	_f=$(gpg --homedir "$_d" --batch --with-colons --list-keys | awk -F: '/^fpr/ { print $10; exit }')
	sqlite3 "$DB" "INSERT INTO lists (email, fingerprint, created_at) VALUES ('$1', '$_f', datetime('now'));"
	echo "$_f"
}
# subscribe LIST ADDRESS ADMIN DELIVERY: a subscription with a key made here,
# in the list's keyring as Schleuder keeps it.
subscribe() {
	_f=$(genkey "<$2>")
	gpg --batch --export "$_f" | gpg --homedir "$S/lists/${1#*@}/${1%@*}" --batch --quiet --import 2>/dev/null
	sqlite3 "$DB" "INSERT INTO subscriptions (list_id, email, fingerprint, admin, delivery_enabled, created_at)
	    SELECT id, '$2', '$_f', $3, $4, datetime('now') FROM lists WHERE email = '$1';"
}

L=test@example.org
LF=$(schleuder_list $L)
ADMIN=admin@example.org
M1=security@s1.example
M2=security@s2.example
OFF=security@s3.example
subscribe $L $ADMIN 1 1
subscribe $L $M1 0 1
subscribe $L $M2 0 1
subscribe $L $OFF 0 0
gpgconf --homedir "$S/lists/example.org/test" --kill all 2>/dev/null

out=$(lc list import-schleuder $L --database "$DB" --lists-dir "$S/lists" --policy xen 2>&1)
is $? 0 "list import-schleuder moves the list"
like "$out" "imported $L from Schleuder with its key $LF and 4 subscriptions" "and says so"
like "$(lc list show $L --json | tr -d ' \n')" "\"fingerprint\":\"$LF\"" "the list keeps its Schleuder key"
ls=$(lc member ls $L)
like "$ls" "$ADMIN +admin +active" "Schleuder's admin is an admin"
like "$ls" "$M1 +member +active" "a subscriber is a member"
like "$ls" "$OFF +member +suspended" "delivery disabled: suspended"
lc member check $L >"$W/check" 2>/dev/null
is $? 1 "member check reports the imported members until their record is complete"
like "$(grep "$M1" "$W/check")" "^FAIL $M1: .*imported from Schleuder: the vendor criteria were not judged" \
    "naming why"
like "$(grep "$ADMIN" "$W/check")" "^ok" "an admin has no vendor criteria to meet"
lc member set $L $M1 --org "S1 Hosting" --category hosting-provider \
    --installed-base 400000 --evidence https://s1.example/security --agreed >"$W/out" 2>&1
is $? 0 "member set completes an imported member's record"
like "$(lc member check $L 2>/dev/null | grep "$M1")" "^ok" "which then passes member check"
unlike "$(lc member ls $L --json | jq -c ".[] | select(.address == \"$M1\")")" '"vetting"' \
    "and no longer carries the vetting mark"
lc member set $L $M2 --org "S2" --category hosting-provider --agreed 2>"$W/err"
is $? 1 "an incomplete record is still refused"
like "$(lc member ls $L --json | jq -c ".[] | select(.address == \"$M2\")")" '"vetting"' \
    "and keeps its vetting mark"

# A post reaches every imported member.
import_list_key $L
add_member $L alice@xenproject.example team || { echo "Bail out! team"; exit 1; }
start_sink || { echo "Bail out! smtp-sink"; exit 1; }
post_advisory alice@xenproject.example $L post XSA-950 1 7
for a in $ADMIN $M1 $M2; do
	like "$(decrypted_for $a)" "Xen Security Advisory XSA-950 revision 1" "$a receives the post"
done
is "$(copies_to $OFF)" 0 "the suspended one does not"

# ---- all or nothing ----------------------------------------------------------------
B=broken@example.org
schleuder_list $B >/dev/null
subscribe $B security@s4.example 0 1
sqlite3 "$DB" "INSERT INTO subscriptions (list_id, email, fingerprint, admin, delivery_enabled)
    SELECT id, 'security@gone.example', 'ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD', 0, 1 FROM lists WHERE email = '$B';"
gpgconf --homedir "$S/lists/example.org/broken" --kill all 2>/dev/null
lc list import-schleuder $B --database "$DB" --lists-dir "$S/lists" --policy xen >/dev/null 2>"$W/err"
is $? 1 "a subscription whose key is missing refuses the move"
like "$(cat "$W/err")" "row 1 \(security@gone.example\): key ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD is not in the keyring" \
    "naming it"
unlike "$(lc list ls)" "$B" "and the list is not created"
ok "nor its directory" test ! -d "$DATA/lists/$B"
lc list import-schleuder nosuch@example.org --database "$DB" --lists-dir "$S/lists" --policy xen 2>"$W/err"
like "$(cat "$W/err")" "has no list nosuch@example.org" "an unknown list is named"

# ---- a list made by Debian's schleuder package, where it is installed ------------------
if command -v schleuder >/dev/null 2>&1 && command -v ruby >/dev/null 2>&1 &&
    ruby -e 'require "schleuder"' 2>/dev/null; then
	R="$W/real"
	mkdir -p "$R/lists/example.net" "$R/logs"
	{
		printf 'lists_dir: %s/lists\nlistlogs_dir: %s/logs\n' "$R" "$R"
		printf 'keyword_handlers_dir: %s/kh\nfilters_dir: %s/filters\n' "$R" "$R"
		printf 'log_level: warn\nkeyserver:\nsuperadmin: root@localhost\n'
		printf 'database:\n  production:\n    adapter: sqlite3\n'
		printf '    database: %s/db.sqlite\n    timeout: 5000\n' "$R"
	} >"$R/schleuder.yml"
	RL=real@example.net
	# Schleuder takes the list key it finds in the list directory (an
	# ed25519 key made here is quicker than the RSA key it would make).
	mkdir -m 700 "$R/lists/example.net/real"
	gpg --homedir "$R/lists/example.net/real" --batch --quiet --pinentry-mode loopback \
	    --passphrase '' --quick-gen-key "<$RL>" future-default default never 2>/dev/null
	for a in admin@example.net security@r1.example security@r2.example; do
		genkey "<$a>" >/dev/null
	done
	{
		printf 'require "schleuder"\n'
		printf 'k = lambda { |a| File.read("%s/keys/#{a}.asc") }\n' "$W"
		printf 'list, msg = Schleuder::ListBuilder.new({email: "%s"}, "admin@example.net", nil, k.call("admin@example.net")).run\n' "$RL"
		printf 'raise "list: #{list.errors.full_messages}" unless list.errors.empty?\n'
		printf 'list.subscribe("security@r1.example", nil, false, true, k.call("security@r1.example"))\n'
		printf 'list.subscribe("security@r2.example", nil, false, true, k.call("security@r2.example"))\n'
	} >"$R/make.rb"
	(export SCHLEUDER_CONFIG="$R/schleuder.yml" SCHLEUDER_ENV=production \
	    SCHLEUDER_LIST_DEFAULTS=/etc/schleuder/list-defaults.yml &&
	    cd "$R" && schleuder install && ruby "$R/make.rb") >"$R/out" 2>&1
	is $? 0 "Debian's schleuder made a list"
	gpgconf --homedir "$R/lists/example.net/real" --kill all 2>/dev/null
	lc list import-schleuder $RL --database "$R/db.sqlite" --lists-dir "$R/lists" \
	    --policy xen >/dev/null 2>"$W/err"
	is $? 0 "list import-schleuder moves it"
	like "$(lc member ls $RL | tr '\n' ' ')" "admin@example.net +admin .*security@r1.example +member .*security@r2.example +member" \
	    "with its admin and subscribers"
	import_list_key $RL
	add_member $RL alice@xenproject.example team
	post_advisory alice@xenproject.example $RL real XSA-951 1 7
	for a in admin@example.net security@r1.example security@r2.example; do
		like "$(decrypted_for $a)" "XSA-951 revision 1" "$a receives a post"
	done
else
	ok 1 "# SKIP Debian's schleuder package is not installed"
fi

done_testing
