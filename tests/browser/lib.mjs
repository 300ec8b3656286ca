// Shared by the browser scripts: launch Debian's Chromium headless with a fresh profile (the
// flags issue 16 names), collect page errors, CSP violations and any response carrying the
// secret, and report steps as `ok - ...` lines with a last `RESULT {json}` line.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function env(k) {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
}

export function check(cond, what) {
  if (!cond) throw new Error(what);
}

export const step = (name) => console.log(`ok - ${name}`);

/**
 * Run `body(page, problems)` in a fresh headless Chromium opened on nothing yet; print
 * `RESULT <json of what body returns>`, or `not ok - reason` and exit status 1.
 */
export async function withBrowser(body, { inspector, secret }) {
  const profile = mkdtempSync(join(tmpdir(), 'cmzon-hook-chromium-'));
  const problems = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1400, height: 900 },
      colorScheme: 'light',
      acceptDownloads: true,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    context.setDefaultTimeout(15000);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // A CSP violation or an uncaught error is a bug; a failed request the page reports itself.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('response', async (r) => {
      if (!r.url().startsWith(inspector) || r.url().endsWith('/api/events')) return;
      try {
        if ((await r.text()).includes(secret)) problems.push(`the secret is in ${r.url()}`);
      } catch {
        // bodies of downloads are not readable here (the Rust side checks the export)
      }
    });
    const result = await body(page);
    check(problems.length === 0, problems.join('\n'));
    console.log(`RESULT ${JSON.stringify(result ?? {})}`);
  } catch (e) {
    console.error(`not ok - ${e.message}`);
    if (problems.length) console.error(problems.join('\n'));
    process.exitCode = 1;
  } finally {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Helpers over the page's list (rows carry data-testid=row, data-id, data-verdict). */
export function listHelpers(page) {
  const rows = page.getByTestId('row');
  const row = (id) => page.locator(`[data-testid=row][data-id="${id}"]`);
  const detail = (id) => page.locator(`[data-testid=detail-view][data-id="${id}"]`);
  const ids = () => rows.evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
  const maxId = async () => Math.max(0, ...(await ids()));
  /**
   * The id of the first row newer than `after` that replays `source` (or, with `source` null,
   * that replays nothing), once it is listed. No eval in the page: its CSP forbids it.
   */
  const newRow = async (after, source) => {
    const h = await page.waitForFunction(
      ([after, source]) => {
        const r = [...document.querySelectorAll('[data-testid=row]')].find((x) => {
          if (Number(x.dataset.id) <= after) return false;
          const link = x.querySelector('[data-testid=replay-of] a[data-ref]');
          return source === null ? !link : link?.dataset.ref === String(source);
        });
        return r ? Number(r.dataset.id) : null;
      },
      [after, source],
    );
    return h.jsonValue();
  };
  const open = async (id) => {
    await row(id).click();
    await detail(id).waitFor();
  };
  const verdictOf = (id) => row(id).getAttribute('data-verdict');
  /**
   * Wait until `pred(arg)` holds; it runs in the page (serialized: it sees only `arg` and the
   * DOM), e.g. `(n) => document.querySelectorAll('[data-testid=row]').length === n`.
   */
  const waitList = async (what, pred, arg) => {
    await page.waitForFunction(pred, arg).catch(async (e) => {
      throw new Error(`${what}: the list is ${await ids()} (${e.message.split('\n')[0]})`);
    });
  };
  return { rows, row, detail, ids, maxId, newRow, open, verdictOf, waitList };
}
