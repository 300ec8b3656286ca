// The inspector page used as a person would, in Debian's headless Chromium (playwright-core,
// no browser download). Run by tests/cli/inspector/browser.rs, which starts
// `cmzon-hook listen --ui --secret ...` and sends, before the page opens:
//   #1 messages, #2 message_text (non-ASCII, escaped on the wire), #3 status_delivered,
//   #4 message_image signed with a wrong secret, #5 an unsigned body that is not UTF-8,
//   #6 errors, #7 message_reaction, #8 the same reaction again (a duplicate of #7).
// Env: INSPECTOR_URL, WEBHOOK_URL, CMZON_HOOK_BIN, CMZON_HOOK_TEST_SECRET, EXPORT_PATH,
// SCREENSHOT_PATH (empty: no screenshot), CHROMIUM.
// Prints `ok - STEP` per step and a last line `RESULT {json}` for the Rust side; exits 1 with
// the reason on the first failure. Locators and waitForFunction wait by themselves: no sleeps.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { check, env, listHelpers, step, withBrowser } from './lib.mjs';

const run = promisify(execFile);
const INSPECTOR = env('INSPECTOR_URL');
const WEBHOOK = env('WEBHOOK_URL');
const BIN = env('CMZON_HOOK_BIN');
const SECRET = env('CMZON_HOOK_TEST_SECRET');
const EXPORT_PATH = env('EXPORT_PATH');
const SCREENSHOT = process.env.SCREENSHOT_PATH || '';
const BEFORE = 8;

/** Runs in the page (serialized by playwright): does the list match `spec`? */
const listIs = (spec) => {
  const rs = [...document.querySelectorAll('[data-testid=row]')];
  const ids = rs.map((r) => Number(r.dataset.id));
  if (spec.count !== undefined && rs.length !== spec.count) return false;
  if (spec.min !== undefined && rs.length < spec.min) return false;
  if (spec.below !== undefined && rs.length >= spec.below) return false;
  if (spec.verdict && !rs.every((r) => r.dataset.verdict === spec.verdict)) return false;
  if (spec.ids && ids.join() !== spec.ids.join()) return false;
  if (spec.statusClass && !rs.every((r) => r.querySelector('.c-status').textContent.startsWith(spec.statusClass))) return false;
  return true;
};

