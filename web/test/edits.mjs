// The page's text box under random edits, checked against the Rust API. Seeded random edits
// as a person makes them — typing (accents, emoji, new lines), Backspace, Tab and word taps,
// arrows and Home/End, Shift-selections deleted or typed over, long pastes, select-all — in
// headless Chromium, with the page tracing each state it brought its session to (?trace).
// The reference (`keyboard-transcript --field`) follows the same states through
// `runtime::Session`; after every edit the page must show exactly its panel (characters,
// suffixes, probabilities bit for bit) for exactly the text before the cursor.
//
//   node edits.mjs REFERENCE_BINARY MODEL LEXICON BLOCKED OUT_DIR [EDITS] [SEED]

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serve } from './serve.mjs';
import { compare } from './transcript.mjs';

const [reference, model, lexicon, blocked, outDir, edits = '200', seed = '27'] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node edits.mjs REFERENCE_BINARY MODEL LEXICON BLOCKED OUT_DIR [EDITS] [SEED]');
  process.exit(2);
}

/** mulberry32: a small seeded generator, so a failure replays with its seed. */
function generator(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = generator(Number(seed));
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];

const PIECES = ['the ', 'I will meet you at the rest', 'aurant ', 'tomorrow', ', ', '. ', 'Quillsby ',
  'café ', 'naïve ', '👍 ', '\n', 'and ', 'we can talk about the project', 'x', "don't ", '?'];
const PASTE = 'Pasted text that runs past what the page types key by key, so the session starts ' +
  'over from its last characters instead: ';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await serve(web);
const browser = await launchChromium();
const page = await browser.newPage();
page.on('pageerror', (e) => console.log(`  FAIL page error: ${e.message}`));
await page.goto(`http://127.0.0.1:${server.address().port}/?trace`);
await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
await page.click('#text');

/** One random edit; returns what it did. */
async function edit() {
  await page.focus('#text');
  const kb = page.keyboard;
  const kind = pick(['type', 'type', 'type', 'backspace', 'tab', 'tap', 'arrows', 'home-end',
    'select-delete', 'select-type', 'paste', 'select-all']);
  switch (kind) {
    case 'type': {
      const t = pick(PIECES);
      await kb.type(t);
      return `type ${JSON.stringify(t)}`;
    }
    case 'backspace': {
      const n = int(1, 6);
      for (let i = 0; i < n; i++) await kb.press('Backspace');
      return `Backspace x${n}`;
    }
    case 'tab': {
      // Tab accepts a word only when one is shown; otherwise it leaves the text box.
      if (!(await page.$('#words button'))) return 'Tab (no word shown: skipped)';
      await kb.press('Tab');
      return 'Tab';
    }
    case 'tap': {
      const buttons = await page.$$('#words button');
      if (!buttons.length) return 'tap (no word shown: skipped)';
      const i = int(0, buttons.length - 1);
      await buttons[i].click();
      return `tap word ${i}`;
    }
    case 'arrows': {
      const key = pick(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']);
      const n = int(1, 12);
      for (let i = 0; i < n; i++) await kb.press(key);
      return `${key} x${n}`;
    }
    case 'home-end': {
      const key = pick(['Home', 'End', 'Control+Home', 'Control+End']);
      await kb.press(key);
      return key;
    }
    case 'select-delete':
    case 'select-type': {
      const n = int(1, 20);
      const key = pick(['Shift+ArrowLeft', 'Shift+ArrowRight']);
      for (let i = 0; i < n; i++) await kb.press(key);
      if (kind === 'select-delete') {
        await kb.press(pick(['Backspace', 'Delete']));
        return `${key} x${n}, deleted`;
      }
      const t = pick(PIECES);
      await kb.type(t);
      return `${key} x${n}, typed over with ${JSON.stringify(t)}`;
    }
    case 'paste': {
      const t = PASTE.repeat(int(1, 3)).slice(0, int(65, 400));
      await kb.insertText(t);
      return `paste ${t.length} characters`;
    }
    case 'select-all': {
      await kb.press('Control+A');
      if (random() < 0.5) {
        await kb.press('Backspace');
        return 'select all, deleted';
      }
      const t = pick(PIECES);
      await kb.type(t);
      return `select all, typed over with ${JSON.stringify(t)}`;
    }
  }
  throw new Error(kind);
}

/** The page now: how many states it traced, the text before the cursor, its panel. */
const now = () =>
  page.evaluate(() => {
    const a = document.getElementById('text');
    return {
      synced: window.__synced.length,
      before: a.value.slice(0, a.selectionStart),
      next: [...document.querySelectorAll('#next button')].map((b) => ({ char: b.dataset.char, p: Number(b.dataset.p) })),
      words: [...document.querySelectorAll('#words button')].map((b) => ({ suffix: b.dataset.suffix, p: Number(b.dataset.p) })),
      error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
    };
  });

const after = [];
for (let i = 0; i < Number(edits); i++) {
  const what = await edit();
  after.push({ what, ...(await now()) });
}
const states = await page.evaluate(() => window.__synced);
await browser.close();
server.close();

const file = join(outDir, 'edit-states.bin');
const bytes = states.map(({ before, force }) => Buffer.concat([Buffer.from(force ? 'F' : 'S'), Buffer.from(before, 'utf8'), Buffer.from([0])]));
writeFileSync(file, Buffer.concat(bytes));
const run = spawnSync(reference, ['--field', model, file, lexicon, blocked], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (run.status !== 0) {
  console.log(`  FAIL the reference failed: ${run.stderr}`);
  process.exit(1);
}
const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
const problems = [];
if (lines.length !== states.length) problems.push(`${states.length} states traced, the reference printed ${lines.length}`);
after.forEach((a, i) => {
  if (a.error) problems.push(`after edit ${i + 1} (${a.what}): the page shows an error: ${a.error}`);
  const want = lines[a.synced - 1];
  if (!want) return problems.push(`after edit ${i + 1} (${a.what}): no state traced`);
  // The text compared is the text before the cursor: the page must have followed every change.
  problems.push(...compare(i + 1, { ...want, key: a.what }, { ...a, text: a.before }));
});
const kinds = new Set(after.map((a) => a.what.split(' ')[0])).size;
console.log(`  ${Number(edits)} random edits (seed ${seed}, ${kinds} kinds), ${states.length} session states: ` +
  (problems.length ? `${problems.length} differences` : 'every panel identical to the Rust API'));
problems.slice(0, 8).forEach((p) => console.log(`  FAIL ${p}`));
process.exit(problems.length ? 1 : 0);
