//! A small caller-seeded PRNG for sampling (PCG-XSH-RR 64/32, O'Neill 2014): 8 bytes of state,
//! reproducible on every target.

/// A small seeded random generator (PCG-XSH-RR 64/32): the same numbers on every target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmallRng {
    state: u64,
}

const MUL: u64 = 6364136223846793005;
const INC: u64 = 1442695040888963407;

impl SmallRng {
    /// A generator whose sequence is fixed by `seed`.
    pub const fn new(seed: u64) -> Self {
        let mut r = SmallRng { state: 0 };
        r.state = r
            .state
            .wrapping_mul(MUL)
            .wrapping_add(INC)
            .wrapping_add(seed);
        r.state = r.state.wrapping_mul(MUL).wrapping_add(INC);
        r
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MUL).wrapping_add(INC);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// Uniform in [0, 1).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }
}
