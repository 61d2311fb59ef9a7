/*
 * tests/unit/test_keys.c: keys/ with the real gpgme and gpg, on a GnuPG home
 * made for the test, against the corpus's keys with real defects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "policy/policy.h"
#include "tap.h"

static char dir[] = "/tmp/pdlist-keys.XXXXXX";
static char corpus[1024];
static struct policy *xen;

static int
blob(const char *name, struct keys_blob *b)
{
	char path[1200];
	struct pd_err err;

	snprintf(path, sizeof path, "%s/keys/%s", corpus, name);
	return keys_blob_read(path, b, &err);
}

static bool
any_encrypt(const struct keyfacts *kf, time_t now)
{
	size_t i;

	for (i = 0; i < kf->nsub; i++)
		if (kf->sub[i].can_encrypt && !kf->sub[i].revoked &&
		    (kf->sub[i].expires == 0 || kf->sub[i].expires > now))
			return true;
	return false;
}

/*
 * Admission (pol_check_key, with the key's own address) and delivery
 * (pol_key_usable) on a key gpg read: both refuse it, for rule want, or
 * with want -1 both take it.
 */
static void
both_judge(const struct keyfacts *kf, int want, const char *what)
{
	struct pol_verdict adm, dlv;
	time_t now = time(NULL);
	bool a, d;

	pol_verdict_init(&adm);
	pol_check_key(kf, kf->nuid > 0 ? kf->uid[0].email : NULL, xen, now,
	    &adm);
	pol_verdict_init(&dlv);
	pol_key_usable(kf, xen, now, &dlv);
	if (want < 0) {
		a = adm.allow && adm.enc_subkey > 0;
		d = dlv.n == 0 && dlv.enc_subkey == adm.enc_subkey;
	} else {
		a = !adm.allow && adm.reason[0].rule == (enum pol_rule)want &&
		    adm.enc_subkey == -1;
		d = dlv.n == 1 && dlv.reason[0].rule == (enum pol_rule)want &&
		    dlv.enc_subkey == -1;
	}
	ok(a, "%s: admission %s (%s)", what, want < 0 ? "takes it" :
	    "refuses it", adm.n > 0 ? adm.reason[0].text : "allowed");
	ok(d, "%s: delivery %s (%s)", what, want < 0 ? "takes it" :
	    "refuses it", dlv.n > 0 ? dlv.reason[0].text : "usable");
}

/* File path's text into buf (at most cap - 1 bytes); "" when unreadable. */
static const char *
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) == EOF)
		diag("cannot write %s", path);
}

static void
test_list_key(void)
{
	char home[1100], path[1200], conf[256], fpr[41], *sealed;
	struct pd_err err = { 0 };
	size_t sealed_len;
	struct keyfacts kf = { 0 };
	struct keys *k;
	struct stat sb;

	snprintf(home, sizeof home, "%s/gen", dir);
	ok(keys_open(home, 1, &k, &err) == 0, "create a GnuPG home: %s", err.text);
	ok(stat(home, &sb) == 0 && (sb.st_mode & 0777) == 0700, "mode 0700");
	ok(keys_generate_list_key(k, "list@lists.example", fpr, &err) == 0,
	    "generate a list key: %s", err.text);
	ok(strlen(fpr) == 40, "a v4 fingerprint: %s", fpr);
	ok(keys_facts(k, fpr, &kf, &err) == 0, "the key is in the keyring");
	is_str(kf.sub[0].algo, "ed25519", "primary is ed25519");
	ok(kf.sub[0].can_sign && !kf.sub[0].can_encrypt, "primary signs only");
	ok(kf.nsub == 2 && strcmp(kf.sub[1].algo, "cv25519") == 0 &&
	    kf.sub[1].can_encrypt, "a cv25519 encryption subkey");
	ok(kf.sub[0].expires == 0 && kf.sub[1].expires == 0, "no expiry");
	ok(kf.secret == false && kf.nuid == 1 &&
	    strcmp(kf.uid[0].email, "list@lists.example") == 0,
	    "user ID is the list address");
	keyfacts_clear(&kf);
	keys_close(k);
	ok(keys_open(home, 0, &k, &err) == 0, "open it again: %s", err.text);
	ok(keys_seal(k, fpr, "x", 1, true, &sealed, &sealed_len, &err) == 0,
	    "seal to the key: %s", err.text);
	free(sealed);
	keys_close(k);
	snprintf(path, sizeof path, "%s/gpg.conf", home);
	is_str(slurp(path, conf, sizeof conf), "no-random-seed-file\n",
	    "gpg.conf says no-random-seed-file, once: no 250 ms sleeps when "
	    "two gpg runs meet on random_seed's lock");
	snprintf(path, sizeof path, "%s/random_seed", home);
	ok(access(path, F_OK) == -1 && errno == ENOENT,
	    "and gpg honours it: making a key and sealing left no random_seed");
	keys_stop_agent(home);

	snprintf(home, sizeof home, "%s/own", dir);
	snprintf(path, sizeof path, "%s/gpg.conf", home);
	mkdir(home, 0700);
	write_text(path, "keyid-format long");
	ok(keys_open(home, 0, &k, &err) == 0, "a home with a gpg.conf of its own");
	keys_close(k);
	is_str(slurp(path, conf, sizeof conf),
	    "keyid-format long\nno-random-seed-file\n",
	    "keeps it, with the line added after it");

	snprintf(home, sizeof home, "%s/open", dir);
	mkdir(home, 0755);
	ok(keys_open(home, 0, &k, &err) == -1 && strstr(err.text, "chmod 700"),
	    "a home open to others is refused");
}

