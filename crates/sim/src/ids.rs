//! Typed indices into the simulator's arenas (units and objects). Plain numbers, no pointers,
//! so traces serialise and replay trivially.

use serde::{Deserialize, Serialize};

/// A thread, process, asyncio task or callback.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnitId(pub u32);

/// A synchronisation object, queue, pipe end, shared variable or future.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjId(pub u32);

impl UnitId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ObjId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
