//! The measuring firmware: `bench <none|load|STEPS> [default|portable|dotprod]` (see `quill_firmware::bench`).
//! `scripts/measure-targets.sh` runs it under QEMU with an instruction-counting plugin.
//! On Cortex-M the arguments come over semihosting and it also reports the stack high-water
//! mark; on Linux (aarch64 under qemu-aarch64) they are the command line.
#![cfg_attr(target_os = "none", no_std, no_main)]

use quill_firmware::bench::{Choice, Mode};

/// Mode and kernel from the words of a command line.
fn parse<'a>(words: impl Iterator<Item = &'a str>) -> Option<(Mode, Choice)> {
    let (mut mode, mut choice) = (None, Choice::Default);
    for w in words {
        if let Some(c) = Choice::parse(w) {
            choice = c;
        } else if let Some(m) = Mode::parse(w) {
            mode = Some(m);
        }
    }
    mode.map(|m| (m, choice))
}

#[cfg(target_os = "none")]
mod device {
    use core::fmt::Write;

    use cortex_m_rt::entry;
    use quill_firmware::memory::PREDICTOR_LEN;
    use quill_firmware::{bench, mcu, model};

    #[entry]
    fn main() -> ! {
        mcu::paint_stack();
        let Some(mut out) = mcu::HostOut::new() else {
            mcu::exit(false)
        };
        let mut line = [0u8; 96];
        let Some((mode, choice)) =
            super::parse(mcu::command_line(&mut line).split_ascii_whitespace())
        else {
            let _ = writeln!(
                out,
                "usage: bench <none|load|STEPS> [default|portable|dotprod]"
            );
            mcu::exit(false)
        };
        // SAFETY: the one call.
        match unsafe { bench::run(model::bytes(), mode, choice) } {
            Ok((check, kernel)) => {
                let ram = mcu::ram_use();
                let _ = writeln!(
                    out,
                    "bench kernel={kernel} check={check} buffer={} statics={} stack={}",
                    PREDICTOR_LEN * 4,
                    ram.statics,
                    ram.stack
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
    use quill_firmware::memory::PREDICTOR_LEN;
    use quill_firmware::{bench, model};

    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, choice)) = parse(args.iter().map(String::as_str)) else {
        eprintln!("usage: bench <none|load|STEPS> [default|portable|dotprod]");
        return std::process::ExitCode::FAILURE;
    };
    // SAFETY: the one call.
    match unsafe { bench::run(model::bytes(), mode, choice) } {
        Ok((check, kernel)) => {
            println!(
                "bench kernel={kernel} check={check} buffer={}",
                PREDICTOR_LEN * 4
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
