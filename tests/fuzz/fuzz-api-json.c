/*
 * JSON bodies of the customer area's API: jansson as req_parse loads them
 * (duplicates refused), then the field validators the API's handlers use
 * (subs.h, domains.h): type, name, idempotency_key, domains, quote_only.
 */
#include "config.h"

#include <jansson.h>

#include "core/domains.h"
#include "fuzz.h"
#include "core/subs.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return domains_init() == 0 ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct domain_list	 out;
	struct domain_opts		 opts = { .allow_test = 1, .allow_wildcard = 1 };
	struct domain_error		 derr;
	json_t				*j, *v;
	const char			*s;
	size_t				 i;

	if ((j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	if ((s = json_string_value(json_object_get(j, "name"))) != NULL)
		(void)subs_name_ok(s);
	if ((s = json_string_value(json_object_get(j, "idempotency_key"))) != NULL)
		(void)subs_key_ok(s);
	if ((s = json_string_value(json_object_get(j, "domain"))) != NULL)
		(void)domains_parse(s, strlen(s), &opts, &out, &derr);
	(void)json_is_true(json_object_get(j, "quote_only"));
	(void)json_integer_value(json_object_get(j, "organization_id"));
	json_array_foreach(json_object_get(j, "domains"), i, v) {
		if ((s = json_string_value(v)) != NULL)
			(void)domains_parse(s, strlen(s), &opts, &out, &derr);
		if (i > 100)
			break;
	}
	json_decref(j);
	return 0;
}
