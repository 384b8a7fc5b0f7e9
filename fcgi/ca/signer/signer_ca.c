/*
 * The CA directory: creation of the two-level development CA
 * (ca-signer --init) and loading of the issuing CA by the daemon.
 * Files: root.key, root.pem (init only), issuing.key, issuing.pem.
 * Keys are written 0600 through a temporary file and rename(2), so a
 * crash never leaves a half-written key under its final name.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "signer/signer_core.h"

#define DAY		86400
#define ROOT_DAYS	3653	/* 10 years */
#define ISSUING_DAYS	1827	/* 5 years */
#define CA_ORG		"ACME CaaS"

/* dir/name into out[PATH_MAX]; -1 (logged) if it does not fit. */
static int
ca_path(char out[PATH_MAX], const char *dir, const char *name)
{
	int	 n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		log_warnx("%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

/* Write the bytes of bio to dir/name with mode, via name.tmp and rename. 0 or -1 (logged). */
static int
write_file(const char *dir, const char *name, mode_t mode, BIO *bio)
{
	char	 path[PATH_MAX], tmp[PATH_MAX], *data;
	long	 n;
	int	 fd = -1, rc = -1;

	if (ca_path(path, dir, name) == -1 || ca_path(tmp, dir, "new.tmp") == -1)
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)) == -1 ||
	    fchmod(fd, mode) == -1) {
		log_warn("%s", tmp);
		goto out;
	}
	if (n <= 0 || write(fd, data, (size_t)n) != (ssize_t)n || fsync(fd) == -1) {
		log_warn("write %s", tmp);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		fd = -1;
		log_warn("rename %s", path);
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/* Private key as PKCS#8 PEM, 0600. The PEM passes only through secure memory. */
static int
write_key(const char *dir, const char *name, EVP_PKEY *key)
{
	BIO	*bio = NULL;
	int	 rc = -1;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
		log_warnx("%s: PEM_write_bio_PrivateKey failed", name);
		goto out;
	}
	rc = write_file(dir, name, 0600, bio);
out:
	BIO_free(bio);
	return rc;
}

static int
write_cert(const char *dir, const char *name, X509 *x)
{
	BIO	*bio = NULL;
	int	 rc = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(bio, x) != 1) {
		log_warnx("%s: PEM_write_bio_X509 failed", name);
		goto out;
	}
	rc = write_file(dir, name, 0644, bio);
out:
	BIO_free(bio);
	return rc;
}

/* CN=cn, O=ACME CaaS, or NULL. */
static X509_NAME *
ca_name(const char *cn)
{
	X509_NAME	*n;

	if ((n = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)CA_ORG, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) != 1) {
		log_warnx("X509_NAME_add_entry_by_txt failed");
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/*
 * A CA certificate for key named cn, issued by issuer/ikey (NULL: self-
 * signed with key); bc and ku are the basicConstraints and keyUsage
 * of the level. Returns the signed certificate or NULL (logged).
 */
static X509 *
ca_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, time_t now, long days,
    const char *bc, const char *ku, const char *crl_url)
{
	X509_NAME	*name = NULL;
	X509		*x = NULL, *ret = NULL;
	char		 serial[33];

	if ((name = ca_name(cn)) == NULL ||
	    (x = signer_x509_new(name, issuer, key, now - SIGNER_BACKDATE,
	    now - SIGNER_BACKDATE + (time_t)days * DAY, serial)) == NULL)
		goto out;
	if (signer_x509_ext(x, issuer, NID_basic_constraints, bc) == -1 ||
	    signer_x509_ext(x, issuer, NID_key_usage, ku) == -1 ||
	    signer_x509_ext(x, issuer, NID_subject_key_identifier, "hash") == -1)
		goto out;
	if (issuer != NULL && signer_x509_ext(x, issuer, NID_authority_key_identifier, "keyid:always") == -1)
		goto out;
	if (crl_url != NULL && signer_x509_crldp(x, crl_url) == -1)
		goto out;
	if (X509_sign(x, ikey != NULL ? ikey : key, EVP_sha384()) <= 0) {
		log_warnx("%s: X509_sign failed", cn);
		goto out;
	}
	ret = x;
	x = NULL;
out:
	X509_free(x);
	X509_NAME_free(name);
	return ret;
}

/* 1 if dir/name exists, 0 if not, -1 (logged) on another error. */
static int
ca_exists(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (ca_path(path, dir, name) == -1)
		return -1;
	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	log_warn("%s", path);
	return -1;
}

