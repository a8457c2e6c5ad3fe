//! An arbitrary keystroke byte stream with snapshot/restore/reset interleaved.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quill_tests::fuzzing::byte_stream(data));
