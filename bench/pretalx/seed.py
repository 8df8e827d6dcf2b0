"""Seed a pretalx database with the benchmark conference (run by bench/pretalx/run.py).

Runs inside pretalx's virtualenv with DJANGO_SETTINGS_MODULE=pretalx.settings and
PRETALX_CONFIG_FILE set; the database must be freshly migrated. Creates one public event:
100 confirmed talks (one or two speakers each, abstracts and descriptions of realistic length,
six tracks), 4 rooms, 3 days, and releases the schedule as version 1.0. Deterministic: a fixed
random seed and fixed dates. Prints one JSON line: the event slug and one talk (code, title).

Usage: python seed.py SLUG
"""
import datetime as dt
import json
import random
import sys
import zoneinfo

import django

django.setup()

from django.db import transaction  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from pretalx.event.models import Event  # noqa: E402
from pretalx.event.utils import create_organiser_with_team  # noqa: E402
from pretalx.person.models import SpeakerProfile, User  # noqa: E402
from pretalx.schedule.models import Room  # noqa: E402
from pretalx.submission.models import Submission, SubmissionType, Track  # noqa: E402

TALKS = 100
ROOMS = ["Main Hall", "Auditorium", "Room 1", "Room 2"]
FIRST_DAY = dt.date(2027, 9, 17)
DAYS = 3
TZ = "Europe/Berlin"
# Start times per room and day: 9 slots of 45 minutes with a lunch break, 108 places for 100 talks.
STARTS = ["09:00", "09:45", "10:30", "11:15", "12:00", "14:00", "14:45", "15:30", "16:15"]
TRACKS = [("Web", "#1f77b4"), ("Data", "#ff7f0e"), ("Core Python", "#2ca02c"),
          ("DevOps", "#d62728"), ("Education", "#9467bd"), ("Community", "#8c564b")]

SUBJECTS = ["type hints", "async I/O", "packaging", "Django ORM queries", "pandas pipelines",
            "property-based testing", "CPython internals", "the GIL", "WebAssembly", "Rust extensions",
            "data validation", "observability", "feature flags", "search ranking", "geospatial data",
            "accessibility", "teaching beginners", "open source maintenance", "time zones",
            "memory profiling", "CI pipelines", "container images", "Postgres indexes",
            "machine learning deployment", "notebooks in production", "API design", "caching",
            "event sourcing", "structured logging", "security audits"]
ANGLES = ["A practical guide to", "What we learned from", "Lessons from two years of",
          "Beyond the basics of", "Debugging", "Scaling", "Rethinking", "A gentle introduction to",
          "The hidden costs of", "Shipping", "Testing", "Understanding"]
CONTEXTS = ["at a small nonprofit", "in a 10-person startup", "for a national railway",
            "in scientific computing", "on a Raspberry Pi", "at scale", "in a legacy codebase",
            "for a city government", "in the classroom", "across three time zones"]
FIRST = ["Asha", "Ben", "Chen", "Divya", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jyoti",
         "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sanjay", "Tomoko"]
LAST = ["Agarwal", "Brandt", "Costa", "Dubois", "Eriksen", "Fernandes", "Gupta", "Haddad", "Ito",
        "Jansen", "Kowalski", "Lindqvist", "Mensah", "Nair", "Okafor", "Petrov", "Quispe", "Rao",
        "Santos", "Tanaka"]
SENTENCES = [
    "We start from a real incident and walk through the steps that led to it.",
    "You will see the code before and after, and the measurements that justified each change.",
    "The talk assumes you have written some Python but need no prior knowledge of {s}.",
    "Along the way we look at the trade-offs that the documentation rarely spells out.",
    "Most teams meet {s} by accident; this session is about meeting it on purpose.",
    "We compare three approaches and explain why we ended up with the least fashionable one.",
    "Expect live demos, a few failure stories, and a checklist you can take home.",
    "The examples come from a production system that serves a few million requests a day.",
    "We close with the open questions and where the community could help.",
    "No slides full of bullet points: each idea comes with a small, runnable example.",
    "Attendees will leave knowing how to measure {s} instead of guessing about it.",
    "We also cover the tooling that made the migration boring, which is the goal.",
]


