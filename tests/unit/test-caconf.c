/*
 * The bundled CA's configuration: each program opens only its own secret
 * files (ca_conf_load_secrets, fcgi/ca/ca.h), so under the packages' users
 * a file it may not read does not stop it. Every case loads in a child,
 * since a refusal exits the process.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ca.h"
#include "tap.h"

static char	 dir[] = "/tmp/test-caconf-XXXXXX";
static char	 conf[256], dbpass[256], eab[256], rpass[256];

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/*
 * Load conf in a child with secrets; its exit status (0 loaded, else the
 * status fatalx gave). When loaded, the child checks which secrets it holds
 * and exits 10 + a bit per secret present: 1 db, 2 EAB, 4 reseller.
 */
static int
load_in_child(unsigned int secrets)
{
	struct ca_conf	 c;
	pid_t		 pid;
	int		 status = -1, held = 0;
	static const unsigned char zero[32];

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(99);
		ca_conf_load_secrets(&c, conf, "test-caconf", secrets);
		held |= c.db_password != NULL ? 1 : 0;
		held |= memcmp(c.eab_key, zero, sizeof(zero)) != 0 ? 2 : 0;
		held |= c.reseller_password != NULL ? 4 : 0;
		ca_conf_free(&c);
		_exit(10 + held);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(conf, sizeof(conf), "%s/ca.conf", dir);
	snprintf(dbpass, sizeof(dbpass), "%s/ca.dbpass", dir);
	snprintf(eab, sizeof(eab), "%s/ca.eabkey", dir);
	snprintf(rpass, sizeof(rpass), "%s/ca.reseller-pass", dir);
	write_file(dbpass, "db-secret\n");
	write_file(eab, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
	write_file(rpass, "reseller-secret-0123456789\n");
	/* ca-fcgi refuses a reseller password anyone but its owner may read. */
	if (chmod(rpass, 0600) == -1) {
		perror(rpass);
		return 1;
	}
	{
		char	 text[1024];

		snprintf(text, sizeof(text), "base_url = https://ca.test\nlog_level = error\n"
		    "db_password_file = %s\neab_key_file = %s\nreseller_login = reseller\n"
		    "reseller_password_file = %s\n", dbpass, eab, rpass);
		write_file(conf, text);
	}

	is_int(load_in_child(CA_SECRET_ALL), 10 + 7, "every secret: ca-fcgi holds all three");
	is_int(load_in_child(CA_SECRET_DB | CA_SECRET_EAB), 10 + 3,
	    "caasctl-ca's set: the database password and the EAB key, not the reseller password");
	is_int(load_in_child(CA_SECRET_DB), 10 + 1, "the validator's set: the database password only");
	is_int(load_in_child(0), 10, "the signer's set: none of them");

	/* The files a program does not need may be unreadable: here, absent. The
	 * reseller password stays: every program checks its mode (a stat). */
	unlink(eab);
	is_int(load_in_child(CA_SECRET_DB), 11, "without the EAB key file, the validator still loads");
	unlink(dbpass);
	is_int(load_in_child(0), 10, "without the database password and EAB key files, the signer still loads");
	chmod(rpass, 0640);
	ok(load_in_child(0) > 0 && load_in_child(0) < 10,
	    "but even the signer refuses a reseller password file its group may read");
	chmod(rpass, 0600);
	ok(load_in_child(CA_SECRET_DB) != 11 && load_in_child(CA_SECRET_DB) > 0,
	    "a program that needs the database password stops when it is missing");
	ok(load_in_child(CA_SECRET_EAB) > 0 && load_in_child(CA_SECRET_EAB) < 10,
	    "and one that needs the EAB key stops without it");

	unlink(rpass);
	unlink(conf);
	rmdir(dir);
	return tap_done();
}
