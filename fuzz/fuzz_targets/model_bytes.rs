//! Arbitrary bytes as a model file: load, validate, self-test, 20 steps, top-k, sampling.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quill_tests::fuzzing::model_bytes(data));
