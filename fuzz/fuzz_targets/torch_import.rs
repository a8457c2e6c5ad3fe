//! A PyTorch state dict (safetensors) and vocabulary into the importer; what it accepts must
//! encode, load and run.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quill_tests::fuzzing::torch_import(data));
