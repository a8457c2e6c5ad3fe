//! Probabilities printed as fixed-point percentages ("61.2%") with integer formatting only:
//! float formatting would add kilobytes of flash, and integer digits print the same on every
//! target.

use core::fmt;

/// A probability shown to a tenth of a percent.
pub struct Percent(pub f32);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Saturating conversion: NaN shows as 0.0%, anything above 1 as >100%.
        let tenths = (self.0 * 1000.0 + 0.5) as u32;
        write!(f, "{}.{}%", tenths / 10, tenths % 10)
    }
}

/// A character shown readably: space as `␣`, a newline as `⏎`.
pub struct Key(pub char);

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ' ' => f.write_str("␣"),
            '\n' => f.write_str("⏎"),
            c => write!(f, "{c}"),
        }
    }
}
