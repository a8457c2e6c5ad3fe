// What a key costs on the page, in headless Chromium: the shipped English model with its
// lexicon and block list (web/pkg, from web/build.sh), 1,000 characters of held-out present-day
// English typed key by key through quill.js as the page does (the key, then the panel read:
// next characters and word completions), beside plain model steps of the same module
// (quill_feed_utf8). A key in step-equivalents is the ratio of the two. Each build (relaxed
// SIMD, SIMD128, portable), with the word lists and without; median of 5 rounds after a
// warm-up round.
//
//   node keys.mjs TEXT [--out OUT.json]

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serve } from './serve.mjs';

const KEYS = 1000;
const [textPath, flag, out] = process.argv.slice(2);
if (!textPath) {
  console.error('usage: node keys.mjs HELDOUT.txt [--out OUT.json] (bash scripts/present-day-english.sh fetches the text)');
  process.exit(2);
}
const text = [...readFileSync(resolve(textPath), 'utf8')].slice(0, KEYS).join('');
const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await serve(web);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/index.html?bench`);
const rows = [];
for (const build of ['quill-relaxed', 'quill-simd', 'quill']) for (const lists of [true, false]) {
  const r = await page.evaluate(
    async ({ wasmUrl, text, lists }) => {
      const { Quill } = await import('/quill.js');
      const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
      const module = await Quill.compile(fetch(wasmUrl));
      const q = await Quill.open(module, await get('/pkg/english-gru-1x256-int8.quill'), {
        lexicon: lists ? await get('/pkg/english.qlex') : null,
        blocked: lists ? await get('/pkg/blocked-en.qlex') : null,
      });
      const keys = [...text];
      const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
      let steps = 0;
      let shown = 0;
      const round = () => {
        q.reprime('');
        steps = 0;
        shown = 0;
        const t = performance.now();
        for (const k of keys) {
          q.type(k);
          q.topK();
          shown += q.words().length;
          steps += q.cost().steps;
        }
        return ((performance.now() - t) * 1000) / keys.length;
      };
      round(); // warm-up: Liftoff first, TurboFan takes over meanwhile
      const perKey = [];
      for (let i = 0; i < 5; i++) perKey.push(round());
      const N = 20000;
      q.feedRepeated('e', N);
      const perStep = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        q.feedRepeated('e', N);
        perStep.push(((performance.now() - t) * 1000) / N);
      }
      return { kernel: q.kernel, usPerKey: median(perKey), usPerStep: median(perStep), steps, shown };
    },
    { wasmUrl: `/pkg/${build}.wasm`, text, lists },
  );
  rows.push({ build, lists, keys: [...text].length, ...r });
}
await browser.close();
server.close();
console.log(`Chromium ${browser.version()}, one thread; English GRU 1x256 int8, ${rows[0].keys} keys of held-out text`);
console.log('| wasm build (kernel) | word lists | µs per key | model steps per key | a plain step | step-equivalents | completions shown per key |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.build}.wasm (${r.kernel}) | ${r.lists ? 'lexicon + block list' : 'none'} | ${r.usPerKey.toFixed(1)} | ` +
      `${(r.steps / r.keys).toFixed(2)} | ${r.usPerStep.toFixed(2)} µs | ${(r.usPerKey / r.usPerStep).toFixed(2)} | ` +
      `${(r.shown / r.keys).toFixed(2)} |`,
  );
}
if (flag === '--out' && out) writeFileSync(out, JSON.stringify({ chromium: browser.version(), rows }, null, 2));
