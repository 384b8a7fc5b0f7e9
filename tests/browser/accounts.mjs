// Browser test of the pages for real accounts (issue #16 items 9 and 10), in
// Debian's chromium driven by playwright-core: the copy buttons of the pasted
// commands put the very command on the clipboard (and say so), the script
// runs under the CSP; the domain table's delete action is a trash can reachable
// by its accessible name; dates do not wrap in a narrow window; the list's
// filter form filters.
//
//   node tests/browser/accounts.mjs    (through ./dev test browser)
//
// Environment (./dev test): CENTER_URL, CAASCTL and CENTER_CONF. Prints TAP;
// screenshots go to $TEST_OUT_DIR (default tests/browser/out).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, run as runTest, step, unset } from './lib/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.CENTER_URL || '').replace(/\/+$/, '');
const OUT = process.env.TEST_OUT_DIR || join(HERE, 'out');
const RAND = randomBytes(5).toString('hex');
const D1 = `www.a-${RAND}.test`;
const D2 = `*.w-${RAND}.test`;
const LOGIN = `browser-${RAND}@accounts.test`;
const PASSWORD = `pw-${RAND}-secret`;

function caasctl(...args) {
	const cmd = process.env.CAASCTL || '';
	const r = /\s/.test(cmd.trim()) ?
	    spawnSync('bash', ['-c', `${cmd} "$@"`, 'caasctl', ...args], { encoding: 'utf8' }) :
	    spawnSync(cmd, ['-f', process.env.CENTER_CONF || '', ...args], { encoding: 'utf8' });
	return { ok: r.status === 0, out: (r.stdout || '').trim(), err: (r.stderr || '').trim() };
}

async function main() {
	if (!BASE || !process.env.CAASCTL)
		return unset('CENTER_URL and CAASCTL are set');
	mkdirSync(OUT, { recursive: true });
	const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
	writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`);

	const { browser, page } = await launch(15000);
	try {
		const problems = [];
		page.on('console', (msg) => {
			if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
				problems.push(`console ${msg.type()}: ${msg.text()}`);
		});
		page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
		page.on('response', (res) => {
			if (res.status() >= 400)
				problems.push(`HTTP ${res.status()}: ${res.url()}`);
		});

		await step('a deposit customer with a login that is an address', async () => {
			const acc = caasctl('account-add', '--name', `Browser accounts ${RAND}`, '--type', 'deposit',
			    '--balance-cents', '100000');
			if (!acc.ok)
				return acc.err;
			const u = caasctl('user-add', '--account', acc.out, '--login', LOGIN, '--password-file',
			    join(dir, 'pw'), '--lang', 'en');
			return u.ok || u.err;
		});

		let subId = null;
		const created = await step('subscribing shows the commands for the first name, each with a copy button', async () => {
			await page.goto(`${BASE}/login?next=/acme/new`);
			await page.fill('input[name=login]', LOGIN);
			await page.fill('input[name=password]', PASSWORD);
			await Promise.all([page.waitForURL((u) => u.pathname === '/acme/new'), page.click('#login-submit')]);
			await page.check('#type-DV');
			await page.fill('#name', `Accounts ${RAND}`);
			await page.fill('#domains', `${D2}\n${D1}`);
			await Promise.all([page.waitForLoadState('load'), page.click('#preview')]);
			await Promise.all([page.waitForLoadState('load'), page.click('#subscribe')]);
			const certbot = (await page.locator('#example-certbot').textContent()) || '';
			if (!certbot.includes(`-d ${D1}`) || !certbot.includes(`-m ${LOGIN}`))
				return `certbot command: ${certbot}`;
			subId = /\/acme\/(\d+)$/.exec(await page.locator('#open-subscription').getAttribute('href'))?.[1];
			const buttons = await page.locator('button.copy').count();
			await page.screenshot({ path: join(OUT, 'accounts-created.png'), fullPage: true });
			return buttons === 4 || `${buttons} copy buttons`;
		});

		if (created) {
			await step('the copy button puts the very command on the clipboard and says "Copied"', async () => {
				await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
				const want = (await page.locator('#example-lego').textContent()) || '';
				const button = page.locator('button.copy[data-copy="example-lego"]');
				await button.click();
				await page.waitForFunction(() =>
				    document.querySelector('button.copy[data-copy="example-lego"]').dataset.state === 'copied');
				const got = await page.evaluate(() => navigator.clipboard.readText());
				if (got !== want)
					return `clipboard: ${JSON.stringify(got)}\nexpected: ${JSON.stringify(want)}`;
				const label = ((await button.textContent()) || '').trim();
				return label === 'Copied' || `the button says "${label}"`;
			});

			await step('the delete action of a domain is the trash can, found by its accessible name', async () => {
				await page.goto(`${BASE}/acme/${subId}`);
				const link = page.getByRole('link', { name: `Delete ${D1}` });
				if ((await link.count()) !== 1)
					return `links named "Delete ${D1}": ${await link.count()}`;
				if ((await link.locator('svg').count()) !== 1)
					return 'no icon in the link';
				const box = await link.boundingBox();
				if (!box || box.width < 16 || box.height < 16)
					return `the icon's box: ${JSON.stringify(box)}`;
				await Promise.all([page.waitForURL((u) => /\/delete$/.test(u.pathname)), link.click()]);
				return true;
			});

			await step('dates stay on one line in a narrow window', async () => {
				await page.setViewportSize({ width: 640, height: 900 });
				await page.goto(`${BASE}/acme/${subId}`);
				const cells = await page.locator('table#domains td.date').evaluateAll((tds) => tds.map((td) => {
					const cs = getComputedStyle(td);
					const range = document.createRange();
					range.selectNodeContents(td);
					return { ws: cs.whiteSpace, lines: range.getClientRects().length, text: td.textContent };
				}));
				await page.screenshot({ path: join(OUT, 'accounts-narrow.png'), fullPage: true });
				await page.setViewportSize({ width: 1280, height: 900 });
				if (cells.length === 0)
					return 'no date cell';
				const bad = cells.filter((c) => c.ws !== 'nowrap' || c.lines !== 1);
				return bad.length === 0 || JSON.stringify(bad);
			});

			await step('the list filter: status "expired" shows none of the active ones, and says so', async () => {
				await page.goto(`${BASE}/acme`);
				await page.selectOption('#filter-status', 'expired');
				await Promise.all([page.waitForURL((u) => u.searchParams.get('status') === 'expired'),
				    page.click('#filter-submit')]);
				const rows = await page.locator('table#subscriptions tbody tr').count();
				const empty = await page.locator('#filter-empty').count();
				return (rows === 0 && empty === 1) || `${rows} rows, empty message ${empty}`;
			});
		}

		await step('no CSP violation, script error or HTTP error', async () =>
		    problems.length === 0 || problems.join('\n'));
	} finally {
		await browser.close();
	}
}

runTest(main, 120000, 'the accounts browser test');
