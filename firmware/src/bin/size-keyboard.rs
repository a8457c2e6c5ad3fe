//! Code-size probe: a whole keyboard — `size-predict` plus Backspace through `History` and
//! word completion.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
#[cortex_m_rt::entry]
fn main() -> ! {
    use core::hint::black_box;

    use quill_firmware::memory::{BEAM, MAX_SUFFIX, Memory, SHOWN};
    use quill_firmware::{mcu, model};
    use runtime::{Completion, History, Model, Predictor, complete_words};

    // SAFETY: the one call.
    let mem = unsafe { Memory::take() };
    let Ok(model) = Model::from_bytes(black_box(model::bytes())) else {
        mcu::exit(false)
    };
    let Ok(mut p) = Predictor::new(&model, mem.predictor) else {
        mcu::exit(false)
    };
    let Ok(mut history) = History::new(&p, mem.history) else {
        mcu::exit(false)
    };
    let ok = history.type_str(&mut p, black_box("one hundr")).is_ok()
        && history.backspace(&mut p).is_ok();
    let mut top = [('\0', 0f32); 3];
    let n = p.top_k_into(&mut top);
    let mut words: [Completion<MAX_SUFFIX>; SHOWN] = Default::default();
    let found = complete_words::<BEAM, MAX_SUFFIX>(&mut p, mem.completion, None, &mut words);
    black_box((ok, n, top, found.is_ok(), words));
    mcu::exit(true)
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("a size probe: build it for a Cortex-M target (see scripts/measure-targets.sh)");
}
