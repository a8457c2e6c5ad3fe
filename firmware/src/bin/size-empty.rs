//! Code-size probe: start-up, panic handler and semihosting exit, nothing else. The other
//! probes' sizes minus this one's (minus the model) are what the runtime costs in flash.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
#[cortex_m_rt::entry]
fn main() -> ! {
    quill_firmware::mcu::exit(true)
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("a size probe: build it for a Cortex-M target (see scripts/measure-targets.sh)");
}