static void
test_corpus(void)
{
	struct keys_blob b = { 0 }, two = { 0 }, b2 = { 0 };
	struct keyfacts kf = { 0 }, *all = NULL;
	size_t nall = 0;
	struct pd_err err = { 0 };
	char home[1100], fpr[41], fpr2[41];
	struct keys *k;
	time_t now = time(NULL);

	snprintf(home, sizeof home, "%s/corpus", dir);
	if (keys_open(home, 1, &k, &err) == -1) {
		ok(0, "open: %s", err.text);
		return;
	}
	blob("expired_key.txt", &b);
	ok(keys_inspect(k, &b, &kf, &err) == 0 && kf.nsub == 2 &&
	    kf.sub[1].can_encrypt && kf.sub[1].expires != 0 &&
	    kf.sub[1].expires < now, "expired_key: encryption subkey expired");
	both_judge(&kf, POL_R_KEY_EXPIRED, "expired_key");
	keyfacts_clear(&kf);
	keys_blob_free(&b);

	blob("revoked_key.txt", &b);
	ok(keys_inspect(k, &b, &kf, &err) == 0 && (kf.revoked || kf.sub[0].revoked),
	    "revoked_key: revoked");
	both_judge(&kf, POL_R_KEY_REVOKED, "revoked_key");
	keyfacts_clear(&kf);
	keys_blob_free(&b);

	blob("signonly_key.txt", &b);
	ok(keys_inspect(k, &b, &kf, &err) == 0 && !any_encrypt(&kf, now),
	    "signonly_key: nothing can encrypt");
	both_judge(&kf, POL_R_KEY_NO_ENCRYPT, "signonly_key");
	keyfacts_clear(&kf);
	keys_blob_free(&b);

	blob("partially_expired_key.txt", &b);
	ok(keys_inspect(k, &b, &kf, &err) == 0 && !any_encrypt(&kf, now) &&
	    !kf.sub[0].revoked && kf.sub[0].expires == 0,
	    "partially_expired_key: primary valid, encryption subkey expired");
	both_judge(&kf, POL_R_KEY_NO_ENCRYPT, "partially_expired_key");
	keyfacts_clear(&kf);
	keys_blob_free(&b);

	blob("example_key.txt", &b);
	if (!ok(keys_inspect(k, &b, &kf, &err) == 0, "inspect example_key: %s",
	    err.text))
		return;
	ok(any_encrypt(&kf, now) && kf.sub[0].bits >= 2048 &&
	    strcmp(kf.sub[0].algo, "rsa") == 0,
	    "example_key: usable RSA key (%s%u)", kf.sub[0].algo, kf.sub[0].bits);
	both_judge(&kf, -1, "example_key");
	snprintf(fpr, sizeof fpr, "%s", kf.sub[0].fpr);
	keyfacts_clear(&kf);
	ok(keys_facts(k, fpr, &kf, &err) == -1 && err.status == PD_REFUSED,
	    "inspecting imports nothing");

	blob("expiring_key.txt", &b2);
	two.len = b.len + b2.len;
	two.data = malloc(two.len);
	memcpy(two.data, b.data, b.len);
	memcpy(two.data + b.len, b2.data, b2.len);
	snprintf(two.name, sizeof two.name, "two.asc");
	ok(keys_inspect(k, &two, &kf, &err) == -1 && err.status == PD_REFUSED,
	    "a file with two keys is refused");
	like(err.text, "holds 2 keys", "and says so");
	ok(keys_inspect(k, &b2, &kf, &err) == 0, "inspect expiring_key");
	both_judge(&kf, -1, "expiring_key");
	snprintf(fpr2, sizeof fpr2, "%s", kf.sub[0].fpr);
	keyfacts_clear(&kf);
	ok(keys_import(k, &b2, fpr, &err) == -1, "importing a blob as another "
	    "key's fingerprint is refused");
	ok(keys_facts(k, fpr2, &kf, &err) == -1 && keys_facts(k, fpr, &kf,
	    &err) == -1, "and nothing of it stays in the keyring");
	keys_blob_free(&two);
	keys_blob_free(&b2);

	/* The whole listing is kept per home: listed before the import. */
	ok(keys_facts_all(k, &all, &nall, &err) == 0 &&
	    keys_facts_find(all, nall, fpr) == NULL,
	    "the keyring's listing has no example_key yet");
	keys_facts_free_all(all, nall);
	ok(keys_import(k, &b, fpr, &err) == 0, "import example_key: %s", err.text);
	ok(keys_facts(k, fpr, &kf, &err) == 0 && kf.nsub >= 2, "it is listed");
	keyfacts_clear(&kf);
	ok(keys_facts_all(k, &all, &nall, &err) == 0 &&
	    keys_facts_find(all, nall, fpr) != NULL,
	    "the listing kept from before the import is not used after it");
	keys_facts_free_all(all, nall);
	ok(keys_delete(k, fpr, &err) == 0 &&
	    keys_facts(k, fpr, &kf, &err) == -1, "delete removes it");
	ok(keys_facts_all(k, &all, &nall, &err) == 0 &&
	    keys_facts_find(all, nall, fpr) == NULL,
	    "nor the one from before the delete after it");
	keys_facts_free_all(all, nall);
	keys_blob_free(&b);

	blob("list-schleuder-at-example-org.sec.asc", &b);
	ok(keys_inspect(k, &b, &kf, &err) == -1 && strstr(err.text, "secret key"),
	    "a secret key is refused as a member key");
	ok(keys_import_list_key(k, &b, fpr, &err) == 0,
	    "but taken as a list key: %s", err.text);
	ok(strlen(fpr) == 40 && strcmp(fpr + 24, "D06350440F759BD3") == 0,
	    "with the corpus list key's fingerprint (%s)", fpr);
	keys_blob_free(&b);

	b.data = strdup("this is not a key\n");
	b.len = strlen(b.data);
	snprintf(b.name, sizeof b.name, "garbage.asc");
	ok(keys_inspect(k, &b, &kf, &err) == -1 && strstr(err.text, "no OpenPGP key"),
	    "garbage is refused: %s", err.text);
	b.len = 0;
	ok(keys_inspect(k, &b, &kf, &err) == -1 && strstr(err.text, "no OpenPGP key"),
	    "an empty file is refused");
	keys_blob_free(&b);

	blob("sender-52507B01.asc", &b);
	ok(keys_import_list_key(k, &b, fpr, &err) == -1 &&
	    strstr(err.text, "public key only"), "a public key is no list key");
	keys_blob_free(&b);
	keys_close(k);
	keys_stop_agent(home);
}

int
main(void)
{
	struct pd_err err = { 0 };

	if (keys_init(&err) == -1)
		skip_all(err.text);
	if (mkdtemp(dir) == NULL)
		skip_all("cannot make a temporary directory");
	test_list_key();
	xen = load_profile("xen");
	if (find_corpus(corpus, sizeof corpus, "keys/example_key.txt"))
		test_corpus();
	else
		diag("corpus not found: set PDLIST_CORPUS to run its key tests");
	pol_free(xen);
	rm_tree(dir);
	return done_testing();
}
