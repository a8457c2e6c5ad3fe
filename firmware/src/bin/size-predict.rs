//! Code-size probe: what a next-key deployment links — load + validate the model, a
//! predictor, UTF-8 input and top-3. Inputs come through `black_box` and results go to a
//! volatile sink, so nothing is folded away.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
#[cortex_m_rt::entry]
fn main() -> ! {
    use core::hint::black_box;

    use quill_firmware::{mcu, memory, model};
    use runtime::{Model, Predictor};

    // SAFETY: the one call.
    let buffer = unsafe { memory::predictor() };
    let Ok(model) = Model::from_bytes(black_box(model::bytes())) else {
        mcu::exit(false)
    };
    let Ok(mut p) = Predictor::new(&model, buffer) else {
        mcu::exit(false)
    };
    p.feed_bytes(black_box(b"one hundred"));
    let mut top = [('\0', 0f32); 3];
    let n = p.top_k_into(&mut top);
    black_box((n, top));
    mcu::exit(true)
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("a size probe: build it for a Cortex-M target (see scripts/measure-targets.sh)");
}
