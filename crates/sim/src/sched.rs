//! Schedulers: the only source of nondeterminism in a simulation.
//!
//! At every scheduling decision the kernel hands the scheduler the units that could run now,
//! oldest-ready first, and the scheduler picks one. Decisions with a single candidate are not
//! asked about and not recorded. The recorded decisions form a [`Schedule`], which encodes to
//! a short string that the [`Replay`] scheduler turns back into the same run.

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use crate::ids::UnitId;

/// A unit that could run now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub unit: UnitId,
    /// When it became ready, as a sequence number: lower is older.
    pub ready_seq: u64,
}

/// Picks which unit runs next.
pub trait Scheduler {
    /// Chooses an index into `candidates` (never empty, at least two entries). `step` counts
    /// every decision so far, including the unasked single-candidate ones.
    fn choose(&mut self, step: u64, candidates: &[Candidate]) -> Result<usize, String>;

    /// Called after every step with the unit that ran (also when there was no choice), so a
    /// scheduler can tell a preemption from a continuation.
    fn observe(&mut self, _unit: UnitId) {}
}

/// Always the unit that has been ready longest: run-to-block, round robin at quantum ends.
#[derive(Clone, Debug, Default)]
pub struct Fifo;

impl Scheduler for Fifo {
    fn choose(&mut self, _step: u64, _candidates: &[Candidate]) -> Result<usize, String> {
        Ok(0)
    }
}

/// A uniformly random candidate from a seeded generator.
#[derive(Clone, Debug)]
pub struct RandomSched {
    rng: Pcg64Mcg,
}

impl RandomSched {
    pub fn new(seed: u64) -> Self {
        RandomSched {
            rng: Pcg64Mcg::seed_from_u64(seed ^ 0x5eed_5c4e_d000_0001),
        }
    }
}

impl Scheduler for RandomSched {
    fn choose(&mut self, _step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        Ok(below(&mut self.rng, candidates.len() as u64) as usize)
    }
}

/// Probabilistic Concurrency Testing (Burckhardt et al., 2010): each unit gets a random
/// priority, the highest-priority candidate runs, and at `depth - 1` random steps the running
/// unit drops to the lowest priority. Finds any bug of depth `d` with probability at least
/// `1 / (n * k^(d-1))`.
#[derive(Clone, Debug)]
pub struct Pct {
    rng: Pcg64Mcg,
    priorities: Vec<u64>,
    change_points: Vec<u64>,
    next_low: u64,
}

impl Pct {
    /// `depth` ≥ 1 is the bug depth to target, `expected_steps` an estimate of the run length.
    pub fn new(seed: u64, depth: u32, expected_steps: u64) -> Self {
        let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x0bc7_0000_0000_0002);
        let k = expected_steps.max(1);
        let mut change_points: Vec<u64> = (1..depth.max(1)).map(|_| below(&mut rng, k)).collect();
        change_points.sort_unstable();
        Pct {
            rng,
            priorities: Vec::new(),
            change_points,
            next_low: 0,
        }
    }

    fn priority(&mut self, unit: UnitId) -> u64 {
        let i = unit.index();
        while self.priorities.len() <= i {
            // Initial priorities sit above every lowered one.
            let p = (1 << 32) + below(&mut self.rng, 1 << 31);
            self.priorities.push(p);
        }
        self.priorities[i]
    }
}

impl Scheduler for Pct {
    fn choose(&mut self, step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        let mut best = 0;
        let mut best_p = 0;
        for (i, c) in candidates.iter().enumerate() {
            let p = self.priority(c.unit);
            if i == 0 || p > best_p {
                best = i;
                best_p = p;
            }
        }
        if self.change_points.first().is_some_and(|&cp| step >= cp) {
            self.change_points.remove(0);
            let unit = candidates[best].unit.index();
            self.priorities[unit] = self.next_low;
            self.next_low += 1;
            // Re-pick with the lowered priority.
            let mut best2 = 0;
            let mut best2_p = 0;
            for (i, c) in candidates.iter().enumerate() {
                let p = self.priority(c.unit);
                if i == 0 || p > best2_p {
                    best2 = i;
                    best2_p = p;
                }
            }
            return Ok(best2);
        }
        Ok(best)
    }
}

/// Replays recorded decisions; past their end it behaves like [`Fifo`].
#[derive(Clone, Debug)]
pub struct Replay {
    choices: Vec<u32>,
    pos: usize,
}

impl Replay {
    pub fn new(schedule: &Schedule) -> Self {
        Replay {
            choices: schedule.choices.clone(),
            pos: 0,
        }
    }
}

