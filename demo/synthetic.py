"""A synthetic council for the demo and the benchmarks: no real people, no real children.

Cohort shares are set to look like an English county's open caseload: about half Children in
Need, one in seven on a Child Protection plan, a quarter Children Looked After, and small
groups at risk of CSE or reported missing.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

AREAS = ("North East", "North West", "South East", "South West")
TEAM_KINDS = (
    "Assessment",
    "Children in Need",
    "Family Safeguarding 1",
    "Family Safeguarding 2",
    "Children Looked After",
    "Care Leavers",
    "Disabled Children",
    "Adolescent Support",
    "Early Help",
    "Court and Permanence",
)
FIRST = (
    "Alex",
    "Sam",
    "Jordan",
    "Robin",
    "Casey",
    "Morgan",
    "Jamie",
    "Taylor",
    "Riley",
    "Avery",
    "Quinn",
    "Rowan",
    "Skyler",
    "Charlie",
    "Drew",
    "Emery",
    "Harper",
    "Reese",
)
LAST = (
    "Example",
    "Sample",
    "Testwell",
    "Placeholder",
    "Demo",
    "Fictive",
    "Mockford",
    "Synthson",
    "Madeup",
    "Notreal",
    "Dummyfield",
    "Pretendby",
)
CP_CATEGORIES = (
    ("neglect", 45),
    ("emotional", 35),
    ("physical", 8),
    ("sexual", 5),
    ("multiple", 7),
)
CSE_RISKS = ("emerging", "experiencing", "significant")

STAFF_COLUMNS = [
    "staff_id",
    "name",
    "email",
    "role",
    "team",
    "service_area",
    "line_manager_id",
    "active",
]
CASE_COLUMNS = [
    "case_ref",
    "team",
    "service_area",
    "status",
    "date_of_birth",
    "cin",
    "cp_category",
    "cla",
    "cse_risk",
    "missing_episodes_6m",
    "worker_id",
]
#: Social workers per team in the demo's council: each case is allocated to one of its team's.
WORKERS_PER_TEAM = 3


@dataclass
class Council:
    staff: list[dict[str, str]]
    cases: list[dict[str, str]]


def _name(rng: random.Random, used: set[str]) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if name in used:
        name = f"{name} {len(used)}"
    used.add(name)
    return name


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.gov.uk"


def make_staff(
    rng: random.Random, teams_per_area: int = 10, managers_per_team: int = 2
) -> list[dict[str, str]]:
    used: set[str] = set()
    staff: list[dict[str, str]] = []

    def person(staff_id: str, role: str, team: str = "", area: str = "", manager: str = "") -> None:
        name = _name(rng, used)
        staff.append(
            {
                "staff_id": staff_id,
                "name": name,
                "email": _email(name),
                "role": role,
                "team": team,
                "service_area": area,
                "line_manager_id": manager,
                "active": "yes",
            }
        )

    person("D001", "director")
    for n in range(1, 5):
        person(f"APS{n:02d}", "aps")
    tm = sm = 0
    for area in AREAS:
        prefix = "".join(word[0] for word in area.split())
        teams = [f"{prefix} {kind}" for kind in TEAM_KINDS[:teams_per_area]]
        for pair in range(0, len(teams), 3):
            sm += 1
            manager = f"SM{sm:03d}"
            person(manager, "service_manager", teams[pair], area, "D001")
            for team in teams[pair : pair + 3]:
                for _ in range(managers_per_team):
                    tm += 1
                    person(f"TM{tm:03d}", "team_manager", team, area, manager)
    # A few realistic wrinkles: someone who has left, someone inactive.
    staff[-1]["active"] = "no"
    return staff


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def make_cases(
    rng: random.Random,
    staff: list[dict[str, str]],
    count: int,
    today: date,
    closed_share: float = 0.05,
) -> list[dict[str, str]]:
    teams = sorted({(s["team"], s["service_area"]) for s in staff if s["role"] == "team_manager"})
    cases = []
    for n in range(count):
        team, area = rng.choice(teams)
        age_days = rng.randrange(0, 18 * 365)
        on_cp = rng.random() < 0.15
        cla = not on_cp and rng.random() < 0.28
        cse = age_days > 10 * 365 and rng.random() < 0.12
        missing = 0
        if age_days > 11 * 365 and rng.random() < (0.45 if cse else 0.12):
            missing = rng.choice((1, 1, 1, 2, 2, 3, 5, 8))
        cases.append(
            {
                "case_ref": f"C{100000 + n}",
                "team": team,
                "service_area": area,
                "status": "closed" if rng.random() < closed_share else "open",
                "date_of_birth": (today - timedelta(days=age_days)).isoformat(),
                "cin": "yes" if not on_cp and not cla else "no",
                "cp_category": _weighted(rng, CP_CATEGORIES) if on_cp else "",
                "cla": "yes" if cla else "no",
                "cse_risk": rng.choice(CSE_RISKS) if cse else "",
                "missing_episodes_6m": str(missing),
            }
        )
    return cases


def make_council(
    seed: int, today: date, cases: int = 6300, teams_per_area: int = 10, managers_per_team: int = 2
) -> Council:
    rng = random.Random(seed)
    staff = make_staff(rng, teams_per_area, managers_per_team)
    return Council(staff, make_cases(rng, staff, cases, today))


def add_social_workers(council: Council, seed: int, per_team: int = WORKERS_PER_TEAM) -> None:
    """Give every team ``per_team`` social workers (managed by the team's first Team Manager)
    and every case one of its team's, in turn. A generator of its own, so that the rest of the
    council (and so the allocation) is the same with or without them."""
    rng = random.Random(f"{seed}:social-workers")
    used = {person["name"] for person in council.staff}
    managers: dict[str, dict[str, str]] = {}
    for person in council.staff:
        if person["role"] == "team_manager":
            managers.setdefault(person["team"], person)
    workers: dict[str, list[str]] = {}
    for team, manager in sorted(managers.items()):
        for _ in range(per_team):
            name = _name(rng, used)
            staff_id = f"SW{sum(map(len, workers.values())) + 1:03d}"
            council.staff.append(
                {
                    "staff_id": staff_id,
                    "name": name,
                    "email": _email(name),
                    "role": "social_worker",
                    "team": team,
                    "service_area": manager["service_area"],
                    "line_manager_id": manager["staff_id"],
                    "active": "yes",
                }
            )
            workers.setdefault(team, []).append(staff_id)
    for n, case in enumerate(council.cases):
        team_workers = workers.get(case["team"])
        case["worker_id"] = team_workers[n % len(team_workers)] if team_workers else ""


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path
