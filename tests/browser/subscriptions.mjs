// Browser test of an ACME subscription's life as a customer sees it: preview,
// subscribe, the EAB credentials shown once (a reload shows them no more),
// certbot issuing with them, the sync, then the certificates on the
// subscription's page and in the account's certificate search. Debian's
// chromium driven by playwright-core, as pages.mjs.
//
//   node tests/browser/subscriptions.mjs    (through ./dev test browser)
//
// Environment (./dev test): CENTER_URL, DEMO_DEPOSIT_USER, DEMO_DEPOSIT_PASSWORD,
// CAASCTL and CENTER_CONF (the sync), ROOT, and what subscription-certbot.sh
// needs (ACME_CA_BUNDLE, ACME_HTTP01_PORT, …). Prints TAP; screenshots go to
// $TEST_OUT_DIR (default tests/browser/out). The whole run is bounded to 180 s.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appPath, BASE_PATH, launch, ok, pathOf, run as runTest, skip, step, unset } from './lib/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.ROOT || resolve(HERE, '..', '..');
const BASE = (process.env.CENTER_URL || '').replace(/\/+$/, '');
const USER = process.env.DEMO_DEPOSIT_USER;
const PASSWORD = process.env.DEMO_DEPOSIT_PASSWORD;
const OUT = process.env.TEST_OUT_DIR || join(HERE, 'out');
const STEP_TIMEOUT = 15000;
const RUN_TIMEOUT = 180000;

// Fresh names on every run: the CA and the center refuse a name enrolled twice.
const RAND = randomBytes(5).toString('hex');
const D1 = `b1-${RAND}.test`;
const D2 = `b2-${RAND}.test`;
const NAME = `Browser ${RAND}`;

// Runs a command; its output, prefixed, becomes a failure's detail.
function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
	const output = `${r.stdout || ''}${r.stderr || ''}`.trim();
	return { ok: r.status === 0, output: r.error ? `${r.error.message}\n${output}` : output };
}

// caasctl -f CONFIG ARGS…; CAASCTL may already be a whole command with -f.
function caasctl(...args) {
	const cmd = process.env.CAASCTL || '';
	if (/\s/.test(cmd.trim()))
		return run('bash', ['-c', `${cmd} "$@"`, 'caasctl', ...args]);
	return run(cmd, ['-f', process.env.CENTER_CONF || '', ...args]);
}

