// History and forwarding in the inspector page, in Debian's headless Chromium. Run by
// tests/cli/inspector/browser.rs, which starts `listen --ui --save FILE --forward-to APP`
// on a FILE holding more requests than the inspector keeps, then sends one live request
// (LIVE_ID). Env: INSPECTOR_URL, WEBHOOK_URL, CMZON_HOOK_BIN, CMZON_HOOK_TEST_SECRET, LIVE_ID,
// DROPPED, CHROMIUM.
// Prints `ok - STEP` lines and `RESULT {json}`; exits 1 with the reason on a failure.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { check, env, listHelpers, step, withBrowser } from './lib.mjs';

const run = promisify(execFile);
const BIN = env('CMZON_HOOK_BIN');
const WEBHOOK = env('WEBHOOK_URL');
const BURST = 800;

const INSPECTOR = env('INSPECTOR_URL');
const SECRET = env('CMZON_HOOK_TEST_SECRET');
const LIVE = Number(env('LIVE_ID'));
const DROPPED = Number(env('DROPPED'));

await withBrowser(async (page) => {
  const { row, detail, maxId, newRow, open } = listHelpers(page);
  await page.goto(INSPECTOR);
  await row(LIVE).waitFor();

  const notice = page.getByTestId('dropped');
  await notice.waitFor();
  const said = await notice.textContent();
  check(said.startsWith(`${DROPPED} older requests dropped from view`), `notice: ${said}`);
  const saved = row(LIVE - 1);
  await saved.getByTestId('history').waitFor();
  check((await saved.locator('.c-status').textContent()) === '—', 'a saved request has no answer');
  step(`requests saved by an earlier run are listed; the page says: ${said}`);

  const fwd = await row(LIVE).locator('.c-fwd').textContent();
  check(/^200 \d+(\.\d)? ms$/.test(fwd), `forward column: ${fwd}`);
  await open(LIVE);
  const app = page.getByTestId('forward');
  check((await app.getByTestId('fwd-status').textContent()) === '200', 'the app answered 200');
  check((await app.textContent()).includes('app says ok'), "the app's body is shown");
  step(`a forwarded request shows the app's status and time (${fwd}) and its answer`);

  const last = await maxId();
  await page.getByTestId('replay-target').selectOption('forward');
  await page.getByTestId('replay-mode').selectOption('re-signed');
  await page.getByTestId('replay').click();
  const replay = await newRow(last, LIVE);
  const rf = await row(replay).locator('.c-fwd').textContent();
  check(rf.startsWith('200'), `the replay's forward column: ${rf}`);
  await open(replay);
  await detail(replay).getByTestId('forward').waitFor();
  step(`a re-signed replay to the forward target is listed as #${replay}, linked to #${LIVE}`);

  // Light and dark follow the system.
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await background();
  const lum = (rgb) => rgb.match(/\d+/g).slice(0, 3).reduce((a, b) => a + Number(b), 0) / 3;
  check(lum(light) > 200 && lum(dark) < 60, `backgrounds: light ${light}, dark ${dark}`);
  step(`the theme follows the system: ${light} light, ${dark} dark`);

  // Someone scrolled down to read keeps their rows in place while new ones arrive on top.
  await page.emulateMedia({ colorScheme: 'light' });
  const reading = row(LIVE - 40);
  await reading.evaluate((tr) => tr.scrollIntoView({ block: 'start' }));
  const y = (await reading.boundingBox()).y;
  await run(BIN, ['send', 'messages', '--count', '100', '--to', WEBHOOK, '--secret', SECRET]);
  await row(replay + 100).waitFor({ state: 'attached' });
  const y2 = (await reading.boundingBox()).y;
  check(Math.abs(y2 - y) < 2, `the row being read moved from y=${y} to y=${y2}`);
  await page.getByTestId('row').first().evaluate((tr) => tr.scrollIntoView({ block: 'end' }));
  step(`100 new rows on top leave a scrolled-down reader's row where it was (y=${y})`);

  // A burst while the page is open: the list ends up with the newest on top, in order, and
  // says how many of how many it lists (up to 1,000; from 200 when it refetched after a flood).
  await run(BIN, ['send', 'messages', '--count', String(BURST), '--to', WEBHOOK, '--secret', SECRET]);
  const newest = replay + 100 + BURST;
  await page
    .waitForFunction(
      (newest) => {
        const ids = [...document.querySelectorAll('[data-testid=row]')].map((r) => Number(r.dataset.id));
        const ordered = ids.every((id, i) => i === 0 || ids[i - 1] - 1 === id);
        const counts = document.querySelector('[data-testid=counts]').textContent;
        return ids.length >= 200 && ids[0] === newest && ordered && counts === `10000 requests · newest ${ids.length} listed`;
      },
      newest,
    )
    .catch(async (e) => {
      const ids = await page.getByTestId('row').evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
      const counts = await page.getByTestId('counts').textContent();
      throw new Error(`after a burst of ${BURST}: ${ids.length} rows from #${ids[0]} to #${ids.at(-1)}, want #${newest} on top; counts "${counts}": ${e.message}`);
    });
  step(`a burst of ${BURST} deliveries with the page open ends with #${newest} on top, in order: ${await page.getByTestId('counts').textContent()}`);

  // After the flood the stream is open again: the next delivery appears on its own.
  await page.locator('[data-testid=live][data-state=live]').waitFor({ timeout: 30000 });
  await run(BIN, ['send', 'status_read', '--to', WEBHOOK, '--secret', SECRET]);
  await row(newest + 1).waitFor();
  step(`after the burst the page is live again: #${newest + 1} appears without a reload`);
  return { replay_id: replay, burst_last: newest };
}, { inspector: INSPECTOR, secret: SECRET });
