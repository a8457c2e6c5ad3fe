// The Rust API's transcript (tests/src/bin/keyboard-transcript.rs) and the comparison every
// front end's output goes through: characters and completion suffixes exactly, probabilities
// bit for bit as f32.

import { readFileSync } from 'node:fs';

/** The keys a session types: characters, '\b' Backspace, '\t' Tab (accept the first word).
 * Each Tab comes where the shipped model offers a word: with none, a browser's Tab moves the
 * focus out of the text area (the page leaves it so, not to trap keyboard users). */
export const KEYS =
  "Shall I compare thee to a summer's da\t? Thou art more lovely and more tempr\b\berate:\nRough wi\t";

export function readTranscript(path) {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

const bits = (p) => {
  const f = new Float32Array([p]);
  return new Uint32Array(f.buffer)[0];
};

/** What a front end showed after one key: next = [{char, p}], words = [{suffix, p}]. */
export function compare(step, expected, shown) {
  const problems = [];
  const want = (xs) => xs.map(([s, b]) => `${JSON.stringify(s)}@${b}`).join(' ');
  const got = (xs, key) => xs.map((x) => `${JSON.stringify(x[key])}@${bits(x.p)}`).join(' ');
  if (want(expected.next) !== got(shown.next, 'char')) {
    problems.push(`next: expected ${want(expected.next)}, shown ${got(shown.next, 'char')}`);
  }
  if (want(expected.words) !== got(shown.words, 'suffix')) {
    problems.push(`words: expected ${want(expected.words)}, shown ${got(shown.words, 'suffix')}`);
  }
  if (shown.text !== undefined && shown.text !== expected.text) {
    problems.push(`text: expected ${JSON.stringify(expected.text)}, shown ${JSON.stringify(shown.text)}`);
  }
  return problems.map((p) => `after key ${step} (${JSON.stringify(expected.key)}): ${p}`);
}
