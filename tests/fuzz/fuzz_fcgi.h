/*
 * A FastCGI request without a web server, for the harnesses that go
 * through req_parse: the parameters and the body come from the input and
 * the answer goes to a sink stream that discards it (the stream layout is
 * libfcgi's public FCGX_Stream).
 */
#ifndef FUZZ_FCGI_H
#define FUZZ_FCGI_H

#include <fcgiapp.h>

#include "fuzz.h"

struct fuzz_fcgi {
	FCGX_Request	 fr;
	FCGX_Stream	 in, out;
	unsigned char	 outbuf[4096];
	char		*envp[32];
	int		 nenv;
};

static void
fuzz_fill(FCGX_Stream *s)
{
	s->isClosed = 1;	/* end of the body */
}

static void
fuzz_empty(FCGX_Stream *s, int doClose)
{
	(void)doClose;
	s->wrNext = s->stopUnget;	/* discard what was written */
}

/* Set up f for a body of len bytes; add parameters with fuzz_env. */
static inline void
fuzz_fcgi_init(struct fuzz_fcgi *f, const uint8_t *body, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->in.rdNext = f->in.stopUnget = (unsigned char *)body;
	f->in.stop = (unsigned char *)body + len;
	f->in.isReader = 1;
	f->in.fillBuffProc = fuzz_fill;
	f->out.wrNext = f->out.stopUnget = f->outbuf;
	f->out.stop = f->outbuf + sizeof(f->outbuf);
	f->out.emptyBuffProc = fuzz_empty;
	f->fr.in = &f->in;
	f->fr.out = &f->out;
	f->fr.err = &f->out;
	f->fr.envp = f->envp;
}

/* One "NAME=value" parameter (copied). */
static inline void
fuzz_env(struct fuzz_fcgi *f, const char *name, const char *value, size_t vlen)
{
	size_t	 n = strlen(name);
	char	*e;

	if (f->nenv >= 31 || (e = malloc(n + 1 + vlen + 1)) == NULL)
		return;
	memcpy(e, name, n);
	e[n] = '=';
	memcpy(e + n + 1, value, vlen);
	e[n + 1 + vlen] = '\0';
	f->envp[f->nenv++] = e;
	f->envp[f->nenv] = NULL;
}

static inline void
fuzz_fcgi_free(struct fuzz_fcgi *f)
{
	for (int i = 0; i < f->nenv; i++)
		free(f->envp[i]);
}

#endif
