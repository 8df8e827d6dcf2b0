#!/usr/bin/env python3
"""Make a "change after publication" instance for `podium schedule --keep`.

Usage: perturb.py INSTANCE.json SOLUTION.json {speaker|withdraw|room} [N] > CHANGED.json

speaker:  the first speaker of the N-th placed talk (default 1st) becomes unavailable for
          the whole time of that talk;
withdraw: the N-th placed talk is removed (and dropped from every attendee's wants);
room:     every slot of the room holding the N-th placed talk is removed (and pins to
          them are dropped).
Only the Python standard library is used.
"""
import json
import sys


def main(argv):
    instance = json.load(open(argv[1], encoding="utf-8"))
    solution = json.load(open(argv[2], encoding="utf-8"))
    change = argv[3]
    n = int(argv[4]) if len(argv) > 4 else 1
    placed = [a for a in solution["assignments"]
              if not next(t for t in instance["talks"] if t["id"] == a["talk"]).get("pin")]
    target = placed[(n - 1) % len(placed)]
    talk = next(t for t in instance["talks"] if t["id"] == target["talk"])
    slot = next(s for s in instance["slots"] if s["id"] == target["slot"])
    if change == "speaker":
        sid = talk["speakers"][0]
        speaker = next(s for s in instance["speakers"] if s["id"] == sid)
        speaker.setdefault("unavailable", []).append({"start": slot["start"], "end": slot["end"]})
        note = f"speaker {sid} of {talk['id']} unavailable from {slot['start']} to {slot['end']}"
    elif change == "withdraw":
        instance["talks"] = [t for t in instance["talks"] if t["id"] != talk["id"]]
        for a in instance["attendees"]:
            a["wants"] = [w for w in a["wants"] if w != talk["id"]]
        note = f"talk {talk['id']} withdrawn"
    elif change == "room":
        instance["slots"] = [s for s in instance["slots"] if s["room"] != slot["room"]]
        left = {s["id"] for s in instance["slots"]}
        for t in instance["talks"]:
            if t.get("pin") and t["pin"]["slot"] not in left:
                del t["pin"]  # the organizer un-pins talks whose room is gone
        note = f"room {slot['room']} lost"
    else:
        sys.exit(f"unknown change {change}")
    print(note, file=sys.stderr)
    json.dump(instance, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