def paragraph(rng, subject, n):
    return " ".join(rng.choice(SENTENCES).format(s=subject) for _ in range(n))


@transaction.atomic
def main(slug):
    rng = random.Random(2027)
    tz = zoneinfo.ZoneInfo(TZ)
    with scopes_disabled():
        organiser, team = create_organiser_with_team(name="Bench Org", slug="benchorg", users=[])
        event = Event.objects.create(
            name="BenchConf 2027", slug=slug, organiser=organiser, is_public=True,
            date_from=FIRST_DAY, date_to=FIRST_DAY + dt.timedelta(days=DAYS - 1), timezone=TZ,
            email="orga@example.org", locale_array="en", locale="en", content_locale_array="en",
            landing_page_text="# BenchConf 2027\n\nThree days, four rooms, a hundred talks.")
    with scope(event=event):
        event.build_initial_data()
        team.limit_events.add(event)
        talk_type = SubmissionType.objects.get(event=event)
        talk_type.default_duration = 30
        talk_type.save()
        long_type = SubmissionType.objects.create(event=event, name="Long talk", default_duration=40)
        tracks = [Track.objects.create(event=event, name=n, color=c, position=i)
                  for i, (n, c) in enumerate(TRACKS)]
        rooms = [Room.objects.create(event=event, name=n, position=i, capacity=400 - 80 * i)
                 for i, n in enumerate(ROOMS)]

        speakers = []
        for i in range(90):
            first, last = FIRST[i % 20], LAST[(i * 7 + i // 20) % 20]
            user = User.objects.create_user(name=f"{first} {last}", email=f"speaker{i}@example.org",
                                            locale="en", timezone=TZ)
            SpeakerProfile.objects.create(
                user=user, event=event,
                biography=f"{first} works on {rng.choice(SUBJECTS)} {rng.choice(CONTEXTS)}. "
                          + paragraph(rng, rng.choice(SUBJECTS), 2))
            speakers.append(user)

        places = [(day, start, room) for day in range(DAYS) for start in STARTS for room in rooms]
        titles = set()
        talks = []
        for n in range(TALKS):
            while True:
                subject = rng.choice(SUBJECTS)
                title = f"{rng.choice(ANGLES)} {subject} {rng.choice(CONTEXTS)}"
                if title not in titles:
                    titles.add(title)
                    break
            kind = long_type if n % 4 == 3 else talk_type
            sub = Submission.objects.create(
                event=event, title=title, submission_type=kind, track=rng.choice(tracks),
                abstract=paragraph(rng, subject, rng.randint(3, 5)),
                description="\n\n".join(paragraph(rng, subject, rng.randint(3, 4)) for _ in range(2)),
                content_locale="en")
            sub.speakers.add(speakers[n % len(speakers)])
            if n % 9 == 4:  # a co-speaker, whose own talk (n ± 45) is at another time
                sub.speakers.add(speakers[(n + 45) % len(speakers)])
            sub.accept()
            sub.confirm()
            talks.append(sub)

        for sub, (day, start, room) in zip(talks, places[:TALKS]):
            hour, minute = map(int, start.split(":"))
            begin = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(hour, minute), tz)
            slot = sub.slots.get(schedule=event.wip_schedule)
            slot.start = begin
            slot.end = begin + dt.timedelta(minutes=sub.submission_type.default_duration)
            slot.room = room
            slot.save()
        busy = set()  # nobody speaks in two rooms at once
        for sub, (day, start, _) in zip(talks, places):
            for speaker in sub.speakers.all():
                assert (speaker.pk, day, start) not in busy, f"{speaker.name} double-booked"
                busy.add((speaker.pk, day, start))
        event.wip_schedule.freeze("1.0", notify_speakers=False)
        chosen = talks[37]
        return {"slug": slug, "talk_code": chosen.code, "talk_title": chosen.title,
                "talks": len(talks)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