async function main() {
	if (!BASE || !USER || !PASSWORD || !process.env.CAASCTL)
		return unset('CENTER_URL, DEMO_DEPOSIT_USER, DEMO_DEPOSIT_PASSWORD and CAASCTL are set');
	mkdirSync(OUT, { recursive: true });

	const { browser, page } = await launch(STEP_TIMEOUT);
	try {
		// Nothing a page loads may fail, and nothing may break the CSP.
		const problems = [];
		page.on('requestfailed', (req) => {
			problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
		});
		page.on('response', (res) => {
			if (res.status() >= 400)
				problems.push(`HTTP ${res.status()}: ${res.url()}`);
		});
		page.on('console', (msg) => {
			if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
				problems.push(`console ${msg.type()}: ${msg.text()} (${msg.location().url})`);
		});
		page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

		let creds = null;	// { kid, hmac, server }
		let subId = null;

		await step('the demo deposit customer signs in', async () => {
			await page.goto(`${BASE}/login?next=/acme/new`);
			await page.fill('input[name=login]', USER);
			await page.fill('input[name=password]', PASSWORD);
			await Promise.all([page.waitForURL((u) => appPath(u) === '/acme/new'),
			    page.click('#login-submit')]);
			return (await page.locator('form#create-form').count()) === 1 || 'no form#create-form';
		});

		const previewed = await step(`the preview of DV for ${D1} and ${D2} shows two lines and the totals`, async () => {
			await page.check('#type-DV');
			await page.fill('#name', NAME);
			await page.fill('#domains', `${D1}\n${D2}`);
			await Promise.all([page.waitForLoadState('load'), page.click('#preview')]);
			await page.waitForSelector('table#quote');
			const domains = await page.locator('#quote tbody tr td:first-child').allTextContents();
			if (domains.map((d) => d.trim()).join(',') !== `${D1},${D2}`)
				return `quote lines: ${JSON.stringify(domains)}`;
			for (const id of ['#quote-total', '#quote-vat', '#quote-gross']) {
				const text = (await page.locator(id).textContent()) || '';
				if (!/€\s?\d/.test(text))
					return `${id} is "${text}"`;
			}
			if ((await page.locator('[role=alert]').count()) !== 0)
				return `an alert is shown: ${await page.locator('[role=alert]').first().textContent()}`;
			await page.screenshot({ path: join(OUT, 'acme-quote.png'), fullPage: true });
			return (await page.locator('#subscribe').isVisible()) || 'no visible #subscribe button';
		});

		const subscribed = previewed && await step('subscribing shows the EAB key id, HMAC key and server once, with the warning', async () => {
			const [res] = await Promise.all([
			    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().resourceType() === 'document'),
			    page.click('#subscribe')]);
			await page.waitForLoadState('load');
			if (res.status() !== 201)
				return `POST /acme/new answered ${res.status()}`;
			const text = async (sel) => ((await page.locator(sel).textContent()) || '').trim();
			creds = { kid: await text('code#eab-kid'), hmac: await text('code#eab-hmac'),
			    server: await text('code#acme-server') };
			if (!/^[A-Za-z0-9_-]{8,}$/.test(creds.kid) || !/^[A-Za-z0-9_-]{16,}$/.test(creds.hmac))
				return `credentials: ${JSON.stringify(creds)}`;
			if (!/^https:\/\/.+/.test(creds.server))
				return `acme-server is "${creds.server}"`;
			const warning = await text('#hmac-warning');
			if (!/only/i.test(warning) || !/never/i.test(warning))
				return `warning is "${warning}"`;
			const certbot = await text('#example-certbot');
			if (!certbot.includes(`--eab-hmac-key ${creds.hmac}`) || !certbot.includes(`--server ${creds.server}`))
				return `certbot example is "${certbot}"`;
			const href = await page.locator('#open-subscription').getAttribute('href');
			const m = (href || '').startsWith(`${BASE_PATH}/`) ?
			    /^\/acme\/(\d+)$/.exec(appPath(new URL(href, page.url()))) : null;
			if (!m)
				return `link to the subscription: ${href}`;
			subId = m[1];
			await page.screenshot({ path: join(OUT, 'acme-created.png'), fullPage: true });
			return true;
		});

		if (subscribed) {
			await step('reloading the page (the POST again) says the credentials were shown and hides the HMAC key', async () => {
				page.once('dialog', (d) => d.accept());
				const res = await page.reload({ waitUntil: 'load' });
				if (res && res.request().method() !== 'POST')
					return `the reload sent a ${res.request().method()}, not the POST again`;
				if (res && res.status() !== 200)
					return `the replay answered ${res.status()}`;
				if (!(await page.locator('#already-shown').isVisible()))
					return 'no #already-shown';
				if ((await page.locator('#eab-hmac').count()) !== 0)
					return '#eab-hmac is still there';
				const html = await page.content();
				return !html.includes(creds.hmac) || 'the HMAC key is in the page';
			});
		} else {
			skip('reloading the page says the credentials were shown and hides the HMAC key', 'not subscribed');
		}

		const issued = subscribed && await step(`certbot obtains certificates for ${D1} and ${D2} with those credentials`, async () => {
			const r = run('bash', [join(HERE, 'subscription-certbot.sh'), creds.server, creds.kid,
			    creds.hmac, D1, D2], { env: { ...process.env, ROOT } });
			if (r.output)
				console.log(r.output.split('\n').map((l) => `# ${l}`).join('\n'));
			return r.ok || 'subscription-certbot.sh failed (its output is above)';
		});

		const synced = issued && await step('caasctl sync records the certificates', async () => {
			const r = caasctl('sync');
			if (!r.ok)
				return r.output;
			const m = /(\d+) new certificates/.exec(r.output);
			return (m && Number(m[1]) >= 2) || `sync printed: ${r.output}`;
		});

		if (synced) {
			await step('the subscription page lists an SGACME- certificate of the new domains, and no HMAC key', async () => {
				await page.goto(`${BASE}/acme/${subId}`);
				const rows = await page.locator('table#certificates tbody tr').evaluateAll((trs) =>
				    trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
				const mine = rows.filter((r) => /^SGACME-\d+$/.test(r[0]) && (r[1] === D1 || r[1] === D2));
				if (mine.length === 0)
					return `certificate rows: ${JSON.stringify(rows)}`;
				const html = await page.content();
				if (html.includes(creds.hmac))
					return 'the HMAC key is in the page';
				const kid = ((await page.locator('#acme-connection code#eab-kid').textContent()) || '').trim();
				await page.screenshot({ path: join(OUT, 'acme-show.png'), fullPage: true });
				return kid === creds.kid || `key id on the page: "${kid}"`;
			});

			await step(`the certificate search for b1-${RAND} finds it, linked to the subscription`, async () => {
				await page.goto(`${BASE}/certificates`);
				await page.fill('#cert-search', `b1-${RAND}`);
				await Promise.all([page.waitForURL((u) => u.searchParams.get('q') === `b1-${RAND}`),
				    page.press('#cert-search', 'Enter')]);
				const rows = page.locator('table#cert-table tbody tr');
				const count = await rows.count();
				if (count < 1)
					return 'no row in #cert-table';
				const domains = await rows.locator('td:nth-child(2)').allTextContents();
				if (!domains.every((d) => d.trim() === D1))
					return `domains found: ${JSON.stringify(domains)}`;
				const href = await rows.first().locator(`a[href="${BASE_PATH}/acme/${subId}"]`).count();
				await page.screenshot({ path: join(OUT, 'certificates.png'), fullPage: true });
				return href === 1 || `no link to /acme/${subId} in the row`;
			});
		} else {
			skip('the subscription page lists an SGACME- certificate', 'no certificate issued or synced');
			skip('the certificate search finds it', 'no certificate issued or synced');
		}

		await step('no failed request, no HTTP error and no CSP violation', async () => {
			return problems.length === 0 || problems.join('\n');
		});
	} finally {
		await browser.close();
	}
}

runTest(main, RUN_TIMEOUT, 'the subscription browser test');
