/* Bounded buffers: appends within the cap succeed, past it fail without change. */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "tap.h"

/*
 * A buffer with data freed twice, in a child: 1 if the child exits 0. A
 * double free aborts it (glibc's check, and ASan's in the sanitizer build
 * that ./dev test runs too), and so does a crash.
 */
static int
free_twice_survives(void)
{
	struct buf	 b;
	pid_t		 pid;
	int		 status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		buf_init(&b, 100);
		if (buf_adds(&b, "to be freed") != 0)
			_exit(2);
		buf_free(&b);
		buf_free(&b);
		_exit(b.p == NULL ? 0 : 3);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

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
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "a second free leaves the buffer reset");
	ok(buf_adds(&b, "again") == 0 && b.len == 5 && memcmp(b.p, "again", 6) == 0,
	    "a freed buffer takes data again");
	ok(buf_adds(&b, "123456") == -1 && b.len == 5, "and keeps its cap");
	buf_free(&b);
	ok(free_twice_survives(), "free twice is harmless: no double free, no crash");
	return tap_done();
}
