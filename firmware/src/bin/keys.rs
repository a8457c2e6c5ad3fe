//! The per-key measuring firmware: types the embedded text through the keyboard session (see
//! `quill_firmware::keys`); `scripts/measure-targets.sh` counts each key's cycles under QEMU.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod device {
    use core::fmt::Write;

    use cortex_m_rt::entry;
    use quill_firmware::{keys, mcu, memory, model};

    #[entry]
    fn main() -> ! {
        mcu::paint_stack();
        let Some(mut out) = mcu::HostOut::new() else {
            mcu::exit(false)
        };
        // SAFETY: the one call.
        let buffer = unsafe { memory::session() };
        let Ok(m) = runtime::Model::from_bytes(model::bytes()) else {
            let _ = writeln!(out, "error: the model does not load");
            mcu::exit(false)
        };
        match model::word_lists().and_then(|l| keys::run(&m, buffer, l)) {
            Ok(r) => {
                let ram = mcu::ram_use();
                let _ = writeln!(
                    out,
                    "keys {} steps {} worst_steps {} shown {} statics {} stack {} shared {}",
                    r.keys, r.steps, r.worst_steps, r.shown, ram.statics, ram.stack, r.shared
                );
                mcu::exit(ram.fits())
            }
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
                mcu::exit(false)
            }
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    use quill_firmware::{keys, memory, model};
    // SAFETY: the one call, at the top of `main`.
    let buffer = unsafe { memory::session() };
    let m = match runtime::Model::from_bytes(model::bytes()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match model::word_lists().and_then(|l| keys::run(&m, buffer, l)) {
        Ok(r) => {
            println!(
                "keys {} steps {} worst_steps {} shown {} shared {}",
                r.keys, r.steps, r.worst_steps, r.shown, r.shared
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
