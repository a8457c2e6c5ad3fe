// The page in headless Chromium (Debian's binary, driven by playwright-core; no browser is
// downloaded). It types the transcript's keys into the text area, Backspace and Tab included,
// and after every key reads the suggestions the page shows: they must equal the Rust API's
// (characters, suffixes, probabilities bit for bit), with each build: the one the page picks
// by itself (relaxed SIMD in current Chromium), SIMD128, and no SIMD.
// Then the file picker: a damaged model must show the runtime's error and keep the old model;
// another valid model must replace it.
//
// The learned words: a new word typed twice is suggested, survives a reload (localStorage), and
// "forget my words" removes it. The main thread's longest task (PerformanceObserver 'longtask')
// while deleting a 100 KB text at once, and while opening a large model (BIG_MODEL, a
// 52 MB f32 GRU 1x2048), is printed and held to its bound; a damaged file picked while that
// model loads shows its message, and the model from before both stays.
//
//   node browser.mjs TRANSCRIPT.jsonl OTHER_MODEL.quill SCREENSHOT.png [BIG_MODEL.quill]

import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serve } from './serve.mjs';
import { KEYS, compare, readTranscript } from './transcript.mjs';

const [transcript, otherModel, screenshot, bigModel] = process.argv.slice(2);
/** The longest main-thread task allowed for any edit of a 100 KB text, and while a large
 * model loads (ms). */
const EDIT_TASK_MS = 100;
const LOAD_TASK_MS = 100;
const expected = readTranscript(transcript);
const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_AT = KEYS.indexOf('more lov') + 'more lov'.length;

const server = await serve(web);
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchChromium();
let failures = 0;
const fail = (msg) => {
  failures++;
  console.log(`  FAIL ${msg}`);
};

/** What the page shows now. */
const shown = (page) =>
  page.evaluate(() => ({
    text: document.getElementById('text').value,
    next: [...document.querySelectorAll('#next button')].map((b) => ({
      char: b.dataset.char,
      p: Number(b.dataset.p),
    })),
    words: [...document.querySelectorAll('#words button')].map((b) => ({
      suffix: b.dataset.suffix,
      p: Number(b.dataset.p),
    })),
    error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
    model: document.getElementById('model-name').textContent,
    kernel: document.getElementById('kernel').textContent,
    speed: document.getElementById('speed').textContent,
  }));