/* Make dir 0700 if missing. */
static int
ca_mkdir(const char *dir)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}
	return 0;
}

/* Keys, certificates, files: root first, issuing last (its files mark a complete CA). */
static int
ca_generate(const char *dir, const char *crl_url, time_t now)
{
	EVP_PKEY	*rkey = NULL, *ikey = NULL;
	X509		*root = NULL, *issuing = NULL;
	int		 rc = -1;

	if ((rkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")) == NULL ||
	    (ikey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		log_warnx("EVP_PKEY_Q_keygen failed");
		goto out;
	}
	if ((root = ca_cert("ACME CaaS Dev Root CA", rkey, NULL, NULL, now, ROOT_DAYS,
	    "critical,CA:TRUE", "critical,keyCertSign,cRLSign", NULL)) == NULL ||
	    (issuing = ca_cert("ACME CaaS Dev Issuing CA", ikey, root, rkey, now, ISSUING_DAYS,
	    "critical,CA:TRUE,pathlen:0", "critical,keyCertSign,cRLSign,digitalSignature",
	    crl_url)) == NULL)
		goto out;
	if (write_key(dir, "root.key", rkey) == -1 || write_cert(dir, "root.pem", root) == -1 ||
	    write_key(dir, "issuing.key", ikey) == -1 || write_cert(dir, "issuing.pem", issuing) == -1)
		goto out;
	rc = 0;
out:
	X509_free(issuing);
	X509_free(root);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(rkey);
	return rc;
}

int
signer_ca_create(const char *dir, const char *crl_url, time_t now)
{
	int	 have_cert, have_key;

	if (ca_mkdir(dir) == -1 ||
	    (have_cert = ca_exists(dir, "issuing.pem")) == -1 ||
	    (have_key = ca_exists(dir, "issuing.key")) == -1)
		return -1;
	if (have_cert && have_key)
		return 1;
	if (have_cert || have_key) {
		/* Never overwrite half of a CA someone may still use. */
		log_warnx("%s: only one of issuing.pem and issuing.key exists; move it away to re-create the CA",
		    dir);
		return -1;
	}
	return ca_generate(dir, crl_url, now) == -1 ? -1 : 0;
}

/* The private key (is_key) or certificate in dir/name; NULL (logged) on failure. */
static void *
read_pem(const char *dir, const char *name, int is_key)
{
	char	 path[PATH_MAX];
	BIO	*bio = NULL;
	void	*obj = NULL;

	if (ca_path(path, dir, name) == -1)
		return NULL;
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		log_warnx("%s: cannot open (run ca-signer --init?)", path);
		goto out;
	}
	obj = is_key ? (void *)PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) :
	    (void *)PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (obj == NULL)
		log_warnx("%s: not a PEM %s", path, is_key ? "private key" : "certificate");
out:
	BIO_free(bio);
	ERR_clear_error();
	return obj;
}

/* The issuing certificate re-encoded as PEM into ca->chain_pem. */
static int
chain_pem(struct signer_ca *ca)
{
	BIO	*bio = NULL;
	char	*data;
	long	 n;
	int	 rc = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(bio, ca->cert) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0 || (ca->chain_pem = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(ca->chain_pem, data, (size_t)n);
	ca->chain_pem[n] = '\0';
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

int
signer_ca_load(struct signer_ca *ca, const char *dir)
{
	int	 rc = -1;

	memset(ca, 0, sizeof(*ca));
	if ((ca->key = read_pem(dir, "issuing.key", 1)) == NULL ||
	    (ca->cert = read_pem(dir, "issuing.pem", 0)) == NULL)
		goto out;
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		ERR_clear_error();
		log_warnx("%s: issuing.key does not match issuing.pem", dir);
		goto out;
	}
	if (!(X509_get_extension_flags(ca->cert) & EXFLAG_CA)) {
		log_warnx("%s: issuing.pem is not a CA certificate", dir);
		goto out;
	}
	if (chain_pem(ca) == -1) {
		log_warnx("%s: cannot re-encode issuing.pem", dir);
		goto out;
	}
	ca->validity_days = 90;
	ca->dir = dir;
	rc = 0;
out:
	if (rc == -1)
		signer_ca_free(ca);
	return rc;
}

void
signer_ca_free(struct signer_ca *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->chain_pem);
	memset(ca, 0, sizeof(*ca));
}