impl Scheduler for Replay {
    fn choose(&mut self, _step: u64, candidates: &[Candidate]) -> Result<usize, String> {
        let Some(&c) = self.choices.get(self.pos) else {
            return Ok(0);
        };
        self.pos += 1;
        let c = c as usize;
        if c >= candidates.len() {
            return Err(format!(
                "decision {} chooses candidate {c} but only {} units can run: the schedule \
                 does not belong to this program and these parameters",
                self.pos,
                candidates.len()
            ));
        }
        Ok(c)
    }
}

/// A uniform draw in `0..bound` (`bound` ≥ 1) without modulo bias.
pub(crate) fn below(rng: &mut Pcg64Mcg, bound: u64) -> u64 {
    if bound <= 1 {
        return 0;
    }
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % bound;
        }
    }
}

/// Which scheduler to build, as a user names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SchedulerKind {
    Fifo,
    Random,
    Pct { depth: u32, expected_steps: u64 },
    Replay { schedule: String },
}

impl SchedulerKind {
    /// Builds the scheduler for `seed`, or says why the replay string is invalid.
    pub fn build(&self, seed: u64) -> Result<Box<dyn Scheduler>, String> {
        Ok(match self {
            SchedulerKind::Fifo => Box::new(Fifo),
            SchedulerKind::Random => Box::new(RandomSched::new(seed)),
            SchedulerKind::Pct {
                depth,
                expected_steps,
            } => Box::new(Pct::new(seed, *depth, *expected_steps)),
            SchedulerKind::Replay { schedule } => {
                Box::new(Replay::new(&Schedule::decode(schedule)?))
            }
        })
    }
}

/// The decisions of one run: the index chosen at each decision that had a choice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    pub choices: Vec<u32>,
}

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl Schedule {
    /// Encodes as `v1:` followed by one base-36 digit per decision (`(n)` for indices ≥ 36),
    /// with runs of four or more equal digits written `d*count.`. Example: twelve zeros, then
    /// 1, 0, 1 encode as `v1:0*12.101`.
    pub fn encode(&self) -> String {
        let mut out = String::from("v1:");
        let mut i = 0;
        while i < self.choices.len() {
            let c = self.choices[i];
            let mut j = i + 1;
            while j < self.choices.len() && self.choices[j] == c {
                j += 1;
            }
            let run = j - i;
            let token = match DIGITS.get(c as usize) {
                Some(&d) => (d as char).to_string(),
                None => format!("({c})"),
            };
            if run >= 4 {
                out.push_str(&token);
                out.push('*');
                out.push_str(&run.to_string());
                out.push('.');
            } else {
                for _ in 0..run {
                    out.push_str(&token);
                }
            }
            i = j;
        }
        out
    }

    /// Parses what [`Schedule::encode`] wrote.
    pub fn decode(s: &str) -> Result<Schedule, String> {
        let bad = |why: &str| format!("invalid schedule string {s:?}: {why}");
        let body = s
            .trim()
            .strip_prefix("v1:")
            .ok_or_else(|| bad("it must start with 'v1:'"))?;
        let bytes = body.as_bytes();
        let mut choices = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let (value, next) = if bytes[i] == b'(' {
                let end = body[i..].find(')').ok_or_else(|| bad("unclosed '('"))? + i;
                let v: u32 = body[i + 1..end]
                    .parse()
                    .map_err(|_| bad("bad number in '(…)'"))?;
                (v, end + 1)
            } else {
                let d = DIGITS
                    .iter()
                    .position(|&d| d == bytes[i])
                    .ok_or_else(|| bad("only 0-9, a-z, '(n)' and 'd*count.' may appear"))?;
                (d as u32, i + 1)
            };
            i = next;
            if bytes.get(i) == Some(&b'*') {
                let end = body[i..]
                    .find('.')
                    .ok_or_else(|| bad("a run 'd*count' must end with '.'"))?
                    + i;
                let n: usize = body[i + 1..end].parse().map_err(|_| bad("bad run count"))?;
                if n > 100_000_000 {
                    return Err(bad("run count too large"));
                }
                choices.extend(std::iter::repeat_n(value, n));
                i = end + 1;
            } else {
                choices.push(value);
            }
        }
        Ok(Schedule { choices })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_round_trips() {
        let s = Schedule {
            choices: vec![0, 0, 0, 0, 0, 1, 2, 40, 40, 35, 1, 1, 1, 1],
        };
        let text = s.encode();
        assert_eq!(text, "v1:0*5.12(40)(40)z1*4.");
        assert_eq!(Schedule::decode(&text), Ok(s));
    }

    #[test]
    fn bad_schedules_are_errors() {
        assert!(Schedule::decode("x").is_err());
        assert!(Schedule::decode("v1:0*").is_err());
        assert!(Schedule::decode("v1:(4").is_err());
        assert!(Schedule::decode("v1:A").is_err());
        assert_eq!(Schedule::decode("v1:"), Ok(Schedule::default()));
    }
}
