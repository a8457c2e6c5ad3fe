//! Code-size probe: a whole keyboard — `size-predict` plus the keyboard session (Backspace
//! history, the end of the text, word completion over the word cache).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
#[cortex_m_rt::entry]
fn main() -> ! {
    use core::hint::black_box;

    use quill_firmware::memory::{self, CONFIG};
    use quill_firmware::{mcu, model};
    use runtime::{Key, Model, Session};

    // SAFETY: the one call.
    let buffer = unsafe { memory::session() };
    let Ok(model) = Model::from_bytes(black_box(model::bytes())) else {
        mcu::exit(false)
    };
    let Ok(mut s) = Session::new(&model, buffer, CONFIG) else {
        mcu::exit(false)
    };
    let ok = s.type_text(black_box("one hundr").chars()).is_ok()
        && s.press(Key::Backspace).is_ok()
        && s.press(Key::Accept(0)).is_ok();
    black_box((ok, s.panel()));
    mcu::exit(true)
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("a size probe: build it for a Cortex-M target (see scripts/measure-targets.sh)");
}
