//! The scalar nonlinearities of the cell equations (libm, since core has no `exp`/`tanh`).

#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

#[inline(always)]
pub(crate) fn relu(x: f32) -> f32 {
    x.max(0.0)
}

#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    libm::expf(x)
}
