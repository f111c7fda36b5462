//! Typed indices into the simulator's arenas (units and objects). Plain numbers, no pointers,
//! so traces serialise and replay trivially.

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A thread, process, asyncio task or callback.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnitId(pub u32);

/// A synchronisation object, queue, pipe end, shared variable or future.
///
/// Stored as its index plus one, so that `Option<ObjId>` takes 4 bytes, as the trace's spans
/// and events carry one each. Serialises as the plain index.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjId(NonZeroU32);

impl UnitId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ObjId {
    /// The object at arena index `ix`. The largest index, `u32::MAX`, has no id of its own
    /// and maps to `u32::MAX - 1`: no run comes near four billion objects (the event and
    /// unit limits end it long before).
    pub const fn new(ix: u32) -> ObjId {
        match NonZeroU32::new(ix.saturating_add(1)) {
            Some(n) => ObjId(n),
            None => ObjId(NonZeroU32::MAX),
        }
    }

    /// The arena index.
    pub const fn number(self) -> u32 {
        self.0.get() - 1
    }

    pub fn index(self) -> usize {
        self.number() as usize
    }
}

impl fmt::Debug for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjId({})", self.number())
    }
}

impl Serialize for ObjId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.number())
    }
}

impl<'de> Deserialize<'de> for ObjId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ObjId, D::Error> {
        let ix = u32::deserialize(d)?;
        if ix == u32::MAX {
            return Err(serde::de::Error::custom("object index out of range"));
        }
        Ok(ObjId::new(ix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obj_ids_keep_their_index_order_and_fit_an_option_in_four_bytes() {
        assert_eq!(std::mem::size_of::<Option<ObjId>>(), 4);
        for ix in [0, 1, 7, 1 << 20, u32::MAX - 1] {
            assert_eq!(ObjId::new(ix).number(), ix);
        }
        assert!(ObjId::new(2) < ObjId::new(3));
        let json = serde_json::to_string(&ObjId::new(5)).unwrap();
        assert_eq!(json, "5");
        assert_eq!(serde_json::from_str::<ObjId>("5").unwrap(), ObjId::new(5));
        assert!(serde_json::from_str::<ObjId>("4294967295").is_err());
        assert_eq!(format!("{:?}", ObjId::new(9)), "ObjId(9)");
    }
}