await withBrowser(async (page) => {
  const result = {};
  const { rows, row, detail, ids, maxId, newRow, open, verdictOf, waitList } = listHelpers(page);

  // 1. Events sent before the page opened are listed, newest on top; one sent while it is open
  // appears without a reload.
  await page.goto(INSPECTOR);
  await row(BEFORE).waitFor();
  check((await rows.count()) === BEFORE, `expected ${BEFORE} rows, got ${await rows.count()}`);
  const order = await rows.evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
  check(order.join() === [8, 7, 6, 5, 4, 3, 2, 1].join(), `newest first: ${order}`);
  check(!(await page.content()).includes(SECRET), 'the page carries the secret');
  await page.getByTestId('live').and(page.locator('[data-state=live]')).waitFor();
  step('events sent before the page opened are listed, newest first');
  await run(BIN, ['send', 'message_location', '--to', WEBHOOK, '--secret', SECRET]);
  await row(BEFORE + 1).waitFor();
  check((await verdictOf(BEFORE + 1)) === 'valid', 'the live one is valid');
  check((await row(BEFORE + 1).getByTestId('summary').textContent()).length > 0, 'the live row has a summary');
  check((await rows.first().getAttribute('data-id')) === String(BEFORE + 1), 'the live one is on top');
  step('an event sent while the page is open appears at the top without a reload');

  // The screenshot README shows: several kinds, a duplicate, the forged one open.
  if (SCREENSHOT) {
    await open(4);
    await page.evaluate(() => {
      document.getElementById('toast').hidden = true;
    });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled' });
    step(`screenshot written to ${SCREENSHOT}`);
  }

  // 2. Opening one shows headers in order and case, the exact body with its escapes, the verdict.
  await open(2);
  const headers = await page.getByTestId('headers').textContent();
  check(headers.includes('X-Hub-Signature-256'), `headers: ${headers}`);
  check(headers.includes('Content-Type'), `headers: ${headers}`);
  await page.getByTestId('view-text').click();
  const exact = await page.getByTestId('body-text').textContent();
  check(exact.includes('\\u00e9'), `the exact body shows \\u00e9 escapes: ${exact.slice(0, 300)}`);
  check(!exact.includes('é'), 'the exact body is not decoded');
  check((await detail(2).locator('[data-testid=verdict] .badge').getAttribute('data-verdict')) === 'valid', 'verdict valid');
  await page.getByTestId('view-tree').click();
  const tree = await page.getByTestId('body-tree').textContent();
  check(tree.includes('Amélie'), 'the JSON tree shows decoded values');
  await page.locator('[data-testid=body-tree] details > summary').first().click();
  check((await page.locator('[data-testid=body-tree] details').first().getAttribute('open')) === null, 'a tree node collapses');
  await page.getByTestId('view-text').click();
  step('opening a request shows headers, the exact body (escapes visible), a JSON tree and the verdict');

  // 3. The forged one shows verify's reason, and expected vs received signatures.
  await open(4);
  check((await verdictOf(4)) === 'invalid', 'the forged row is invalid');
  const reason = await page.getByTestId('reason').textContent();
  check(reason.includes('signature mismatch'), `reason: ${reason}`);
  const got = await page.getByTestId('sig-received').textContent();
  const want = await page.getByTestId('sig-expected').textContent();
  check(got.startsWith('sha256=') && want.startsWith('sha256=') && got !== want, `signatures: ${got} / ${want}`);
  await open(5);
  check((await page.getByTestId('verdict').textContent()).includes('unsigned'), 'no signature: labelled unsigned');
  check((await detail(5).locator('[data-testid=verdict] .badge').getAttribute('data-verdict')) === 'missing', 'verdict missing');
  const hex = await page.getByTestId('body-hex').textContent();
  check(hex.includes('ff fe'), `hex view: ${hex.slice(0, 200)}`);
  step('a forged request shows its reason and both signatures; a non-UTF-8 body shows as hex');

  // 4. Replay as captured, edit-and-replay (by path and by body) and a forged send reach the
  // endpoint and come back as new rows linked to their source.
  await open(1);
  let last = await maxId();
  await page.getByTestId('replay-mode').selectOption('as-captured');
  await page.getByTestId('replay').click();
  const replayed = await newRow(last, 1);
  check((await verdictOf(replayed)) === 'valid', 'the replay as captured is valid');
  step(`replay as captured arrives as #${replayed}, linked to #1`);

  last = await maxId();
  await page.getByTestId('edit').click();
  await page.getByTestId('edit-set').fill('no line without an equals sign');
  await page.getByTestId('edit-send').click();
  await page.getByTestId('edit-error').filter({ hasText: 'path=value' }).waitFor();
  await page.getByTestId('edit-set').fill('entry.0.changes.0.value.messages.0.text.body=edited in the browser test');
  await page.getByTestId('edit-send').click();
  const edited = await newRow(last, 1);
  check((await verdictOf(edited)) === 'valid', 'the edited replay is re-signed: valid');
  await open(edited);
  check((await page.getByTestId('body-text').textContent()).includes('"edited in the browser test"'), 'the edit reached the endpoint');
  step(`edit-and-replay by path arrives as #${edited}, re-signed, linked to #1`);

  await open(2);
  last = await maxId();
  await page.getByTestId('edit').click();
  const original = await page.getByTestId('edit-body').inputValue();
  check(original.includes('\\u00e9'), 'the edit box holds the exact body');
  await page.getByTestId('edit-body').fill(original.replace('Bonjour', 'Bonsoir'));
  await page.getByTestId('edit-send').click();
  const editedBody = await newRow(last, 2);
  check((await verdictOf(editedBody)) === 'valid', 'the body edit is re-signed: valid');
  await open(editedBody);
  const eb = await page.getByTestId('body-text').textContent();
  check(eb.includes('Bonsoir') && eb.includes('\\u00e9'), 'the edited body is sent as typed');
  step(`edit-and-replay of the body text arrives as #${editedBody}, linked to #2`);

  await open(1);
  last = await maxId();
  await page.getByTestId('forge-kind').selectOption('wrong-secret');
  await page.getByTestId('forge').click();
  const forged = await newRow(last, 1);
  check((await verdictOf(forged)) === 'invalid', 'a wrong-secret forgery is invalid');
  await open(forged);
  check((await page.getByTestId('reason').textContent()).includes('signature mismatch'), 'forged reason');
  await open(1);
  last = await maxId();
  await page.getByTestId('forge-kind').selectOption('modified-body');
  await page.getByTestId('forge').click();
  const modified = await newRow(last, 1);
  check((await verdictOf(modified)) === 'invalid', 'a body changed under its signature is invalid');
  last = await maxId();
  await page.getByTestId('forge-kind').selectOption('no-signature');
  await page.getByTestId('forge').click();
  const unsigned = await newRow(last, 1);
  check((await verdictOf(unsigned)) === 'missing', 'a forgery without a signature is unsigned');
  step(`forged sends arrive linked to #1: wrong secret #${forged} and changed body #${modified} invalid, no signature #${unsigned} unsigned`);

  // 5. A duplicate links to the request it repeats; diff shows they are the same bytes.
  await row(8).getByTestId('duplicate-of').getByRole('link', { name: '#7' }).click();
  await detail(7).waitFor();
  await open(8);
  await detail(8).getByTestId('diff-with').first().click();
  const dup = page.locator('[data-testid=diff-view][data-left="7"][data-right="8"]');
  await dup.getByTestId('diff-relation').filter({ hasText: '#8 is a duplicate of #7' }).waitFor();
  await dup.getByTestId('diff-summary').filter({ hasText: 'identical' }).waitFor();
  step('a duplicate links to the request it repeats, and diffs as identical bytes');

  // 6. Diff of a replay and its source: the first difference is marked; identical bodies say so.
  await row(1).getByTestId('row-check').check();
  await row(edited).getByTestId('row-check').check();
  const diffOf = (a, b) => page.locator(`[data-testid=diff-view][data-left="${a}"][data-right="${b}"]`);
  await page.getByTestId('diff').click();
  await diffOf(1, edited).waitFor();
  check((await page.getByTestId('diff-summary').textContent()).includes('differ'), 'bodies differ');
  await page.locator('[data-testid=diff-view] mark.diff-first').first().waitFor();
  const relation = await page.getByTestId('diff-relation').textContent();
  check(relation.includes(`#${edited} replays #1`), `the diff names the relation: ${relation}`);
  await row(edited).getByTestId('row-check').uncheck();
  await row(replayed).getByTestId('row-check').check();
  await page.getByTestId('diff').click();
  await diffOf(1, replayed).getByTestId('diff-summary').filter({ hasText: 'identical' }).waitFor();
  await row(1).getByTestId('row-check').uncheck();
  await row(replayed).getByTestId('row-check').uncheck();
  step('diff marks the first difference of an edit and calls a replay as captured identical');

  // 7. Filters and search narrow the list.
  const all = (await ids()).length;
  await page.getByTestId('filter-verdict').selectOption('invalid');
  await waitList('verdict invalid', listIs, { min: 2, below: all, verdict: 'invalid' });
  check((await ids()).includes(4) && (await ids()).includes(forged), 'both invalid ones are listed');
  await page.getByTestId('filter-reset').click();
  await waitList('reset', listIs, { count: all });
  await page.getByTestId('filter-kind').selectOption('status');
  await waitList('kind status', listIs, { ids: [3] });
  await page.getByTestId('filter-reset').click();
  await page.getByTestId('filter-type').selectOption('reaction');
  await waitList('type reaction', listIs, { ids: [8, 7] });
  await page.getByTestId('filter-reset').click();
  await page.getByTestId('filter-status').selectOption('4xx');
  await waitList('status 4xx', listIs, { min: 3, statusClass: '4' });
  await page.getByTestId('filter-reset').click();
  await waitList('reset', listIs, { count: all });
  await page.getByTestId('search').fill('edited in the browser');
  await waitList('search', listIs, { ids: [edited] });
  await page.getByTestId('search').fill('no request has this text');
  await page.getByTestId('nomatch').waitFor();
  await page.getByTestId('filter-reset').click();
  await waitList('reset', listIs, { count: all });
  step('filters by verdict, kind, type and status, and body search, narrow the list');

  // 8. Keyboard: `/` focuses search, j/k move, Enter opens, `r` replays, `?` shows help.
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('/');
  check(await page.getByTestId('search').evaluate((el) => el === document.activeElement), '/ focuses the search');
  await page.keyboard.press('Escape');
  // The highlight starts where the last click left it (or above the top row).
  const listed = await ids();
  const at = listed.indexOf(await page.evaluate(() => Number(document.querySelector('.row.cursor')?.dataset.id)));
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  const second = listed[Math.min(listed.length - 1, at + 2)];
  await detail(second).waitFor();
  last = await maxId();
  await page.keyboard.press('r');
  await newRow(last, second);
  await page.keyboard.press('?');
  await page.getByTestId('help').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('help').waitFor({ state: 'hidden' });
  const above = listed[Math.min(listed.length - 1, at + 1)];
  await page.keyboard.press('x');
  await page.keyboard.press('k');
  await page.keyboard.press('x');
  await page.keyboard.press('d');
  await page.locator(`[data-testid=diff-view][data-left="${Math.min(above, second)}"][data-right="${Math.max(above, second)}"]`).waitFor();
  await row(above).getByTestId('row-check').uncheck();
  await row(second).getByTestId('row-check').uncheck();
  step(`keyboard: / searches, j/k and Enter open #${second}, r replays it, x x d diffs it with #${above}, ? helps`);

  // 9. Copy as curl: the command, run in a shell, is recorded as valid.
  await open(1);
  await page.getByTestId('copy-curl').click();
  const curlBox = detail(1).getByTestId('curl-text'); // shown once it holds the command
  await curlBox.waitFor();
  const curl = await curlBox.inputValue();
  check(curl.startsWith('curl ') && curl.includes('X-Hub-Signature-256') && curl.includes('--data-binary'), `curl: ${curl}`);
  check(!curl.includes(SECRET), 'the curl command carries the secret');
  await page.getByTestId('toast').filter({ hasText: 'curl command copied' }).waitFor();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  check(clip === curl, 'the clipboard holds the same command');
  last = await maxId();
  await run('sh', ['-c', curl]);
  const curlId = await newRow(last, null);
  check((await verdictOf(curlId)) === 'valid', 'the curl request is valid');
  result.curl_id = curlId;
  step(`copy as curl: the command, run with sh -c, arrives as #${curlId}, valid`);

  await open(5);
  await page.getByTestId('copy-curl').click();
  const binaryBox = detail(5).getByTestId('curl-text'); // shown once it holds the command
  await binaryBox.waitFor();
  const binary = await binaryBox.inputValue();
  check(binary.includes('--data-binary @-'), `a body that is not UTF-8 goes through stdin: ${binary}`);
  last = await maxId();
  await run('sh', ['-c', binary]);
  const binId = await newRow(last, null);
  await open(binId);
  check((await page.getByTestId('body-hex').textContent()).includes('ff fe'), 'the bytes arrived exact');
  step(`copy as curl of a body that is not UTF-8 (printf | curl --data-binary @-) arrives as #${binId}, same bytes`);

  // 10. Export the valid ones as JSONL (the Rust side runs `verify` on it).
  await page.getByTestId('filter-verdict').selectOption('valid');
  await waitList('verdict valid', listIs, { min: 5, verdict: 'valid' });
  result.exported = (await ids()).length;
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  await download.saveAs(EXPORT_PATH);
  check(download.suggestedFilename().endsWith('.jsonl'), `file name ${download.suggestedFilename()}`);
  const [har] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-har').click()]);
  check(har.suggestedFilename().endsWith('.har'), `file name ${har.suggestedFilename()}`);
  await har.saveAs(env('HAR_PATH'));
  await page.getByTestId('filter-reset').click();
  await waitList('reset', listIs, { min: all + 2 });
  await row(2).getByTestId('row-check').check();
  await row(1).getByTestId('row-check').check();
  const [checked] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  await checked.saveAs(env('EXPORT_CHECKED_PATH'));
  await row(2).getByTestId('row-check').uncheck();
  await row(1).getByTestId('row-check').uncheck();
  step(`export: ${result.exported} valid requests downloaded as JSONL and as HAR; the checked #1 and #2 as JSONL`);

  // 11. Clear empties the list, in every open tab; the empty state names the command to try.
  // Cleared from a second tab: this one hears it on its event stream (resync) and empties too.
  const other = await page.context().newPage();
  await other.goto(INSPECTOR);
  await other.getByTestId('row').first().waitFor();
  await other.getByTestId('clear').click();
  await other.getByTestId('empty').waitFor();
  await page.getByTestId('empty').waitFor();
  await other.close();
  const tryCmd = await page.getByTestId('try-command').textContent();
  // With GET /api/info (the server's run facts) the command is exact; without it, generic.
  const info = await page.evaluate(async () => {
    const r = await fetch('/api/info');
    return r.ok ? r.json() : null;
  });
  if (info) check(tryCmd === info.try && tryCmd === `cmzon-hook send messages --to ${WEBHOOK}`, `try: ${tryCmd}; info: ${JSON.stringify(info)}`);
  else check(tryCmd.startsWith('cmzon-hook send messages --to '), `try: ${tryCmd}`);
  step(`clear in another tab empties this one too; the empty state says: ${tryCmd}`);

  return result;
}, { inspector: INSPECTOR, secret: SECRET });
