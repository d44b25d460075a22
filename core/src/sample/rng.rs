//! The sample data's random source: SplitMix64, small, fast and the same on every platform,
//! so a seed always yields the same family in tests, the demo and the benchmarks.

use chrono::Days;

use crate::model::CalendarDate;

/// SplitMix64 (Steele, Lea and Flood): one 64-bit state, a Weyl step and a mixing function.
/// Not for secrets; only for reproducible sample data.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for one part of the sample (one person, one kind of record), so a
    /// change in how many numbers one part draws does not shift every part drawn after it.
    pub(crate) fn stream(seed: u64, stream: u64) -> Self {
        let mut mixer = Self::new(seed ^ stream.wrapping_mul(GOLDEN_GAMMA));
        Self::new(mixer.next_u64())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0). Multiply-and-shift keeps the bias below 2^-32 for
    /// the small ranges used here, without a loop.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `low..=high`; `low` when the range is empty.
    pub(crate) fn between(&mut self, low: u32, high: u32) -> u32 {
        if high <= low {
            return low;
        }
        low + self.below(u64::from(high - low) + 1) as u32
    }

    /// A number in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `[low, high)`, rounded to `decimals` places as a nurse would write it.
    pub(crate) fn real(&mut self, low: f64, high: f64, decimals: i32) -> f64 {
        let scale = 10f64.powi(decimals);
        ((low + (high - low) * self.unit()) * scale).round() / scale
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < u64::from(percent)
    }

    /// One item of a fixed, non-empty table; the length is checked when the program is built.
    pub(crate) fn choose<'a, T, const N: usize>(&mut self, items: &'a [T; N]) -> &'a T {
        const { assert!(N > 0, "choose needs a non-empty table") };
        &items[self.below(N as u64) as usize]
    }

    /// One item of a slice, or `None` when it is empty.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }

    /// One item of a slice, each as likely as its weight; `None` when empty or all weights are 0.
    pub(crate) fn pick_weighted<'a, T>(
        &mut self,
        items: &'a [T],
        weight: impl Fn(&T) -> u32,
    ) -> Option<&'a T> {
        let total: u64 = items.iter().map(|item| u64::from(weight(item))).sum();
        let mut ticket = self.below(total);
        for item in items {
            let w = u64::from(weight(item));
            if ticket < w {
                return Some(item);
            }
            ticket -= w;
        }
        None
    }

    /// A digit string of `len` characters (leading zeros allowed), e.g. the random part of an id.
    pub(crate) fn digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// `len` characters of `[0-9a-z]`, the serial alphabet of national prescription codes.
    pub(crate) fn base36(&mut self, len: usize) -> String {
        const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        (0..len)
            .map(|_| char::from(*self.choose(ALPHABET)))
            .collect()
    }

    /// A day in `from..=to`; `from` when the range is empty.
    pub(crate) fn date_between(&mut self, from: CalendarDate, to: CalendarDate) -> CalendarDate {
        let span = (to - from).num_days();
        if span <= 0 {
            return from;
        }
        let offset = self.below(span as u64 + 1);
        from.checked_add_days(Days::new(offset)).unwrap_or(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence_for_seed_zero() {
        // First outputs of the reference C implementation seeded with 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(7);
        assert!((0..10_000).all(|_| rng.below(7) < 7));
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn between_is_inclusive_at_both_ends() {
        let mut rng = SplitMix64::new(3);
        let drawn: Vec<u32> = (0..1_000).map(|_| rng.between(2, 4)).collect();
        assert!(drawn.iter().all(|n| (2..=4).contains(n)));
        assert!(drawn.contains(&2) && drawn.contains(&4));
    }
}
