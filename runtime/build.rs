//! Tells the kernels which ARM DSP instructions the target has. `cfg(target_feature = "dsp")`
//! is not stable, so the target name decides: Cortex-M4/M7 (`thumbv7em-*`) have the DSP
//! extension's SIMD multiply-accumulates (`SXTB16`, `SMLAD`); the Cortex-M0 and M3 do not.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(quill_arm_dsp)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=quill_arm_dsp");
    }
}
