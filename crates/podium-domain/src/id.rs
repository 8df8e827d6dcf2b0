//! Typed ids, so a `TalkId` can never be passed where a `RoomId` is meant.

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

ids! {
    /// A conference on this install.
    ConferenceId,
    /// A room of one conference.
    RoomId,
    /// A topic track of one conference.
    TrackId,
    /// A talk (any kind: talk, workshop, keynote, lightning).
    TalkId,
    /// A speaker profile within one conference.
    SpeakerId,
    /// A session of the day grid: one room between two breaks.
    SessionId,
    /// A slot of the day grid.
    SlotId,
    /// A break (lunch, tea) that applies to every room.
    BreakId,
    /// A schedule version (work in progress or released).
    VersionId,
    /// A user account.
    UserId,
}
