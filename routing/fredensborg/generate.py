"""Demand generator: a typical school week of visiteret befordring in Fredensborg, as a plain scenario file.

Volumes come from the areas' derived demand (``areas.yaml``: distinct recurring passengers,
ad hoc trips per operating day; their arithmetic from the 2021 cost table and unit prices is in
``docs/fredensborg-calibration.md`` section 7); everything else (windows, destinations, ride
rules, passenger attributes, fleet) from ``generator.yaml``. The output is deterministic for a
seed, and every count is written into the scenario's ``meta`` next to its arithmetic.

Counts that come from shares are apportioned, not drawn (largest remainder: 64 passengers at
15 % wheelchair users are exactly 10), so a scenario's mix matches the table; *which* passengers
get an attribute, where they live and when they travel is drawn from the seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

from routing.fredensborg.areas import FREDENSBORG_DIR, Area, load_areas, load_parameters
from routing.fredensborg.geography import Municipality, Place, load_places, straight_km
from routing.model import WEEKDAYS
from routing.rules import school_transport_eligibility
from routing.scenario.load import read_yaml
from routing.units import format_clock, parse_clock

SCHOOL_WEEK = WEEKDAYS[:5]
#: Scale factors the issue names (0.25x to 16x Fredensborg); any positive factor works.
SCALES = (0.25, 1.0, 4.0, 16.0)


def apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` over ``shares`` in whole numbers (largest remainder; shares are normalised)."""
    weight = sum(shares.values())
    if total <= 0 or weight <= 0:
        return {k: 0 for k in shares}
    exact = {k: total * v / weight for k, v in shares.items()}
    out = {k: math.floor(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: (out[k] - exact[k], k))[: total - sum(out.values())]:
        out[k] += 1
    return out


def _flags(rng: random.Random, n: int, share: float) -> list[bool]:
    """``round(n * share)`` True values in random positions."""
    k = apportion(n, {"yes": share, "no": 1.0 - share})["yes"] if 0 < share < 1 else (n if share >= 1 else 0)
    flags = [True] * k + [False] * (n - k)
    rng.shuffle(flags)
    return flags


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _clock(seconds: int) -> str:
    return format_clock(seconds)


class _Week:
    """Builds one week scenario dict."""

    def __init__(self, seed: int, scale: float, baseline_2021: bool, config_dir: Path) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.rng = random.Random(seed)
        self.seed, self.scale, self.baseline = seed, scale, baseline_2021
        self.areas = {a.id: a for a in load_areas(config_dir / "areas.yaml")}
        self.params = load_parameters(config_dir / "parameters.yaml")
        self.cfg = read_yaml(config_dir / "generator.yaml")
        self.places = load_places()
        self.muni = Municipality()
        self.locations: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.derivation: dict[str, Any] = {}
        self.school_rule: Counter[str] = Counter()
        self.home_count = 0
        for did, d in self.cfg["destinations"].items():
            self._add_place(did, d["osm"], d["name"], d["kind"], d["placement"])
        for did, d in self.cfg["depots"].items():
            self._add_place(did, d["osm"], d["name"], "depot", "town_centre")
        towns = self.params["municipality"]["towns"]
        self.town_weights = {name: float(spec["share_of_homes"]) for name, spec in towns.items()}
        self.town_nodes = {name: self.places[osm] for name, osm in self.cfg["towns"].items()}

    # --- places -------------------------------------------------------------------------
    def _add_place(self, loc_id: str, osm: str, name: str, kind: str, placement: str) -> None:
        p = self.places[str(osm)]
        self.locations[loc_id] = {"id": loc_id, "name": f"{name} [osm {p.osm_id}, {placement}]", "kind": kind, "lat": round(p.lat, 6), "lon": round(p.lon, 6)}

    def _home(self, tag: str) -> tuple[str, tuple[float, float]]:
        town = _pick(self.rng, self.town_weights)
        node: Place | None = self.town_nodes.get(town)
        lat, lon = self.muni.sample_near(self.rng, node.lat, node.lon) if node else self.muni.sample_uniform(self.rng)
        self.home_count += 1
        loc_id = f"home-{tag}"
        self.locations[loc_id] = {"id": loc_id, "name": f"synthetic home ({town if node else 'rural'})", "kind": "home", "lat": lat, "lon": lon}
        return loc_id, (lat, lon)

    def _where(self, loc_id: str) -> tuple[float, float]:
        loc = self.locations[loc_id]
        return loc["lat"], loc["lon"]

    # --- rules ----------------------------------------------------------------------------
    def _ride(self, kind: str, home: tuple[float, float], dest: str) -> dict[str, Any]:
        rule = self.cfg["ride"]
        if kind == "flex":
            return {"relative": rule["flex"]["relative"], "min_extra_min": rule["flex"]["min_extra_min"]}
        long = straight_km(home, self._where(dest)) >= rule["route"]["long_km"]
        return {"absolute_min": rule["route"]["long_absolute_min" if long else "absolute_min"]}

    def _load(self, wheelchair: bool, companion: bool) -> dict[str, int]:
        load = {"wheelchairs": 1} if wheelchair else {"seats": 1}
        if companion:
            load["seats"] = load.get("seats", 0) + 1
        return load

    def _service(self, wheelchair: bool) -> int:
        return int(self.cfg["service_min"]["wheelchair" if wheelchair else "seated"])

    def _days(self, per_week: float) -> list[str]:
        k = min(5, int(per_week) + (1 if self.rng.random() < per_week - int(per_week) else 0))
        return sorted(self.rng.sample(SCHOOL_WEEK, max(1, k)), key=SCHOOL_WEEK.index)

    # --- demand ---------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        for area_id, spec in sorted(self.cfg["areas"].items(), key=lambda kv: int(kv[0])):
            area = self.areas[int(area_id)]
            if spec.get("only_2021") and not self.baseline:
                self.derivation[f"area_{area.id:02d}"] = "2021 only (covid vaccination): no trips in the steady-state week"
                continue
            self._area(area, spec)
        return self._scenario()

    def _channel_plan(self, area: Area, n: int) -> list[str]:
        split = {k: v for k, v in (area.demand.get("channel_split_by_trips") or {}).items() if v > 0}
        counts = apportion(n, split) if split else {"flexkommune": n}
        plan = [ch for ch, c in sorted(counts.items()) for _ in range(c)]
        self.rng.shuffle(plan)
        return plan

    def _area(self, area: Area, spec: dict[str, Any]) -> None:
        d = area.demand
        pattern = spec["pattern"]
        per_day = d.get("pax_trips_per_operating_day") or {}
        passengers = 0
        note: dict[str, Any] = {"name": area.name, "pattern": pattern}
        if pattern in ("day", "school", "rehab") and d.get("distinct_recurring_passengers"):
            base = int(d["distinct_recurring_passengers"])
            passengers = max(1, round(base * self.scale))
            attendance = float(d.get("attendance_days_per_week", 5))
            note["recurring_passengers"] = f"{base} (areas.yaml distinct_recurring_passengers, derived) x scale {self.scale:g} = {passengers}"
            note["legs_per_week_expected"] = f"{passengers} x {attendance:g} days x 2 legs = {passengers * attendance * 2:g}"
            self._recurring(area, spec, passengers, attendance)
        adhoc_day = float(per_day.get("ad_hoc", 0.0))
        if adhoc_day > 0:
            legs = adhoc_day * len(SCHOOL_WEEK) * self.scale
            share = float(self.cfg["windows"]["adhoc_round_trip_share"])
            bookings = max(1, round(legs / (1 + share)))
            note["adhoc_bookings"] = f"{adhoc_day:g} ad hoc legs/day (areas.yaml, derived) x 5 days x scale {self.scale:g} = {legs:.1f} legs; / (1 + {share:g} round trips) = {bookings} bookings"
            self._adhoc(area, spec, bookings)
        note["legs_generated"] = sum(len(r.get("days") or SCHOOL_WEEK) for r in self.requests if r["area"] == area.id)
        self.derivation[f"area_{area.id:02d}"] = note

    def _destination(self, spec: dict[str, Any], inside: bool, home: tuple[float, float]) -> str:
        choices = spec["inside"] if inside or not spec["outside"] else spec["outside"]
        if choices == "nearest_school":
            schools = [k for k, v in self.cfg["destinations"].items() if v["kind"] == "school"]
            return min(schools, key=lambda s: straight_km(home, self._where(s)))
        return _pick(self.rng, {k: float(v) for k, v in choices.items()})

    def _recurring(self, area: Area, spec: dict[str, Any], n: int, attendance: float) -> None:
        d = area.demand
        cfg, win = self.cfg, self.cfg["windows"]
        inside_flags = _flags(self.rng, n, float(d.get("inside_municipality_share", 1.0)) if spec["outside"] else 1.0)
        wheel = _flags(self.rng, n, float(d.get("wheelchair_share", 0.0)))
        companion = _flags(self.rng, n, float(cfg["companion_share"].get(area.id, 0.0)))
        solo = _flags(self.rng, n, float(cfg["solo_share"].get(area.id, 0.0)))
        channels = self._channel_plan(area, n)
        members: dict[str, list[str]] = {}
        for k in range(n):
            pid = f"a{area.id:02d}-p{k + 1:03d}"
            home_id, home, grade, why = self._pupil(pid) if area.id == 11 else (*self._home(pid), self.rng.randint(0, 9), "")
            dest = self._destination(spec, inside_flags[k], home)
            if area.id == 12 and inside_flags[k]:
                dest = min((s for s in spec["inside"]), key=lambda s: straight_km(home, self._where(s)))
            pattern = spec["pattern"]
            if pattern == "school":
                arrive = [parse_clock(t) for t in win["school_arrive"]]
                end = next(parse_clock(t) for top, t in sorted(win["school_leave_by_grade"].items(), key=lambda kv: int(kv[0])) if grade <= int(top))
                leave = [end, end + 60 * int(win["school_leave_window_min"])]
                what = f"grade {grade}"
            elif pattern == "rehab":
                t = parse_clock(self.rng.choice(win["rehab_appointments"]))
                arrive = [t - 60 * int(win["rehab_arrive_window_min"]), t]
                back = t + 60 * int(win["rehab_session_min"])
                leave = [back, back + 60 * 30]
                what = f"appointment {_clock(t)}"
            else:
                arrive = [parse_clock(t) for t in win["day_arrive"]]
                t = parse_clock(self.rng.choice(win["day_leave_choices"]))
                leave = [t, t + 60 * int(win["day_leave_window_min"])]
                what = "day offer"
            ride_kind = "flex" if channels[k] == "flexkommune" and pattern == "rehab" else "route"
            ride = self._ride(ride_kind, home, dest)
            days = self._days(attendance)
            service = self._service(wheel[k])
            common = {
                "area": area.id,
                "passenger": pid,
                "channel": channels[k],
                "load": self._load(wheel[k], companion[k]),
                "max_ride": ride,
                "days": days,
            }
            if solo[k]:
                common["solo"] = True
            if wheel[k]:
                common["skills"] = ["lift"]
            label = f"{area.name}: {what}{', ' + why if why else ''}"
            self.requests.append({"id": f"{pid}-am", "label": f"{label}, to {dest}", **common,
                                  "pickup": {"location": home_id, "service_min": service},
                                  "dropoff": {"location": dest, "window": [_clock(arrive[0]), _clock(arrive[1])], "service_min": service}})
            self.requests.append({"id": f"{pid}-pm", "label": f"{label}, home from {dest}", **common,
                                  "pickup": {"location": dest, "window": [_clock(leave[0]), _clock(leave[1])], "service_min": service},
                                  "dropoff": {"location": home_id, "service_min": service}})
            members.setdefault(dest, []).append(pid)
        self._not_together(area, n, members)

    def _pupil(self, pid: str) -> tuple[str, tuple[float, float], int, str]:
        """An area-11 pupil with a § 26 right to transport: draw homes and grades until one is eligible."""
        rule = self.cfg["school_rule"]
        schools = [k for k, v in self.cfg["destinations"].items() if v["kind"] == "school"]
        for _ in range(100_000):
            lat_lon = self._candidate_home()
            grade = self.rng.randint(0, 9)
            school = min(schools, key=lambda s: straight_km(lat_lon, self._where(s)))
            way = straight_km(lat_lon, self._where(school)) * float(rule["circuity"])
            unsafe = self.rng.random() < float(rule["unsafe_route_share"])
            illness = self.rng.random() < float(rule["illness_share"])
            result = school_transport_eligibility(grade, way, unsafe, illness)
            self.school_rule["candidates"] += 1
            if result.eligible:
                self.school_rule[f"eligible_{result.reason}"] += 1
                loc_id = f"home-{pid}"
                self.locations[loc_id] = {"id": loc_id, "name": "synthetic home (pupil)", "kind": "home", "lat": lat_lon[0], "lon": lat_lon[1]}
                self.home_count += 1
                return loc_id, lat_lon, grade, f"§26 {result.reason}, way {way:.1f} km > {result.threshold_km:g} km" if result.reason == "distance" else f"§26 {result.reason}, way {way:.1f} km"
        raise RuntimeError("no § 26-eligible pupil found; check generator.yaml school_rule")

    def _candidate_home(self) -> tuple[float, float]:
        town = _pick(self.rng, self.town_weights)
        node = self.town_nodes.get(town)
        return self.muni.sample_near(self.rng, node.lat, node.lon) if node else self.muni.sample_uniform(self.rng)

    def _not_together(self, area: Area, n: int, members: dict[str, list[str]]) -> None:
        per = self.cfg["not_together_per_passengers"].get(area.id)
        if not per:
            return
        pairs = n // int(per)
        groups = [g for g in members.values() if len(g) >= 2]
        by_id = {r["id"]: r for r in self.requests}
        for _ in range(pairs):
            if not groups:
                break
            group = self.rng.choice(groups)
            a, b = self.rng.sample(group, 2)
            for leg in ("am", "pm"):
                ra, rb = by_id[f"{a}-{leg}"], by_id[f"{b}-{leg}"]
                ra.setdefault("not_with", []).append(rb["id"])

    def _adhoc(self, area: Area, spec: dict[str, Any], bookings: int) -> None:
        d, win = area.demand, self.cfg["windows"]
        inside = _flags(self.rng, bookings, float(d.get("inside_municipality_share", 1.0)) if spec["outside"] else 1.0)
        wheel = _flags(self.rng, bookings, float(d.get("wheelchair_share", 0.0)))
        round_trip = _flags(self.rng, bookings, float(win["adhoc_round_trip_share"]))
        split = {k: v for k, v in (d.get("channel_split_by_trips") or {}).items() if v > 0}
        adhoc_split = {k: v for k, v in split.items() if k in ("flexkommune", "private")} or {max(split, key=split.get) if split else "flexkommune": 1.0}
        channels = self._channel_plan_from(adhoc_split, bookings)
        span = [parse_clock(t) for t in win["adhoc_request_span"]]
        lo, hi = (60 * int(m) for m in win["adhoc_pickup_shift_min"])
        for k in range(bookings):
            tid = f"a{area.id:02d}-t{k + 1:03d}"
            home_id, home = self._home(tid)
            dest = self._destination(spec, inside[k], home)
            day = self.rng.choice(SCHOOL_WEEK)
            t = span[0] + 300 * self.rng.randint(0, (span[1] - span[0]) // 300)
            service = self._service(wheel[k])
            common = {"area": area.id, "passenger": tid, "channel": channels[k], "load": self._load(wheel[k], False), "max_ride": self._ride("flex", home, dest), "days": [day]}
            if wheel[k]:
                common["skills"] = ["lift"]
            self.requests.append({"id": f"{tid}-out", "label": f"{area.name}: ad hoc, requested pickup {_clock(t)}", **common,
                                  "pickup": {"location": home_id, "window": [_clock(t + lo), _clock(t + hi)], "service_min": service},
                                  "dropoff": {"location": dest, "service_min": service}})
            if round_trip[k]:
                r = t + 60 * self.rng.randrange(int(win["adhoc_return_after_min"][0]), int(win["adhoc_return_after_min"][1]) + 1, 5)
                self.requests.append({"id": f"{tid}-back", "label": f"{area.name}: ad hoc return, requested pickup {_clock(r)}", **common,
                                      "pickup": {"location": dest, "window": [_clock(r + lo), _clock(r + hi)], "service_min": service},
                                      "dropoff": {"location": home_id, "service_min": service}})

    def _channel_plan_from(self, split: dict[str, float], n: int) -> list[str]:
        counts = apportion(n, split)
        plan = [ch for ch, c in sorted(counts.items()) for _ in range(c)]
        self.rng.shuffle(plan)
        return plan

    # --- fleet and output -------------------------------------------------------------------
    def _legs_per_day(self) -> dict[str, int]:
        return {day: sum(1 for r in self.requests if day in r["days"]) for day in SCHOOL_WEEK}

    def _fleet(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
        p = self.params
        vt = p["vehicle_types"]
        rate = p["channels"]["flexrute"]["price_per_vehicle_hour"]
        own = p["channels"]["own_vehicles"]
        types = [
            {"id": "taxi", "label": "Personbil (taxi), Flexrute", "capacity": {"seats": vt["taxi"]["seats"], "wheelchairs": 0}, "profile": "car", "fuel": "diesel", "cost_per_hour_dkk": rate["taxi"], "channel": "flexrute"},
            {"id": "storvogn", "label": "Storvogn / 8-seat minibus, Flexrute", "capacity": {"seats": vt["storvogn"]["seats"], "wheelchairs": 0}, "profile": "car", "fuel": "diesel", "cost_per_hour_dkk": rate["storvogn"], "channel": "flexrute"},
            {"id": "liftbil", "label": "Liftbil, Flexrute", "capacity": {"seats": vt["liftbil"]["seats"], "wheelchairs": vt["liftbil"]["wheelchairs"]}, "skills": ["lift"], "profile": "minibus", "fuel": "diesel", "cost_per_hour_dkk": rate["liftbil"], "channel": "flexrute"},
            {"id": "midibus", "label": "Midibus, egne vogne", "capacity": {"seats": vt["midibus"]["seats"], "wheelchairs": 0}, "profile": "minibus", "fuel": "diesel", "cost_per_hour_dkk": own["driver_cost_per_hour"], "cost_per_km_dkk": own["vehicle_cost_per_km"], "channel": "own"},
            {"id": "own_liftbil", "label": "Liftbil, egne vogne", "capacity": {"seats": vt["liftbil"]["seats"], "wheelchairs": vt["liftbil"]["wheelchairs"]}, "skills": ["lift"], "profile": "minibus", "fuel": "diesel", "cost_per_hour_dkk": own["driver_cost_per_hour"], "cost_per_km_dkk": own["vehicle_cost_per_km"], "channel": "own"},
        ]
        peak = max(self._legs_per_day().values(), default=0)
        depot = {"taxi": "depot_kokkedal", "storvogn": "depot_fredensborg", "liftbil": "depot_kokkedal", "midibus": "depot_egelunden", "own_liftbil": "depot_egelunden"}
        vehicles = []
        counts: dict[str, dict[str, int]] = {}
        for duty, spec in self.cfg["duties"].items():
            counts[duty] = {t: max(1, math.ceil(peak / 100 * float(k))) for t, k in spec["per_100_legs"].items() if float(k) > 0}
            for t, c in counts[duty].items():
                vehicles.append({"id": f"{t}-{duty}", "type": t, "start": depot[t], "shift": list(spec["shift"]), "count": c})
        why = f"busiest day {peak} legs; duties and vehicles per 100 legs in generator.yaml (assumption): {counts}"
        return types, vehicles, why

    def _scenario(self) -> dict[str, Any]:
        types, vehicles, fleet_note = self._fleet()
        unrouted = {}
        for a in self.areas.values():
            units = a.demand.get("derived_units_per_year") or {}
            days = float(a.demand.get("operating_days_per_year") or 250)
            fh, rf = float(units.get("flexhandicap_trips", 0)), float(units.get("refusion_trips_not_routed", 0))
            if fh or rf:
                week_days = 7 if fh else 5
                unrouted[f"area_{a.id:02d}"] = {
                    "flexhandicap_trips_per_week": round(fh / days * week_days * self.scale, 1) if fh else 0,
                    "refusion_trips_per_week": round(rf / days * 5 * self.scale, 1) if rf else 0,
                    "arithmetic": f"units/yr (areas.yaml derived_units_per_year) / {days:g} operating days x {week_days} days x scale {self.scale:g}",
                }
        meta: dict[str, Any] = {
            "generator": {"command": f"python cli.py generate fredensborg --seed {self.seed} --scale {self.scale:g}{' --baseline-2021' if self.baseline else ''}", "seed": self.seed, "scale": self.scale},
            "sources": {
                "areas_and_costs": "scenarios/fredensborg/areas.yaml (seed: Fredensborg Visiteret Borgerbefordringsanalyse 2022, 2021 cost table)",
                "tariffs_and_rules": "scenarios/fredensborg/parameters.yaml (each value tagged sourced/derived/assumption)",
                "assumptions": "scenarios/fredensborg/generator.yaml (windows, destinations, attribute shares, fleet)",
                "geography": "data/geo (DAGI municipal polygon) and data/osm (© OpenStreetMap contributors, ODbL 1.0); homes are synthetic",
            },
            "legs_per_day": self._legs_per_day(),
            "homes": self.home_count,
            "derivation": self.derivation,
            "school_rule_par26": dict(self.school_rule),
            "fleet": fleet_note,
            "unrouted_demand": unrouted,
            "operating_days_per_year": {f"area_{a.id:02d}": a.demand.get("operating_days_per_year") for a in self.areas.values()},
            "planning": "silo",
        }
        if self.baseline:
            meta["expected_cost_2021_dkk"] = {f"area_{a.id:02d}": {**a.cost_2021, "not_estimated": list(a.not_estimated)} for a in self.areas.values()}
            meta["baseline"] = "2021 channel assignment: each request's channel is how that kind of trip was bought in 2021 (areas.yaml channel_split_by_trips, apportioned)"
        name = f"fredensborg-week-x{self.scale:g}" + ("-baseline-2021" if self.baseline else "")
        return {
            "schema": "routing.scenario/1",
            "name": name,
            "description": f"Synthetic but calibrated typical school week of visiteret borgerbefordring in Fredensborg Kommune (scale {self.scale:g}, seed {self.seed}). Generated; edit freely.",
            "profiles": {
                "car": {"kind": "geodesic", "circuity": 1.3, "speed_kph": [[2, 30], [10, 50], [None, 70]]},
                "minibus": {"kind": "geodesic", "circuity": 1.3, "speed_kph": [[2, 25], [10, 45], [None, 65]]},
            },
            "reference_profile": "car",
            "locations": list(self.locations.values()),
            "vehicle_types": types,
            "vehicles": vehicles,
            "requests": self.requests,
            "solver": {"time_limit_s": 60, "objective": "cost"},
            "meta": meta,
        }


def generate_week(seed: int, scale: float = 1.0, baseline_2021: bool = False, config_dir: Path | None = None) -> dict[str, Any]:
    """A week scenario as a dict (the YAML structure of ``docs/scenario-format.md``)."""
    return _Week(seed, scale, baseline_2021, config_dir or FREDENSBORG_DIR).build()