async function open(build) {
  const page = await browser.newPage({ viewport: { width: 430, height: 860 }, deviceScaleFactor: 2 });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  // Every main-thread task over 50 ms, from the start.
  await page.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(build ? `${url}?wasm=${build}` : url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return page;
}

for (const build of [null, 'quill-simd', 'quill']) {
  const first = build === null;
  const page = await open(build);
  const start = await shown(page);
  console.log(`Chromium ${browser.version()}, ${start.kernel}: ${start.model}; ${start.speed}`);
  if (start.error) fail(`the page shows an error: ${start.error}`);
  const want = build ?? 'quill-relaxed'; // Chromium ≥ 114 has relaxed SIMD
  if (!start.kernel.includes(`${want}.wasm`) || start.kernel.includes('failed')) {
    fail(`expected ${want}.wasm, the page says: ${start.kernel}`);
  }
  const problems = compare(0, expected[0], start);
  await page.click('#text');
  const keys = [...KEYS];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === '\b') await page.keyboard.press('Backspace');
    else if (k === '\t') await page.keyboard.press('Tab');
    else if (k === '\n') await page.keyboard.press('Enter');
    else await page.keyboard.type(k);
    problems.push(...compare(i + 1, expected[i + 1], await shown(page)));
    if (first && i + 1 === SCREENSHOT_AT && screenshot) {
      await page.screenshot({ path: screenshot, fullPage: true });
    }
  }
  console.log(`  ${problems.length ? 'FAIL' : 'identical to the Rust API'} over ${keys.length} keys`);
  problems.slice(0, 5).forEach((p) => fail(p));
  failures += problems.length > 5 ? problems.length - 5 : 0;

  if (first) {
    // The file picker: a damaged model is refused with the runtime's message, the page keeps
    // working on the old one; a valid one replaces it.
    const bytes = readFileSync(otherModel);
    const damaged = Buffer.from(bytes);
    damaged[damaged.length >> 1] ^= 0x40;
    const dir = mkdtempSync(join(tmpdir(), 'quill-web-'));
    writeFileSync(join(dir, 'damaged.quill'), damaged);
    await page.setInputFiles('#file', join(dir, 'damaged.quill'));
    await page.waitForFunction(() => !document.getElementById('error').hidden);
    const after = await shown(page);
    if (!/damaged\.quill: not a usable model: .*checksum/.test(after.error)) {
      fail(`damaged model: the page says ${JSON.stringify(after.error)}`);
    } else {
      console.log(`  damaged model refused: ${after.error}`);
    }
    if (after.model !== start.model) fail(`the damaged model replaced the old one: ${after.model}`);
    await page.setInputFiles('#file', otherModel);
    await page.waitForFunction(
      (name) => document.getElementById('model-name').textContent.startsWith(name),
      otherModel.split('/').pop(),
    );
    const other = await shown(page);
    if (other.error) fail(`valid model: error ${other.error}`);
    if (other.next.length !== 3) fail(`valid model: ${other.next.length} next characters shown`);
    console.log(`  opened ${other.model}`);

    // The learned words: "Quillsby" typed twice is suggested after "Qui", kept over a reload,
    // and gone after "forget my words".
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    await page.click('#text');
    await page.keyboard.type('Meet Quillsby at noon. Ask Quillsby why. Qui');
    const learned = await shown(page);
    const userWords = await page.textContent('#user-words');
    if (!learned.words.some((w) => w.suffix === 'llsby') || !userWords.includes('Quillsby')) {
      fail(`learned word not offered: ${JSON.stringify(learned.words)}, your words: ${userWords}`);
    } else {
      console.log(`  learned "Quillsby" after two uses: offered after "Qui" (your words: ${userWords})`);
    }
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    if (!(await page.textContent('#user-words')).includes('Quillsby')) fail('learned words lost on reload');
    await page.click('#forget');
    if ((await page.textContent('#user-words')) !== 'none yet') fail('"forget my words" kept them');
    await page.click('#text');
    await page.keyboard.type('Qui');
    if ((await shown(page)).words.some((w) => w.suffix === 'llsby')) fail('a forgotten word was offered');

    // A long deletion: 100 KB pasted, all selected, one Backspace.
    await page.evaluate(() => {
      const a = document.getElementById('text');
      a.value = 'The quick brown fox jumps over the lazy dog. '.repeat(2300);
      a.setSelectionRange(a.value.length, a.value.length);
      a.dispatchEvent(new Event('input'));
      window.__longest = 0;
    });
    const t0 = Date.now();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => document.getElementById('text').value === '');
    const longest = await page.evaluate(() => window.__longest);
    const left = await shown(page);
    console.log(`  deleting 100 KB at once: longest main-thread task ${longest.toFixed(0)} ms (≤ ${EDIT_TASK_MS}; 0: none over 50 ms), ${Date.now() - t0} ms in all`);
    if (longest > EDIT_TASK_MS) fail(`deleting 100 KB blocked the page for ${longest} ms`);
    if (left.next.length !== 3) fail('no suggestions after the deletion');

    if (bigModel) {
      // A large valid model: the page keeps responding while it loads.
      await page.evaluate(() => (window.__longest = 0));
      const t1 = Date.now();
      await page.setInputFiles('#file', bigModel);
      await page.waitForFunction(
        (name) => document.getElementById('model-name').textContent.startsWith(name),
        bigModel.split('/').pop(),
        { timeout: 120000 },
      );
      const loadLongest = await page.evaluate(() => window.__longest);
      console.log(`  opening ${bigModel.split('/').pop()}: longest main-thread task ${loadLongest.toFixed(0)} ms (≤ ${LOAD_TASK_MS}), ${Date.now() - t1} ms in all`);
      if (loadLongest > LOAD_TASK_MS) fail(`opening a large model blocked the page for ${loadLongest} ms`);

      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });

      // A second pick while the first still loads: the last one picked decides. Here it is the
      // damaged file: its message shows and the model from before both stays.
      const before = await shown(page);
      await page.setInputFiles('#file', bigModel);
      await page.setInputFiles('#file', join(dir, 'damaged.quill'));
      await page.waitForFunction(() => !document.getElementById('error').hidden);
      await new Promise((r) => setTimeout(r, 3000)); // room for the first load to finish, if it would
      const raced = await shown(page);
      if (!/damaged\.quill: not a usable model/.test(raced.error) || raced.model !== before.model) {
        fail(`two picks in a row: ${JSON.stringify({ error: raced.error, model: raced.model, was: before.model })}`);
      } else {
        console.log(`  two picks in a row: the second's message shows, ${raced.model} stays`);
      }
    }

    // Offline: once the service worker has cached the page, a reload with the network cut
    // still opens the default model and suggests.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.context().setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    const offline = await shown(page);
    if (offline.error || offline.next.length !== 3 || offline.model !== start.model) {
      fail(`offline reload: ${JSON.stringify(offline)}`);
    } else {
      console.log(`  offline reload: ${offline.model}, ${offline.next.length} next characters`);
    }
    await page.context().setOffline(false);
  }
  await page.close();
}

await browser.close();
server.close();
console.log(failures ? `browser test: ${failures} failures` : 'browser test: passed');
process.exit(failures ? 1 : 0);
