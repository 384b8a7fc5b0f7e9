/* Bounded buffers: appends within the cap succeed, past it fail without change. */
#include "config.h"

#include "buf.h"
#include "tap.h"

int
main(void)
{
	struct buf	 b;

	buf_init(&b, 10);
	ok(buf_adds(&b, "hello") == 0, "append within the cap succeeds");
	ok(buf_printf(&b, "%d", 1234) == 0, "printf within the cap succeeds");
	is_str(b.p, "hello1234", "content is the concatenation");
	ok(buf_adds(&b, "xy") == -1, "append past the cap fails");
	is_str(b.p, "hello1234", "a refused append changes nothing");
	ok(buf_printf(&b, "%s", "ab") == -1, "printf past the cap fails");
	is_int(b.len, 9, "length unchanged after refusals");
	ok(buf_adds(&b, "z") == 0, "filling exactly to the cap succeeds");
	buf_free(&b);
	ok(b.p == NULL && b.len == 0, "free resets the buffer");
	buf_free(&b);
	ok(1, "free twice is harmless");
	return tap_done();
}
