// quill.js over the wasm builds in Node, typing the transcript's keys through the same calls
// the page makes: every top-3 and every completion must equal the Rust API's, bit for bit.
// A build this Node cannot run is skipped and said so: relaxed SIMD does not validate in
// Node 20 without a flag, and with `--experimental-wasm-relaxed-simd` its pre-standard dot
// product differs, which the build's own check (`quill_web_verify`) must catch.
//
//   node agree.mjs MODEL.quill TRANSCRIPT.jsonl quill.wasm quill-simd.wasm quill-relaxed.wasm

import { readFileSync } from 'node:fs';
import { Quill, kernelAgrees } from '../quill.js';
import { KEYS, compare, readTranscript } from './transcript.mjs';

const [model, transcript, ...wasms] = process.argv.slice(2);
const expected = readTranscript(transcript);
const bytes = new Uint8Array(readFileSync(model));
// The word lists the page loads beside the model.
const lists = {
  lexicon: new Uint8Array(readFileSync(new URL('../pkg/english.qlex', import.meta.url))),
  blocked: new Uint8Array(readFileSync(new URL('../pkg/blocked-en.qlex', import.meta.url))),
};
let failures = 0;
for (const path of wasms) {
  const wasm = readFileSync(path);
  if (!WebAssembly.validate(wasm)) {
    console.log(`${path}: skipped, this engine (Node ${process.version}) does not validate it`);
    continue;
  }
  const module = await Quill.compile(wasm);
  if (!(await kernelAgrees(module))) {
    console.log(`${path}: its kernel disagrees with the portable one in this engine; rejected, as the page would`);
    continue;
  }
  const q = await Quill.open(module, bytes, lists);
  let text = '';
  const shown = () => ({ text, next: q.topK(), words: q.words() });
  const problems = compare(0, expected[0], shown());
  [...KEYS].forEach((key, i) => {
    if (key === '\b') {
      text = [...text].slice(0, -1).join('');
      q.backspace();
    } else if (key === '\t') {
      text += q.accept(0);
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
