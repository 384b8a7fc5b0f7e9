/* The page model: text is escaped by libxml2; the JSON twin follows the node types. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "tap.h"

/*
 * model_free(NULL) and a model freed with its tree, in a child: 1 if the
 * child exits 0 (a NULL dereference or a bad free kills it; ASan in the
 * sanitizer build that ./dev test runs too).
 */
static int
free_null_survives(void)
{
	struct model	*m;
	pid_t		 pid;
	int		 status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		model_free(NULL);
		if ((m = model_new("child")) == NULL)
			_exit(2);
		m_text(m->root, "k", "v");
		model_free(m);
		model_free(NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
main(void)
{
	struct model	*m = model_new("demo");
	xmlNodePtr	 o, l, chrome;
	json_t		*j;
	char		*s, *x;
	size_t		 len;

	ok(m != NULL, "model created");
	is_str(model_view(m), "demo", "view name kept");
	m_text(m->root, "name", "<b>\"Tom & Jerry\"</b>");
	m_int(m->root, "count", -42);
	m_bool(m->root, "flag", 1);
	m_null(m->root, "nothing");
	o = m_obj(m->root, "obj");
	m_text(o, "k", "v");
	l = m_list(m->root, "items");
	m_int(l, "item", 1);
	m_int(l, "item", 2);
	m_list(m->root, "empty");
	chrome = m_obj(m->root, "chrome");
	m_text(chrome, "csrf", "secret-token");
	m_omit(chrome);

	j = model_to_json(m);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	is_str(s, "{\"name\":\"<b>\\\"Tom & Jerry\\\"</b>\",\"count\":-42,\"flag\":true,"
	    "\"nothing\":null,\"obj\":{\"k\":\"v\"},\"items\":[1,2],\"empty\":[]}",
	    "JSON twin has typed values, arrays and no omitted nodes");
	free(s);
	json_decref(j);

	x = model_to_xml(m, &len);
	ok(x != NULL && strstr(x, "&lt;b&gt;\"Tom &amp; Jerry\"&lt;/b&gt;") != NULL,
	    "XML twin escapes markup in text");
	ok(x != NULL && strstr(x, "secret-token") == NULL, "XML twin leaves out omitted nodes");
	ok(x != NULL && strlen(x) == len, "XML length reported");
	free(x);
	model_free(m);
	ok(free_null_survives(), "freeing NULL is harmless: the process carries on and exits cleanly");
	return tap_done();
}
