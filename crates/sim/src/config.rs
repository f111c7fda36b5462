//! The machine model: cores, the GIL, costs, and the limits that keep every run finite.

use serde::{Deserialize, Serialize};

use crate::time::{Nanos, ms, secs, us};

/// Costs of the operations the machine model charges for. All in virtual nanoseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Costs {
    /// CPU time the parent spends in `Thread.start()` (creating an OS thread). Default 50 µs.
    pub thread_spawn: Nanos,
    /// Time before a new process runs its first line (fork/exec plus interpreter start-up).
    /// Default 10 ms.
    pub process_spawn: Nanos,
    /// Time a core spends switching from one thread to another. Default 2 µs.
    pub context_switch: Nanos,
    /// Cost of pickling and copying one byte between processes (queues, pipes). Default 2 ns.
    pub copy_per_byte: Nanos,
    /// Fixed cost of one inter-process message (system calls, wake-up). Default 20 µs.
    pub message: Nanos,
    /// One round trip from a Manager proxy to the manager process. Default 200 µs.
    pub manager_round_trip: Nanos,
    /// How long the OS lets a thread run before it may preempt it for another ready thread.
    /// Default 4 ms.
    pub os_quantum: Nanos,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            thread_spawn: us(50),
            process_spawn: ms(10),
            context_switch: us(2),
            copy_per_byte: 2,
            message: us(20),
            manager_round_trip: us(200),
            os_quantum: ms(4),
        }
    }
}

/// Bounds that turn a runaway program into a clear `LimitExceeded` outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Scheduling steps. Default 2 000 000.
    pub max_steps: u64,
    /// Virtual time. Default one hour.
    pub max_time: Nanos,
    /// Units (threads, processes, tasks, callbacks) ever created. Default 20 000.
    pub max_units: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 2_000_000,
            max_time: secs(3600),
            max_units: 20_000,
        }
    }
}

/// The simulated machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Machine {
    /// Number of cores, 1 to 64. Default 2.
    pub cores: u32,
    /// Whether each process has a global interpreter lock. Default on (CPython).
    pub gil: bool,
    /// `sys.setswitchinterval`: how long a thread may hold the GIL while another waits.
    /// Default 5 ms.
    pub switch_interval: Nanos,
    pub costs: Costs,
    pub limits: Limits,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            cores: 2,
            gil: true,
            switch_interval: ms(5),
            costs: Costs::default(),
            limits: Limits::default(),
        }
    }
}

/// The largest machine the model accepts.
pub const MAX_CORES: u32 = 64;

impl Machine {
    /// Checks the configuration, returning a message that says what is accepted.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_CORES).contains(&self.cores) {
            return Err(format!(
                "cores must be between 1 and {MAX_CORES}, got {}",
                self.cores
            ));
        }
        if self.switch_interval == 0 {
            return Err("switch_interval must be positive".to_string());
        }
        if self.costs.os_quantum == 0 {
            return Err("os_quantum must be positive".to_string());
        }
        Ok(())
    }
}
