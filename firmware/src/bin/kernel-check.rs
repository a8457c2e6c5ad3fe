//! Runs `Kernel::verify` on the device: the kernel the runtime picks for this target against
//! the portable reference (int8 bit for bit, f32 to rounding) on every shape class. CI runs it
//! under QEMU on both boards (`firmware/check.sh`).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
#[cortex_m_rt::entry]
fn main() -> ! {
    use core::fmt::Write;

    use quill_firmware::mcu;
    use runtime::Kernel;

    let Some(mut out) = mcu::HostOut::new() else {
        mcu::exit(false)
    };
    let kernel = Kernel::detect();
    match kernel.verify() {
        Ok(()) => {
            let _ = writeln!(
                out,
                "kernel {}: agrees with the portable kernel",
                kernel.name()
            );
            mcu::exit(true)
        }
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            mcu::exit(false)
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    let kernel = runtime::Kernel::detect();
    match kernel.verify() {
        Ok(()) => {
            println!("kernel {}: agrees with the portable kernel", kernel.name());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            println!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
