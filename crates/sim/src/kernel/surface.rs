//! What primitives may ask about units, so that no primitive indexes the unit table. With
//! these, a primitive's whole view of the kernel is: reply (`complete`), block
//! (`block`, `block_retry`), wake (`retry`), record (`event`, `link`, `counter`), time
//! (`now`, `resolve`, `start_compute`), who is calling (`os_thread`, `process_of`,
//! `in_task`, `task_loop`) and the operation a unit will retry (`pending`).

use super::*;

impl Sim {
    /// The main unit of the process `u` runs in.
    #[inline]
    pub(crate) fn process_of(&self, u: UnitId) -> UnitId {
        self.units[u.index()].info.process
    }

    /// Whether `u` is an asyncio task or loop callback: its waits suspend it, not its thread.
    #[inline]
    pub(crate) fn in_task(&self, u: UnitId) -> bool {
        self.units[u.index()].in_task
    }

    /// The operation `u` runs again when it is next chosen (what `block_retry` left).
    #[inline]
    pub(crate) fn pending(&mut self, u: UnitId) -> &mut Option<Op> {
        &mut self.units[u.index()].pending
    }

    /// Makes `op` what `u` does when its current wait ends (instead of a reply).
    pub(crate) fn then_apply(&mut self, u: UnitId, op: Op) {
        self.units[u.index()].after = Some(After::Op(op));
    }

    /// The process that started process `p` (`None` for the main process).
    pub(crate) fn parent_process(&self, p: UnitId) -> Option<UnitId> {
        let parent = self.units.get(p.index())?.info.parent?;
        Some(self.units.get(parent.index())?.info.process)
    }

    /// The child processes `p` has started so far.
    pub(crate) fn started_children(&self, p: UnitId) -> impl Iterator<Item = UnitId> + '_ {
        let pix = self.units[p.index()].proc_ix;
        self.procs[pix]
            .children
            .iter()
            .copied()
            .filter(|c| self.units[c.index()].started)
    }
}
