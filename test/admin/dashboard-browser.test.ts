// The dashboard in a real browser: headless Chromium (Debian `chromium`, installed by .ci/run)
// driven by playwright-core. One screenshot per page goes to test-output/dashboard/ (or
// $PORTICO_TEST_OUTPUT/dashboard/); the assertions read what each page shows, before and after a
// configuration change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ingress } from '../support/manifests.ts';
import { request } from '../support/gateway.ts';
import { startDashboardFixture } from './dashboard-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = path.join(process.env.PORTICO_TEST_OUTPUT ?? path.resolve(import.meta.dirname, '../../test-output'), 'dashboard');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (Debian package chromium; .ci/run installs it)`;

test('dashboard pages in headless Chromium, before and after a config change', { skip, timeout: 60_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'portico-chromium-'));
  await mkdir(OUT, { recursive: true });
  const f = await startDashboardFixture();
  // launchPersistentContext: the only way to give Chromium a --user-data-dir of our own (fresh profile).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  const external: string[] = [];
  const errors: string[] = [];
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(f.gw.adminUrl)) external.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    for (let i = 0; i < 2; i++) await request(f.gw.url + '/', { host: 'gone.example.com' });
    const open = async (name: string, ready: string) => {
      await page.goto(`${f.gw.adminUrl}/dashboard#${name}`);
      await page.locator(`#page-${name}`).getByText(ready).first().waitFor({ timeout: 10_000 });
      return (await page.locator(`#page-${name}`).innerText());
    };
    const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });

    const overview = await open('overview', 'Snapshot version');
    assert.match(overview, /ready/);
    assert.match(overview, new RegExp(`Snapshot version\\s+${f.gw.app.controller.snapshot.version}`));
    assert.match(overview, /shop\/missing\s+shop\/nowhere\s+2\s+2/);
    assert.match(overview, /file\s+\*\s+synced/);
    await shot('overview');

    const routers = await open('routers', 'shop.example.com');
    assert.match(routers, /Exact \/api/);
    assert.match(routers, /127\.0\.0\.1:\d+ healthy/);
    assert.match(routers, /unavailable: ServiceNotFound/);
    assert.doesNotMatch(routers, /blog\.example\.com/);
    await shot('routers');

    const certs = await open('certificates', 'shop/shop-tls');
    assert.match(certs, /shop\.example\.com\s+exact\s+shop\/shop-tls/);
    assert.match(certs, /\(\d+ days\)/);
    await shot('certificates');

    const l4 = await open('l4', 'shop/web:80');
    assert.match(l4, /TCP/);
    await shot('l4');

    const diags = await open('diagnostics', 'InvalidPath');
    assert.match(diags, /Ingress shop\/front/);
    await shot('diagnostics');

    await page.goto(`${f.gw.adminUrl}/dashboard#explain`);
    await page.fill('#explain-url', 'http://shop.example.com/api');
    await page.click('#explain-form button');
    await page.locator('#explain-result').getByText('308 redirect to https, then forwarded').waitFor({ timeout: 10_000 });
    const explain = await page.locator('#explain-result').innerText();
    assert.match(explain, /Exact \/api/);
    assert.match(explain, /shop\/web:80/);
    assert.match(explain, /127\.0\.0\.1:\d+ healthy/);
    assert.match(explain, /Prefix \/\s+shop\/front\s+matches, but lower precedence/);
    await page.fill('#explain-url', 'https://shop.example.com/api');
    await page.click('#explain-form button');
    await page.locator('#explain-result').getByText(/^forwarded$/).waitFor({ timeout: 10_000 });
    await shot('explain');
    await page.fill('#explain-url', 'nothing.example.com/');
    await page.click('#explain-form button');
    await page.locator('#explain-result').getByText('answered by Portico with 404').waitFor({ timeout: 10_000 });

    // A config change: a new host appears and the broken Ingress is fixed. The open page follows
    // on its own (it refreshes every 2 s).
    const before = f.gw.app.controller.snapshot.version;
    await f.gw.write(f.objects([
      ingress('shop', 'blog', [{ host: 'blog.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }]),
      ingress('shop', 'catch-all', [], { defaultBackend: { service: 'web', port: 80 } }),
    ]));
    await page.goto(`${f.gw.adminUrl}/dashboard#routers`);
    await page.locator('#page-routers').getByText('blog.example.com').waitFor({ timeout: 10_000 });
    const after = await page.locator('#page-routers').innerText();
    assert.match(after, new RegExp(`snapshot ${f.gw.app.controller.snapshot.version}`));
    assert.ok(f.gw.app.controller.snapshot.version > before);
    assert.match(after, /Default backend\s+match\s+ingress\s+cluster\s+endpoints\s+default\s+Prefix \/\s+shop\/catch-all\s+shop\/web:80/);
    await shot('routers-after-change');
    await page.goto(`${f.gw.adminUrl}/dashboard#overview`);
    await page.locator('#page-overview').getByText(`${f.gw.app.controller.snapshot.version}`).first().waitFor({ timeout: 10_000 });
    await shot('overview-after-change');

    assert.deepEqual(external, [], 'the dashboard loads nothing from elsewhere');
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await context.close();
    await f.close();
    await rm(profile, { recursive: true, force: true });
  }
});
