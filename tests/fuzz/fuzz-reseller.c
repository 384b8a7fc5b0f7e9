/*
 * The reseller API's form handling (ca/reseller.c): a POST to
 * /products/!ACMEAdmin or /products/!AutoRevokeSSL (the first input byte
 * chooses) whose form body is the rest of the input, through req_parse
 * and reseller_handle: declared fields and their limits, the login, each
 * action's checks. The database is unreachable (a socket that does not
 * exist), so an action that passes its checks ends in a 503.
 */
#include "config.h"

#include <stdio.h>

#include "acme/acme.h"
#include "ca.h"
#include "db.h"
#include "fuzz_fcgi.h"
#include "log.h"
#include "req.h"
#include "reseller/reseller.h"

static struct ca_conf	 conf;
static struct db	*adb, *rdb;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz-reseller", 0, LOG_LVL__MAX);
	conf.base_url = "https://ca.test";
	conf.reseller_login = "reseller";
	conf.reseller_password = "fuzz-password-0123456789";
	conf.ca_dir = "/nonexistent/fuzz-ca";
	conf.signer_socket = "/nonexistent/fuzz-signer.sock";
	conf.db_socket = "/nonexistent/fuzz-mysqld.sock";
	conf.db_name = "ca";
	conf.db_user = "ca";
	adb = ca_db_open(&conf, acme_sql, A__MAX, 0);
	rdb = ca_db_open(&conf, reseller_sql, R__MAX, 0);
	return adb != NULL && rdb != NULL ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_limits	 lim = { .max_body = 65536, .max_query = 1024, .max_fields = 32 };
	struct fuzz_fcgi	 f;
	struct req		 r;
	char			 len[32];
	const char		*path;

	if (size < 1)
		return 0;
	path = data[0] & 1 ? "/products/!AutoRevokeSSL" : "/products/!ACMEAdmin";
	fuzz_fcgi_init(&f, data + 1, size - 1);
	snprintf(len, sizeof(len), "%zu", size - 1);
	fuzz_env(&f, "REQUEST_METHOD", "POST", 4);
	fuzz_env(&f, "PATH_INFO", path, strlen(path));
	fuzz_env(&f, "CONTENT_TYPE", "application/x-www-form-urlencoded", 33);
	fuzz_env(&f, "CONTENT_LENGTH", len, strlen(len));
	fuzz_env(&f, "REMOTE_ADDR", "192.0.2.1", 9);
	req_parse(&r, &f.fr, &lim);
	reseller_handle(&conf, adb, rdb, &r);
	req_free(&r);
	fuzz_fcgi_free(&f);
	return 0;
}
