#!/usr/bin/env python3
"""Schedule one instance with PyCon UK's `conference-scheduler` (PyPI, ILP via PuLP/CBC) and
write a podium.schedule.solution/1 file, to score it with validate.py --score-only next to
`podium schedule`'s result.

Usage (venv under /tmp, never committed):
    python3 -m venv /tmp/csvenv && /tmp/csvenv/bin/pip install conference-scheduler
    /tmp/csvenv/bin/python bench/scheduler/compare_conference_scheduler.py \
        INSTANCE.json OUT-INSTANCE.json OUT-SOLUTION.json [--tags]

Their model places every event in exactly one slot whose length covers it, so the instance is
first reduced to what both tools can express: talks longer than one slot (workshops) are dropped,
and OUT-INSTANCE.json is written for podium and validate.py to use. Mapping:
speaker unavailability, pins, missing room features → slot unavailability; shared speakers →
event unavailability; with --tags, a talk's topic becomes a tag (their way to keep talks of one
topic from running in parallel). Objective: their `efficiency_capacity_demand_difference`
(overflow). They have no notion of attendee wishes or topic-clean sessions.
"""
import json
import sys
import time
from datetime import datetime, timedelta

from conference_scheduler import scheduler
from conference_scheduler.lp_problem import objective_functions
from conference_scheduler.resources import Event, Slot


def ts(text):
    return datetime.fromisoformat(text)


def main(argv):
    instance = json.load(open(argv[1], encoding="utf-8"))
    use_tags = "--tags" in argv
    slot_len = {s["id"]: int((ts(s["end"]) - ts(s["start"])).total_seconds() // 60)
                for s in instance["slots"]}
    pinned_slots = {t["pin"]["slot"] for t in instance["talks"] if t.get("pin")}
    shortest = min(v for k, v in slot_len.items() if k not in pinned_slots)
    instance["talks"] = [t for t in instance["talks"] if t.get("pin") or t["duration"] <= shortest]
    json.dump(instance, open(argv[2], "w", encoding="utf-8"))

    rooms = {r["id"]: r for r in instance["rooms"]}
    speakers = {s["id"]: s for s in instance["speakers"]}
    slots = [Slot(venue=s["room"], starts_at=ts(s["start"]), duration=slot_len[s["id"]],
                  capacity=rooms[s["room"]]["capacity"], session=f"{s['room']}-{s['session']}")
             for s in instance["slots"]]
    events = [Event(t["id"], t["duration"], t.get("demand", 0),
                    tags=[t["topic"]] if use_tags and not t.get("plenary") else [])
              for t in instance["talks"]]
    for event, talk in zip(events, instance["talks"]):
        features = set(talk.get("needs", []))
        for slot, raw in zip(slots, instance["slots"]):
            start = ts(raw["start"])
            end = start + timedelta(minutes=talk["duration"])
            pinned = talk["pin"]["slot"] if talk.get("pin") else None
            bad = (pinned and pinned != raw["id"]) or not features <= set(rooms[raw["room"]]["features"])
            for sid in talk["speakers"]:
                for w in speakers[sid].get("unavailable", []):
                    if start < ts(w["end"]) and ts(w["start"]) < end:
                        bad = True
            if not pinned and raw["id"] in pinned_slots:
                bad = True
            if bad:
                event.add_unavailability(slot)
        for other_event, other in zip(events, instance["talks"]):
            if other is not talk and set(other["speakers"]) & set(talk["speakers"]):
                event.add_unavailability(other_event)

    began = time.time()
    result = scheduler.solution(events, slots,
                                objective_function=objective_functions.efficiency_capacity_demand_difference)
    seconds = time.time() - began
    solution = {
        "format": "podium.schedule.solution/1",
        "instance": instance["name"],
        "assignments": [{"talk": instance["talks"][e]["id"], "slot": instance["slots"][s]["id"]}
                        for e, s in result],
        "unscheduled": [],
        "solver": {"tool": "conference-scheduler 3.0.1 (PuLP CBC)", "seconds": round(seconds, 2),
                   "tags": use_tags},
    }
    json.dump(solution, open(argv[3], "w", encoding="utf-8"))
    print(f"conference-scheduler: {len(result)} events placed in {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
