// Shared by tests/browser/*.mjs (tests/run runs only the files directly in
// tests/browser/, not this folder): TAP output, steps, Debian's chromium
// through playwright-core, and a bound on the whole run.
import { chromium } from 'playwright-core';

let n = 0;
let failed = 0;

export function ok(cond, name, detail) {
	n++;
	if (cond) {
		console.log(`ok ${n} - ${name}`);
		return;
	}
	failed++;
	console.log(`not ok ${n} - ${name}`);
	if (detail)
		for (const line of String(detail).split('\n'))
			console.log(`#   ${line}`);
}

// Runs one step: true passes, a string is the failure's detail, an exception
// fails it, and so does a step that returns nothing: every step asserts the
// outcome its name states. Returns whether it passed.
export async function step(name, fn) {
	try {
		const r = await fn();
		ok(r === true, name, r === undefined ? 'the step asserted nothing (it must return true or a failure)' : r);
		return r === true;
	} catch (e) {
		ok(false, name, e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n') : e);
		return false;
	}
}

export function skip(name, why) {
	n++;
	console.log(`ok ${n} - ${name} # SKIP ${why}`);
}

// A missing environment: one failure and the plan, exit status 1.
export function unset(what) {
	ok(false, `${what} (run through ./dev test)`);
	console.log(`1..${n}`);
	return 1;
}

// The customer area's mount point, from CENTER_URL ("" at the root, else "/acme-caas").
export const BASE_PATH = new URL(process.env.CENTER_URL || 'http://localhost/').pathname.replace(/\/+$/, '');

// The application's own path of a URL: its pathname without BASE_PATH, or
// "(outside BASE_PATH) …" so that a link that forgot the base path fails.
export function appPath(u) {
	const p = (u instanceof URL ? u : new URL(u)).pathname;
	if (BASE_PATH === '')
		return p;
	if (p === BASE_PATH || p.startsWith(`${BASE_PATH}/`))
		return p.slice(BASE_PATH.length) || '/';
	return `(outside ${BASE_PATH}) ${p}`;
}

export function pathOf(page) {
	return appPath(page.url());
}

// Headless chromium and one page with the step timeout.
export async function launch(stepTimeout) {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
	});
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
	const page = await context.newPage();
	page.setDefaultTimeout(stepTimeout);
	page.setDefaultNavigationTimeout(stepTimeout);
	return { browser, page };
}

// Runs main() (which returns after its steps) within timeoutMs, prints the
// plan, and exits 1 when a step failed, the run timed out or main threw.
export function run(main, timeoutMs, what) {
	const deadline = setTimeout(() => {
		console.log(`not ok ${n + 1} - ${what} finished within ${timeoutMs / 1000} s`);
		console.log(`1..${n + 1}`);
		process.exit(1);
	}, timeoutMs);
	main().then((rc) => {
		clearTimeout(deadline);
		if (rc === undefined) {
			console.log(`1..${n}`);
			rc = failed > 0 ? 1 : 0;
		}
		process.exit(rc);
	}, (e) => {
		clearTimeout(deadline);
		console.log(`not ok ${n + 1} - the browser starts and the test runs`);
		console.log(`#   ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 4).join('\n#   ')}`);
		console.log(`1..${n + 1}`);
		process.exit(1);
	});
}
