// Browser test of the customer area pages: login, ACME list, creation form,
// language switch, logout, in Debian's chromium driven by playwright-core.
//
//   CENTER_URL=… DEMO_DEPOSIT_USER=… DEMO_DEPOSIT_PASSWORD=… node tests/browser/pages.mjs
//
// Prints TAP; screenshots go to $TEST_OUT_DIR (default tests/browser/out).
// Exits 1 when a step fails. The whole run is bounded to 60 s.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appPath, BASE_PATH, launch, ok, pathOf, run, step, unset } from './lib/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.CENTER_URL || '').replace(/\/+$/, '');
const USER = process.env.DEMO_DEPOSIT_USER;
const PASSWORD = process.env.DEMO_DEPOSIT_PASSWORD;
const OUT = process.env.TEST_OUT_DIR || join(HERE, 'out');
const STEP_TIMEOUT = 10000;

// A full-page screenshot into OUT/name: true when the file is a PNG, else why not.
async function screenshot(page, name) {
	const path = join(OUT, name);
	await page.screenshot({ path, fullPage: true });
	const head = readFileSync(path).subarray(0, 8);
	return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ||
	    `${path} is not a PNG (${head.toString('hex')})`;
}

async function main() {
	if (!BASE || !USER || !PASSWORD)
		return unset('CENTER_URL, DEMO_DEPOSIT_USER and DEMO_DEPOSIT_PASSWORD are set');
	mkdirSync(OUT, { recursive: true });

	const { browser, page } = await launch(STEP_TIMEOUT);
	try {
		// Everything the pages load must load, and nothing may break the CSP.
		// Refused documents (the 401 of a wrong password) are the steps' business;
		// Chromium also logs them to the console, which is not a problem.
		const problems = [];
		const documents = new Set();
		page.on('request', (req) => {
			if (req.resourceType() === 'document')
				documents.add(req.url());
		});
		page.on('requestfailed', (req) => {
			problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
		});
		page.on('response', (res) => {
			if (res.status() >= 400 && res.request().resourceType() !== 'document')
				problems.push(`HTTP ${res.status()}: ${res.url()}`);
		});
		page.on('console', (msg) => {
			const documentStatus = /^Failed to load resource: the server responded/.test(msg.text()) &&
			    documents.has(msg.location().url);
			if ((msg.type() === 'error' && !documentStatus) || /Content Security Policy/i.test(msg.text()))
				problems.push(`console ${msg.type()}: ${msg.text()} (${msg.location().url})`);
		});
		page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

		await step('opening /acme without a session leads to the login page', async () => {
			await page.goto(`${BASE}/acme`);
			if (pathOf(page) !== '/login')
				return `landed on ${page.url()}`;
			if (!(await page.locator('#login-submit').isVisible()))
				return 'no #login-submit button';
			const next = new URL(page.url()).searchParams.get('next');
			return next === '/acme' || `next=${next}`;
		});

		await step('a wrong password shows the error alert and stays on /login', async () => {
			await page.fill('input[name=login]', USER);
			await page.fill('input[name=password]', `${PASSWORD}-wrong`);
			await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
			await page.waitForSelector('.flash.error[role=alert]');
			if (pathOf(page) !== '/login')
				return `landed on ${page.url()}`;
			const typed = await page.inputValue('input[name=login]');
			return typed === USER || `login field holds "${typed}"`;
		});

		await step('the right password lands on /acme with the empty state and the account name', async () => {
			await page.fill('input[name=password]', PASSWORD);
			await Promise.all([page.waitForURL((u) => appPath(u) === '/acme'), page.click('#login-submit')]);
			if (!(await page.locator('#empty-state').isVisible()))
				return '#empty-state not visible';
			const account = (await page.locator('header.top .account').textContent()) || '';
			if (account.trim() === '')
				return 'no account name in the header';
			const link = page.locator(`#empty-state a[href="${BASE_PATH}/acme/new"]`);
			return (await link.count()) === 1 || 'no "Create a subscription" link in the empty state';
		});

		await step('the list page is /acme under its title, and its screenshot is a PNG (acme-list.png)', async () => {
			if (pathOf(page) !== '/acme')
				return `the page is ${page.url()}`;
			const h1 = ((await page.locator('h1').textContent()) || '').trim();
			if (h1 !== 'ACME Sectigo CaaS subscriptions')
				return `h1 is "${h1}"`;
			return await screenshot(page, 'acme-list.png');
		});

		await step('/acme/new offers the three levels, Demo Org SARL under OV and QWAC, and DV SSL prices', async () => {
			await page.goto(`${BASE}/acme/new`);
			const form = page.locator('form#create-form');
			if ((await form.count()) !== 1)
				return 'no form#create-form';
			const radios = await form.locator('input[type=radio][name=type]').evaluateAll(
			    (els) => els.map((e) => e.value));
			if (radios.join(',') !== 'DV,OV,QWAC')
				return `type radios: ${radios.join(',')}`;
			for (const level of ['OV', 'QWAC']) {
				const opt = form.locator(`select[name=organization_id] optgroup[label="${level}"] option`,
				    { hasText: 'Demo Org SARL' });
				if ((await opt.count()) !== 1)
					return `Demo Org SARL not offered under ${level}`;
			}
			const dv = page.locator('#price-list tbody tr', { hasText: 'DV SSL' });
			if ((await dv.count()) !== 1)
				return 'DV SSL missing from the price list';
			const price = (await dv.locator('td.num').textContent()) || '';
			return /€\s?\d/.test(price) || `DV SSL price cell: "${price}"`;
		});

		await step('the creation form is /acme/new under its title, and its screenshot is a PNG (acme-new.png)', async () => {
			if (pathOf(page) !== '/acme/new')
				return `the page is ${page.url()}`;
			const h1 = ((await page.locator('h1').textContent()) || '').trim();
			if (h1 !== 'New ACME subscription')
				return `h1 is "${h1}"`;
			return await screenshot(page, 'acme-new.png');
		});

		await step(`under the base path "${BASE_PATH}": every link, form and stylesheet stays in it, the CSS applies, the cookie is scoped to it`, async () => {
			const urls = await page.evaluate(() => [
				...[...document.querySelectorAll('a[href], link[href]')].map((e) => e.getAttribute('href')),
				...[...document.querySelectorAll('form[action]')].map((e) => e.getAttribute('action')),
			]);
			const local = urls.filter((u) => u.startsWith('/'));
			if (local.length < 5)
				return `only ${local.length} local links and forms on /acme/new`;
			const outside = local.filter((u) => !(BASE_PATH === '' || u.startsWith(`${BASE_PATH}/`)));
			if (outside.length > 0)
				return `outside the base path: ${outside.join(', ')}`;
			const styled = await page.evaluate(() => [...document.styleSheets].some(
			    (s) => s.href && s.href.includes('/static/center.css') && s.cssRules.length > 0));
			if (!styled)
				return 'center.css did not load';
			const cookies = await page.context().cookies();
			const session = cookies.find((c) => /center_session$/.test(c.name));
			if (session === undefined)
				return `no session cookie among ${cookies.map((c) => c.name).join(', ')}`;
			return session.path === (BASE_PATH || '/') || `session cookie path is ${session.path}`;
		});

		await step('no failed request and no CSP violation so far', async () => {
			return problems.length === 0 || problems.join('\n');
		});

		await step('switching the language to French shows the page in French', async () => {
			await Promise.all([page.waitForLoadState('load'),
			    page.click('form.lang button[value=fr]')]);
			await page.waitForSelector('html[lang=fr]');
			if (pathOf(page) !== '/acme/new')
				return `landed on ${page.url()}`;
			const h1 = (await page.locator('h1').textContent()) || '';
			const button = (await page.locator('#preview').textContent()) || '';
			if (!/abonnement/i.test(h1))
				return `h1 is "${h1}"`;
			await page.screenshot({ path: join(OUT, 'acme-new-fr.png'), fullPage: true });
			return /prix/i.test(button) || `preview button is "${button}"`;
		});

		await step('logging out returns to /login', async () => {
			// Back to English first, so that the demo user stays as seeded.
			await Promise.all([page.waitForLoadState('load'),
			    page.click('form.lang button[value=en]')]);
			await page.waitForSelector('html[lang=en]');
			await Promise.all([page.waitForURL((u) => appPath(u) === '/login'), page.click('#logout')]);
			await page.goto(`${BASE}/acme`);
			return pathOf(page) === '/login' || `after logout, /acme shows ${page.url()}`;
		});

		await step('no failed request and no CSP violation at all', async () => {
			return problems.length === 0 || problems.join('\n');
		});
	} finally {
		await browser.close();
	}
}

run(main, 60000, 'the browser test');
