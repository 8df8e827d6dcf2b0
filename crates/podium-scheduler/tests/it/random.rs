//! Random small instances, generated from a seed with the crate's own PRNG, for property tests.

use podium_scheduler::{Attendee, Instance, Pin, Rng, Room, Slot, Speaker, Talk, Weights, Window};

/// Size knobs for [`instance`].
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub rooms: usize,
    pub sessions: usize,
    pub slots_per_session: usize,
    pub talks: usize,
    pub attendees: usize,
    /// Allow 60-minute talks (spanning two slots), lab needs, pins and plenaries.
    pub rich: bool,
}

fn time(day: u32, minutes: u32) -> String {
    format!("2024-05-{:02}T{:02}:{:02}", day, minutes / 60, minutes % 60)
}

/// A random instance of `size` for `seed`. Every id is valid; talks may well be infeasible
/// (unavailable speakers, too few lab slots), which the solver must handle.
pub fn instance(seed: u64, size: Size) -> Instance {
    let mut rng = Rng::new(seed);
    let rooms: Vec<Room> = (0..size.rooms)
        .map(|r| Room {
            id: format!("R{}", r + 1),
            name: format!("Room {}", r + 1),
            capacity: [20, 50, 100][rng.below(3)],
            features: if size.rich && r == size.rooms - 1 {
                vec!["lab".into()]
            } else {
                vec![]
            },
        })
        .collect();
    let mut slots = Vec::new();
    for s in 0..size.sessions {
        let day = 10 + (s / 2) as u32;
        let base = if s.is_multiple_of(2) { 600 } else { 840 };
        for room in &rooms {
            for k in 0..size.slots_per_session {
                let start = base + 30 * k as u32;
                slots.push(Slot {
                    id: format!("s{s}-{}-{k}", room.id),
                    room: room.id.clone(),
                    start: time(day, start),
                    end: time(day, start + 30),
                    session: format!("s{s}"),
                });
            }
        }
    }
    let n_speakers = size.talks.max(1);
    let speakers: Vec<Speaker> = (0..n_speakers)
        .map(|i| Speaker {
            id: format!("S{i}"),
            name: String::new(),
            unavailable: if rng.below(5) == 0 {
                let s = rng.below(size.sessions);
                let day = 10 + (s / 2) as u32;
                let base = if s.is_multiple_of(2) { 600 } else { 840 };
                vec![Window {
                    start: time(day, base),
                    end: time(
                        day,
                        base + 30 * (1 + rng.below(size.slots_per_session)) as u32,
                    ),
                }]
            } else {
                vec![]
            },
        })
        .collect();
    let topics = ["web", "data", "ops"];
    let mut talks = Vec::new();
    for i in 0..size.talks {
        let long = size.rich && rng.below(6) == 0;
        let mut sp = vec![format!("S{}", rng.below(n_speakers))];
        if rng.below(8) == 0 {
            sp.push(format!("S{}", rng.below(n_speakers)));
        }
        let plenary = size.rich && i == 0 && rng.below(3) == 0;
        let pin = (size.rich && (plenary || rng.below(10) == 0)).then(|| Pin {
            slot: slots[rng.below(slots.len())].id.clone(),
        });
        talks.push(Talk {
            id: format!("T{i}"),
            title: String::new(),
            duration: if long { 60 } else { [25, 30][rng.below(2)] },
            topic: Some(topics[rng.below(topics.len())].to_string()),
            level: String::new(),
            speakers: sp,
            kind: String::new(),
            needs: if long && rng.below(2) == 0 {
                vec!["lab".into()]
            } else {
                vec![]
            },
            demand: rng.below(80) as u32,
            plenary,
            pin,
        });
    }
    let attendees = (0..size.attendees)
        .map(|a| Attendee {
            id: format!("A{a}"),
            wants: (0..1 + rng.below(4))
                .map(|_| format!("T{}", rng.below(size.talks.max(1))))
                .collect(),
        })
        .collect();
    Instance {
        format: podium_scheduler::INSTANCE_FORMAT.into(),
        name: format!("random-{seed}"),
        timezone: "UTC".into(),
        rooms,
        slots,
        talks,
        speakers,
        attendees,
        weights: Weights::default(),
    }
}
