/* tools/listctl_keys.c: listctl's member key commands (issue 16). */
#include <stdio.h>

#include "keys/keys.h"
#include "tools/listctl.h"

int
run_member_key(struct admin *a, char **args, struct opts *o)
{
	struct keys_blob blob = { 0 };
	struct pd_err err = { 0 };
	json_t *out = NULL;
	size_t n = 0;
	int rc = 0;

	if (o->key == NULL) {
		fprintf(stderr, "listctl: member key: --key FILE is required\n");
		return EXIT_USAGE;
	}
	if (keys_blob_read(o->key, &blob, &err) == -1 ||
	    admin_member_key(a, args[0], args[1], &blob, &out, &n,
	    &err) == -1) {
		refused(&err);
		rc = EXIT_REFUSED;
	} else if (!o->json) {
		printf("replaced the key of %s on %s: %s", args[1], args[0],
		    s(out, "fingerprint"));
		if (n > 0)
			printf("; listd sends it the %zu embargoed advisor%s it "
			    "holds no copy of", n, n == 1 ? "y" : "ies");
		printf("\n");
	}
	if (o->json && out != NULL)
		print_json(out);
	json_decref(out);
	keys_blob_free(&blob);
	return rc;
}
