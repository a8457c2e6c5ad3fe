// Checks a model file off the page's thread (`Quill.verify`): reads it if the page sent a
// File/Blob, then a fresh instance of the page's quill.wasm runs quill_model_error on the bytes
// and posts back null or the message, with the bytes themselves (transferred, never cloned).
// A file that cannot be read is said so (`unread`), apart from a model that is not usable.
import { modelError } from './quill.js';

self.onmessage = async ({ data: { module, bytes, file } }) => {
  if (file) {
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      self.postMessage({ unread: String(e?.message ?? e), error: null, bytes: null });
      return;
    }
  }
  let error;
  try {
    const { exports } = await WebAssembly.instantiate(module, {});
    error = modelError(exports, bytes);
  } catch (e) {
    error = `the check failed: ${e?.message ?? e}`;
  }
  self.postMessage({ error, bytes }, [bytes.buffer]);
};
// Running, and listening: the page may hand over the model now.
self.postMessage({ ready: true });
