//! Tells the kernels which ARM DSP instructions the target has. `cfg(target_feature = "dsp")`
//! is not stable, so the target name decides: Cortex-M4/M7 (`thumbv7em-*`) have the DSP
//! extension's SIMD multiply-accumulates (`SXTB16`, `SMLAD`); the Cortex-M0 and M3 do not.
//!
//! `quill_row_sums`: the int8 kernel multiplies the offset (unsigned 7-bit) activations as they
//! are and subtracts `64 · Σ row`, so the predictor keeps every int8 row's sum: x86_64
//! (`maddubs`) and wasm32 with relaxed SIMD (`i32x4.relaxed_dot_i8x16_i7x16_add_s`).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(quill_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(quill_row_sums)");
    println!("cargo::rustc-check-cfg=cfg(quill_soft_float)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=quill_arm_dsp");
    }
    // ARMv6-M (Cortex-M0/M0+/M1): no FPU, CLZ or long multiply; see `soft_float`.
    if target.starts_with("thumbv6m") {
        println!("cargo::rustc-cfg=quill_soft_float");
    }
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let relaxed = features.split(',').any(|f| f == "relaxed-simd");
    if arch == "x86_64" || (arch == "wasm32" && relaxed) {
        println!("cargo::rustc-cfg=quill_row_sums");
    }
}
