//! The keyboard firmware: types `keyboard::SCRIPT` with suggestions after every key.
//!
//! On a Cortex-M board (`cargo run --release --target thumbv7em-none-eabihf --bin keyboard`,
//! QEMU's mps2-an386 by `.cargo/config.toml`; `thumbv6m-none-eabi` for the micro:bit) it
//! prints over semihosting with the kernel the runtime picks for the target; on the host
//! (`cargo run --release --bin keyboard`) it prints the same lines from the portable kernel.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod device {
    use core::fmt::Write;

    use cortex_m_rt::entry;
    use quill_firmware::{keyboard, mcu, memory, model};

    #[entry]
    fn main() -> ! {
        mcu::paint_stack();
        let Some(mut out) = mcu::HostOut::new() else {
            mcu::exit(false)
        };
        // SAFETY: the one call, before anything else runs.
        let buffer = unsafe { memory::session() };
        let result = keyboard::run(model::bytes(), buffer, None, &mut out);
        let ram = mcu::ram_use();
        let _ = writeln!(
            out,
            "# RAM: {} bytes of statics + {} bytes of stack at most, of {}",
            ram.statics, ram.stack, ram.ram
        );
        if !ram.fits() {
            let _ = writeln!(out, "error: the stack came within 256 bytes of the statics");
            mcu::exit(false)
        }
        match result {
            Ok(()) => mcu::exit(true),
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
                mcu::exit(false)
            }
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    use quill_firmware::{keyboard, memory, model};

    let mut out = String::new();
    // SAFETY: the one call, at the top of `main`.
    let buffer = unsafe { memory::session() };
    let result = keyboard::run(
        model::bytes(),
        buffer,
        Some(runtime::Kernel::Portable),
        &mut out,
    );
    print!("{out}");
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
