//! The measuring routine behind the per-target table (`scripts/measure-targets.sh`): load and
//! validate the model, make a predictor, feed `steps` characters. The instruction and cycle
//! counts come from outside (a QEMU plugin), as differences between runs of this routine with
//! different arguments, so start-up and printing cancel out.

use runtime::{InputSide, Kernel, Model, Predictor};

use crate::memory::PREDICTOR_LEN;

/// What one run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nothing: the baseline every other run is measured against.
    Baseline,
    /// Load + validate the model only: its stack high-water mark is the loader's.
    Load,
    /// Load + validate the model, make a predictor, feed `steps` characters.
    Steps(u32),
}

/// Which kernel the predictor uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// The one `Predictor::new` picks for this target.
    Default,
    /// The portable reference.
    Portable,
    /// aarch64: the `SDOT` kernel (the measuring script runs it where the CPU has it).
    DotProd,
}

impl Mode {
    /// `"none"` or a number of steps.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "none" => Some(Mode::Baseline),
            "load" => Some(Mode::Load),
            n => n.parse().ok().map(Mode::Steps),
        }
    }
}

impl Choice {
    pub fn parse(s: &str) -> Option<Choice> {
        match s {
            "default" => Some(Choice::Default),
            "portable" => Some(Choice::Portable),
            "dotprod" => Some(Choice::DotProd),
            _ => None,
        }
    }
}

static mut BUFFER: [f32; PREDICTOR_LEN] = [0.0; PREDICTOR_LEN];

/// Runs `mode` on the model in `bytes`; returns a checksum of the predictions (printed, so
/// nothing can be optimised away) and the kernel's name.
///
/// # Safety
/// Call once (it uses a `static` buffer).
pub unsafe fn run(
    bytes: &[u8],
    mode: Mode,
    choice: Choice,
) -> Result<(u32, &'static str), runtime::Error> {
    let steps = match mode {
        Mode::Baseline => return Ok((0, "none")),
        Mode::Load => {
            let model = Model::from_bytes(bytes)?;
            // The file's length, so the load cannot be optimised away.
            return Ok((model.file_len() as u32, "none"));
        }
        Mode::Steps(steps) => steps,
    };
    // SAFETY: the caller guarantees a single call, so this is the only reference.
    let buffer = unsafe { &mut *core::ptr::addr_of_mut!(BUFFER) };
    let model = Model::from_bytes(bytes)?;
    let mut p = match choice {
        Choice::Default => Predictor::new(&model, buffer)?,
        Choice::Portable => {
            Predictor::with_options(&model, buffer, Kernel::Portable, InputSide::PerStep)?
        }
        // SAFETY: asked for by the measuring script, which runs on a CPU with the extension.
        #[cfg(target_arch = "aarch64")]
        Choice::DotProd => Predictor::with_options(
            &model,
            buffer,
            unsafe { Kernel::neon_dotprod() },
            InputSide::PerStep,
        )?,
        #[cfg(not(target_arch = "aarch64"))]
        Choice::DotProd => Predictor::new(&model, buffer)?,
    };
    // Every character but the unknown token, in a fixed order.
    let others = (model.arch().vocab() as u32).saturating_sub(1).max(1);
    let mut check = 0u32;
    for i in 0..steps {
        let token = 1 + (i.wrapping_mul(7) % others);
        p.feed_token(token)?;
        check = check.wrapping_mul(31).wrapping_add(p.argmax());
    }
    Ok((check, p.kernel().name()))
}
