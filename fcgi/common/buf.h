/*
 * Bounded growable byte buffers: every buffer has a hard cap, and
 * exceeding it is an error (never silent truncation).
 */
#ifndef CAAS_BUF_H
#define CAAS_BUF_H

#include <stddef.h>

struct buf {
	char	*p;	/* always NUL-terminated when non-NULL */
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* hard limit on len */
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
/* 0 on success; -1 if the cap would be exceeded or memory runs out. */
int	buf_add(struct buf *, const void *data, size_t len);
int	buf_adds(struct buf *, const char *s);
int	buf_printf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
