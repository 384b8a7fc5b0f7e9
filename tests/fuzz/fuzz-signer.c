/*
 * The signer's requests (ca/signer_client.c framing, ca/signer_req.c and
 * signer_crl.c checks): the input arrives on a socket as an ACME worker
 * would send it (4-byte length, then JSON), and is also handed to the
 * request handler directly. A throw-away CA is made once.
 */
#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "signer/signer.h"
#include "signer/signer_core.h"

static struct signer_ca	 ca;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	 dir[] = "/tmp/fuzz-signer-XXXXXX";
	char		 cadir[64];

	(void)argc;
	(void)argv;
	log_init("fuzz-signer", 0, LOG_LVL_ERROR);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(cadir, sizeof(cadir), "%s/ca", dir);
	if (signer_ca_create(cadir, "http://crl.test/issuing.crl", time(NULL)) < 0 ||
	    signer_ca_load(&ca, strdup(cadir)) != 0)
		abort();
	ca.validity_days = 90;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out, buf[4096];
	size_t	 outlen;
	int	 sv[2];

	if (size > 60000)
		return 0;
	if ((out = signer_is_crl((const char *)data, size) ?
	    signer_crl_handle(&ca, (const char *)data, size, time(NULL), &outlen) :
	    signer_handle(&ca, (const char *)data, size, &outlen)) != NULL)
		free(out);
	/* The framing: raw bytes on the connection, then end of input. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	if (write(sv[0], data, size) == (ssize_t)size && shutdown(sv[0], SHUT_WR) == 0) {
		signer_serve_conn(&ca, sv[1]);	/* closes sv[1] */
		while (read(sv[0], buf, sizeof(buf)) > 0)
			;
	} else
		close(sv[1]);
	close(sv[0]);
	return 0;
}
