//! Metrics of a finished run: per unit and in total.

use super::*;

impl Sim {
    pub(super) fn metrics(&self) -> Metrics {
        let makespan = self
            .trace
            .spans
            .iter()
            .map(|s| s.end)
            .max()
            .unwrap_or(0)
            .max(self.now);
        let mut busy = vec![0u64; self.machine.cores as usize];
        let mut units: Vec<UnitMetrics> = self
            .units
            .iter()
            .map(|u| UnitMetrics {
                unit: u.info.id,
                ..UnitMetrics::default()
            })
            .collect();
        let mut gil_wait = 0;
        for s in &self.trace.spans {
            let d = s.end - s.start;
            let m = &mut units[s.unit.index()];
            match s.state {
                State::Running => {
                    m.running += d;
                    if let Some(c) = s.core.and_then(|c| busy.get_mut(c as usize)) {
                        *c += d;
                    }
                }
                State::Ready => m.ready += d,
                State::WaitingGil => {
                    m.waiting_gil += d;
                    gil_wait += d;
                }
                State::Blocked => m.blocked += d,
                State::Sleeping => m.sleeping += d,
                State::Io => m.io += d,
                State::Idle | State::Loop | State::Starting => {}
            }
        }
        for m in &mut units {
            m.waiting = m.ready + m.waiting_gil + m.blocked;
        }
        Metrics {
            makespan,
            steps: self.steps,
            events: self.trace.events.len() as u64,
            core_utilisation: busy
                .iter()
                .map(|&b| {
                    if makespan == 0 {
                        0.0
                    } else {
                        b as f64 / makespan as f64
                    }
                })
                .collect(),
            units,
            gil_wait,
            gil_switches: self.gil_switches,
            context_switches: self.context_switches,
        }
    }

    /// Why a unit blocked on an object waits, and who could release it.
    pub(super) fn obj_wait_reason(&self, u: UnitId, o: ObjId) -> (String, Option<UnitId>) {
        crate::prims::wait_reason(self, u, o)
    }
}
