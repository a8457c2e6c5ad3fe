// quill.js over both wasm builds in Node, typing the transcript's keys through the same calls
// the page makes: every top-3 and every completion must equal the Rust API's, bit for bit.
//
//   node agree.mjs MODEL.quill TRANSCRIPT.jsonl quill.wasm quill-simd.wasm

import { readFileSync } from 'node:fs';
import { Quill } from '../quill.js';
import { KEYS, compare, readTranscript } from './transcript.mjs';

const [model, transcript, ...wasms] = process.argv.slice(2);
const expected = readTranscript(transcript);
const bytes = new Uint8Array(readFileSync(model));
let failures = 0;
for (const path of wasms) {
  const q = await Quill.open(await Quill.compile(readFileSync(path)), bytes);
  let text = '';
  let words = q.words(3);
  const shown = () => ({ text, next: q.topK(3), words: (words = q.words(3)) });
  const problems = compare(0, expected[0], shown());
  [...KEYS].forEach((key, i) => {
    if (key === '\b') {
      text = [...text].slice(0, -1).join('');
      q.backspace(text);
    } else if (key === '\t') {
      if (words.length) {
        q.type(words[0].suffix);
        text += words[0].suffix;
      }
    } else {
      q.type(key);
      text += key;
    }
    problems.push(...compare(i + 1, expected[i + 1], shown()));
  });
  if (expected.length !== KEYS.length + 1) problems.push(`transcript has ${expected.length} lines`);
  console.log(`${path} (${q.kernel}): ${problems.length ? 'FAIL' : 'identical'} over ${KEYS.length} keys`);
  problems.slice(0, 5).forEach((p) => console.log(`  ${p}`));
  failures += problems.length;
}
process.exit(failures ? 1 : 0);
