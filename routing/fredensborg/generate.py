"""Demand generator: a typical school week of visiteret befordring in Fredensborg, as a plain scenario file.

Volumes come from the areas' derived demand (``areas.yaml``: distinct recurring passengers,
ad hoc trips per operating day; their arithmetic from the 2021 cost table and unit prices is in
``docs/fredensborg-calibration.md`` section 7); everything else (windows, destinations, ride
rules, passenger attributes, fleet) from ``generator.yaml``. The output is deterministic for a
seed, and every count is written into the scenario's ``meta`` next to its arithmetic.

Counts that come from shares are apportioned, not drawn (largest remainder: 64 passengers at
15 % wheelchair users are exactly 10), so a scenario's mix matches the table; *which* passengers
get an attribute, where they live and when they travel is drawn from the seed.

Calibration to the 2021 cost table (the table's volumes assumed mean distances and route
productivities; this geography and this engine give their own):

- trips bought per trip (Flexkommune, private vognmænd) are assigned until each area's 2021
  spend on that channel is met, every trip priced with the tariff formulas on its own direct
  distance (ad hoc bookings are added or left out for the same reason);
- passengers on Flexrute and egne-vogne routes are scaled per area by ``route_calibration``
  in ``generator.yaml`` (written by ``routing.fredensborg.calibrate``, which plans the week as
  in 2021 and compares with the 2021 spend).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from routing.costing import tariffs
from routing.costing.params import Parameters
from routing.fredensborg.areas import FREDENSBORG_DIR, Area, load_areas, load_municipality
from routing.fredensborg.geography import Municipality, Place, load_places, straight_km
from routing.fredensborg.rules import school_transport_eligibility
from routing.matrix.compute import band_durations_s
from routing.model import ROUTED_CHANNELS, WEEKDAYS
from routing.scenario.build import DEFAULT_PROFILE
from routing.scenario.load import read_yaml
from routing.units import format_clock, parse_clock

SCHOOL_WEEK = WEEKDAYS[:5]

#: The municipal boundary (DAGI), shipped in this package; drawn under the maps.
BOUNDARY = "routing.fredensborg:data/geo/fredensborg_kommune.geojson"


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


#: Draws in a row that fit no per-trip channel before the top-up stops (a few-trips-a-week area needs
#: a short trip to land within 10 % of its spend; one long round trip can be a third of it).
FILL_DRAWS = 30


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

    def __init__(
        self,
        seed: int,
        scale: float,
        baseline_2021: bool,
        config_dir: Path,
        route_calibration: dict[int, dict[str, float]] | None = None,
    ) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.rng = random.Random(seed)
        self.seed, self.scale, self.baseline = seed, scale, baseline_2021
        self.areas = {a.id: a for a in load_areas(config_dir / "areas.yaml")}
        # Tariffs: the package default, unless the configuration brings a table of its own.
        own_table = config_dir / "parameters.yaml"
        self.cost_params = Parameters.load(own_table if own_table.exists() else None)
        self.params = {**self.cost_params.values, **load_municipality(config_dir / "municipality.yaml")}
        self.cfg = read_yaml(config_dir / "generator.yaml")
        if route_calibration is not None:
            self.cfg["route_calibration"] = route_calibration
        self.places = load_places()
        self.muni = Municipality()
        self.locations: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.derivation: dict[str, Any] = {}
        self.school_rule: Counter[str] = Counter()
        self.deficits: dict[int, dict[str, float]] = {}
        self.calibration: dict[str, dict[str, Any]] = {}
        self.adhoc_count: Counter[int] = Counter()
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
        self.locations[loc_id] = {
            "id": loc_id,
            "name": f"{name} [osm {p.osm_id}, {placement}]",
            "kind": kind,
            "lat": round(p.lat, 6),
            "lon": round(p.lon, 6),
        }

    def _home(self, tag: str) -> tuple[str, tuple[float, float]]:
        where, town = self._candidate_home()
        return self._add_home(f"home-{tag}", where, f"synthetic home ({town})"), where

    def _candidate_home(self) -> tuple[tuple[float, float], str]:
        """A home point inside the municipality (near a town picked by population, or rural) and its town."""
        town = _pick(self.rng, self.town_weights)
        node: Place | None = self.town_nodes.get(town)
        where = self.muni.sample_near(self.rng, node.lat, node.lon) if node else self.muni.sample_uniform(self.rng)
        return where, town if node else "rural"

    def _add_home(self, loc_id: str, where: tuple[float, float], name: str) -> str:
        self.locations[loc_id] = {"id": loc_id, "name": name, "kind": "home", "lat": where[0], "lon": where[1]}
        return loc_id

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
                self.derivation[f"area_{area.id:02d}"] = (
                    "2021 only (covid vaccination): no trips in the steady-state week"
                )
                continue
            self._area(area, spec)
        return self._scenario()

    def _stream(self, area: Area, phase: str) -> None:
        """Draw what follows from the area's own random stream for ``phase``.

        Each area (and, within it, each route channel's added passengers, the not-together pairs and
        the per-trip top-up) draws from a stream seeded by the seed and its name alone, so changing
        one area's volumes or calibration leaves every other area's trips as they were; that is what
        lets ``routing.fredensborg.calibrate`` fit the areas one at a time.
        """
        self.rng = random.Random(f"{self.seed}/area{area.id:02d}/{phase}")

    def _area(self, area: Area, spec: dict[str, Any]) -> None:
        d = area.demand
        pattern = spec["pattern"]
        per_day = d.get("pax_trips_per_operating_day") or {}
        note: dict[str, Any] = {"name": area.name, "pattern": pattern}
        self._stream(area, "base")
        adhoc_day = float(per_day.get("ad_hoc", 0.0))
        share = float(self.cfg["windows"]["adhoc_round_trip_share"])
        bookings = 0
        if adhoc_day > 0:
            legs = adhoc_day * len(SCHOOL_WEEK) * self.scale
            bookings = max(1, round(legs / (1 + share)))
            made = self._adhoc(area, spec, bookings)
            note["adhoc_bookings"] = (
                f"{adhoc_day:g} ad hoc legs/day (areas.yaml, derived) x 5 days x scale {self.scale:g}"
                f" = {legs:.1f} legs; / (1 + {share:g} round trips) = {bookings} bookings derived, {made} made"
            )
        if pattern in ("day", "school", "rehab") and d.get("distinct_recurring_passengers"):
            base = int(d["distinct_recurring_passengers"])
            passengers = max(1, round(base * self.scale))
            attendance = float(d.get("attendance_days_per_week", 5))
            note["recurring_passengers"] = (
                f"{base} (areas.yaml distinct_recurring_passengers, derived) x scale {self.scale:g} = {passengers}"
            )
            note["legs_per_week_expected"] = (
                f"{passengers} x {attendance:g} days x 2 legs = {passengers * attendance * 2:g}"
            )
            self._recurring(area, spec, passengers, attendance)
        if self._targets(area) and any(v > 0 for v in self._targets(area).values()):
            self._stream(area, "per-trip-top-up")
            extra = self._adhoc(area, spec, max(1, bookings), fill=True)
            if extra:
                note["adhoc_bookings_added"] = (
                    f"{extra} bookings added until the per-trip channels' 2021 spend (priced on this geography) is met"
                )
        self.calibration.setdefault(f"area_{area.id:02d}", {}).update(
            {f"{k}_unmet_dkk_per_year": round(v) for k, v in self._targets(area).items()}
        )
        note["legs_generated"] = sum(len(r.get("days") or SCHOOL_WEEK) for r in self.requests if r["area"] == area.id)
        self.derivation[f"area_{area.id:02d}"] = note

    def _destination(self, spec: dict[str, Any], inside: bool, home: tuple[float, float]) -> str:
        choices = spec["inside"] if inside or not spec["outside"] else spec["outside"]
        if choices == "nearest_school":
            schools: list[str] = [k for k, v in self.cfg["destinations"].items() if v["kind"] == "school"]
            return min(schools, key=lambda s: straight_km(home, self._where(s)))
        return _pick(self.rng, {k: float(v) for k, v in choices.items()})

    def _recurring(self, area: Area, spec: dict[str, Any], n: int, attendance: float) -> None:
        d = area.demand
        cfg, win = self.cfg, self.cfg["windows"]
        inside_flags = _flags(self.rng, n, float(d.get("inside_municipality_share", 1.0)) if spec["outside"] else 1.0)
        wheel = _flags(self.rng, n, float(d.get("wheelchair_share", 0.0)))
        companion = _flags(self.rng, n, float(cfg["companion_share"].get(area.id, 0.0)))
        solo = _flags(self.rng, n, float(cfg["solo_share"].get(area.id, 0.0)))
        pending: list[dict[str, Any]] = []
        members: dict[str, list[str]] = {}

        def make(
            k: int, inside_k: bool, wheel_k: bool, companion_k: bool, solo_k: bool, tag: str = "p"
        ) -> dict[str, Any]:
            pid = f"a{area.id:02d}-{tag}{k + 1:03d}"
            home_id, home, grade, why = (
                self._pupil(pid) if area.id == 11 else (*self._home(pid), self.rng.randint(0, 9), "")
            )
            dest = self._destination(spec, inside_k, home)
            if area.id == 12 and inside_k:
                dest = min((s for s in spec["inside"]), key=lambda s: straight_km(home, self._where(s)))
            pattern = spec["pattern"]
            if pattern == "school":
                arrive = [parse_clock(t) for t in win["school_arrive"]]
                end = next(
                    parse_clock(t)
                    for top, t in sorted(win["school_leave_by_grade"].items(), key=lambda kv: int(kv[0]))
                    if grade <= int(top)
                )
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
            days = self._days(attendance)
            service = self._service(wheel_k)
            common = {
                "area": area.id,
                "passenger": pid,
                "load": self._load(wheel_k, companion_k),
                "days": days,
            }
            if solo_k:
                common["solo"] = True
            if wheel_k:
                common["skills"] = ["lift"]
            label = f"{area.name}: {what}{', ' + why if why else ''}"
            legs = [
                {
                    "id": f"{pid}-am",
                    "label": f"{label}, to {dest}",
                    **common,
                    "pickup": {"location": home_id, "service_min": service},
                    "dropoff": {
                        "location": dest,
                        "window": [_clock(arrive[0]), _clock(arrive[1])],
                        "service_min": service,
                    },
                },
                {
                    "id": f"{pid}-pm",
                    "label": f"{label}, home from {dest}",
                    **common,
                    "pickup": {
                        "location": dest,
                        "window": [_clock(leave[0]), _clock(leave[1])],
                        "service_min": service,
                    },
                    "dropoff": {"location": home_id, "service_min": service},
                },
            ]
            legs_per_year = len(days) * 2 * self._days_per_year(area) / 5
            members.setdefault(dest, []).append(pid)
            return {
                "pid": pid,
                "legs": legs,
                "home": home,
                "home_id": home_id,
                "dest": dest,
                "wheel": wheel_k,
                "per_year": legs_per_year,
                "pattern": pattern,
            }

        pending = [make(k, inside_flags[k], wheel[k], companion[k], solo[k]) for k in range(n)]
        channels = self._assign_recurring(area, pending)
        # Route channels: passengers scaled by the calibration factor (generator.yaml route_calibration).
        factors = (self.cfg.get("route_calibration") or {}).get(area.id) or {}
        spend = {
            "flexrute": area.cost_2021["movia"] * float(area.movia_product_split.get("flexrute", 0.0)),
            "own": area.cost_2021["egne_vogne"],
        }
        for ch in ROUTED_CHANNELS:
            if spend[ch] <= 0 and ch not in factors:
                continue
            factor = float(factors.get(ch, 1.0))
            have = [k for k, c in enumerate(channels) if c == ch]
            self._stream(area, f"{ch}-passengers")
            # A route channel with 2021 spend gets at least one passenger's worth before scaling.
            want = max(1 if spend[ch] > 0 else 0, round(max(1, len(have)) * factor * (self.scale if not have else 1.0)))
            for extra in range(max(0, want - len(have))):
                # Added passengers are numbered per channel, so one channel's count renames nobody in another.
                pending.append(
                    make(
                        extra,
                        self.rng.random() < float(d.get("inside_municipality_share", 1.0)) if spec["outside"] else True,
                        self.rng.random() < float(d.get("wheelchair_share", 0.0)),
                        self.rng.random() < float(cfg["companion_share"].get(area.id, 0.0)),
                        False,
                        tag=f"{ch}-",
                    )
                )
                channels.append(ch)
            for k in sorted(have[want:], reverse=True):
                gone = pending.pop(k)
                channels.pop(k)
                self.locations.pop(gone["home_id"], None)
                members[gone["dest"]].remove(gone["pid"])
            self.calibration.setdefault(f"area_{area.id:02d}", {})[f"{ch}_passengers"] = {
                "apportioned": len(have),
                "route_calibration": factor,
                "passengers": want,
                "arithmetic": f"{len(have)} apportioned to {ch} x route_calibration {factor:g} = {want}",
            }
        for item, channel in zip(pending, channels, strict=True):
            ride_kind = "flex" if channel == "flexkommune" and item["pattern"] == "rehab" else "route"
            for leg in item["legs"]:
                # key order as written: id, label, area, passenger, channel, load, max_ride, days, ...
                ordered = {k: leg[k] for k in ("id", "label", "area", "passenger")}
                ordered["channel"] = channel
                ordered["load"] = leg["load"]
                ordered["max_ride"] = self._ride(ride_kind, item["home"], item["dest"])
                ordered.update({k: v for k, v in leg.items() if k not in ordered})
                self.requests.append(ordered)
        self._stream(area, "not-together")
        self._not_together(area, n, members)

    # --- calibration of the per-trip channels ------------------------------------------------
    def _days_per_year(self, area: Area) -> float:
        return float(area.demand.get("operating_days_per_year") or 250)

    def _targets(self, area: Area) -> dict[str, float]:
        """The area's 2021 spend on per-trip channels (kr./year): private, and Movia's Flexkommune share."""
        if area.id not in self.deficits:
            movia = area.cost_2021["movia"] * float(area.movia_product_split.get("flexkommune", 0.0))
            targets = {"flexkommune": movia * self.scale, "private": area.cost_2021["private_vognmaend"] * self.scale}
            self.deficits[area.id] = {k: v for k, v in targets.items() if v > 0}
            self.calibration[f"area_{area.id:02d}"] = {
                f"{k}_target_dkk_per_year": round(v) for k, v in targets.items() if v > 0
            }
        return self.deficits[area.id]

    def _trip_cost(self, channel: str, a: tuple[float, float], b: tuple[float, float], wheelchair: bool) -> float:
        km = straight_km(a, b) * DEFAULT_PROFILE.circuity
        minutes = float(band_durations_s(np.array([km * 1000.0]), DEFAULT_PROFILE)[0]) / 60.0
        return tariffs.trip(self.cost_params, channel, km, minutes, wheelchair).dkk

    def _passenger_cost(self, channel: str, item: dict[str, Any]) -> float:
        """A recurring passenger's year of legs bought per trip on ``channel`` (kr.)."""
        legs_per_year = float(item["per_year"])
        return self._trip_cost(channel, item["home"], self._where(item["dest"]), item["wheel"]) * legs_per_year

    def _assign_recurring(self, area: Area, pending: list[dict[str, Any]]) -> list[str]:
        """Channels of recurring passengers: per-trip channels until their 2021 spend is met, the rest on routes.

        Per-trip channels are priced with the tariff formulas on each passenger's own direct
        distance; the passengers left over go on routes by the table's split.
        """
        deficits = self._targets(area)
        out: list[str | None] = [None] * len(pending)
        for k, item in enumerate(pending):
            best: tuple[str, float] | None = None
            for ch, deficit in deficits.items():
                cost = self._passenger_cost(ch, item)
                # A whole passenger only where it fits; ad hoc bookings (smaller units) top up the rest.
                if cost <= deficit and (best is None or deficit > deficits[best[0]]):
                    best = (ch, cost)
            if best:
                out[k] = best[0]
                deficits[best[0]] -= best[1]
        split = {
            k: v for k, v in (area.demand.get("channel_split_by_trips") or {}).items() if k in ROUTED_CHANNELS and v > 0
        }
        rest = [k for k, ch in enumerate(out) if ch is None]
        if not split and deficits:
            # The area bought no routes in 2021 (e.g. rehab series, all Flexkommune): the passengers left stay
            # per trip, on the channel with most spend unmet; the ad hoc top-up then has that much less to fill.
            for k in rest:
                ch = max(deficits, key=lambda c: deficits[c])
                out[k] = ch
                deficits[ch] -= self._passenger_cost(ch, pending[k])
            rest = []
        plan = self._channel_plan(split or {"flexrute": 1.0}, len(rest))
        for k, ch in zip(rest, plan, strict=True):
            out[k] = ch
        return [str(ch) for ch in out]

    def _pupil(self, pid: str) -> tuple[str, tuple[float, float], int, str]:
        """An area-11 pupil with a § 26 right to transport: draw homes and grades until one is eligible."""
        rule = self.cfg["school_rule"]
        schools = [k for k, v in self.cfg["destinations"].items() if v["kind"] == "school"]
        for _ in range(100_000):
            lat_lon, _ = self._candidate_home()
            grade = self.rng.randint(0, 9)
            school = min(schools, key=lambda s: straight_km(lat_lon, self._where(s)))
            way = straight_km(lat_lon, self._where(school)) * float(rule["circuity"])
            unsafe = self.rng.random() < float(rule["unsafe_route_share"])
            illness = self.rng.random() < float(rule["illness_share"])
            result = school_transport_eligibility(grade, way, unsafe, illness)
            self.school_rule["candidates"] += 1
            if result.eligible:
                self.school_rule[f"eligible_{result.reason}"] += 1
                loc_id = self._add_home(f"home-{pid}", lat_lon, "synthetic home (pupil)")
                return (
                    loc_id,
                    lat_lon,
                    grade,
                    f"§26 {result.reason}, way {way:.1f} km > {result.threshold_km:g} km"
                    if result.reason == "distance"
                    else f"§26 {result.reason}, way {way:.1f} km",
                )
        raise RuntimeError("no § 26-eligible pupil found; check generator.yaml school_rule")

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

    def _adhoc(self, area: Area, spec: dict[str, Any], bookings: int, fill: bool = False) -> int:
        """Ad hoc bookings (a trip out, 70 % with a return the same day); return how many were made.

        Each goes to the per-trip channel (Flexkommune, private) whose 2021 spend is least met, while
        it brings that spend closer to its target; otherwise to the area's route channel. Topping up
        (``fill``, or no route channel), a booking must fit within what is unmet; one that fits nowhere
        is drawn again, up to ``FILL_DRAWS`` times in a row, and then the drawn booking that lands
        nearest the target is made, so a few-trips-a-week area ends near its 2021 spend rather than
        half of whichever trip came up away from it. ``bookings`` is the derived count; with ``fill``
        bookings are added while a per-trip channel's spend is still unmet (the derived count assumed a
        mean distance; priced on this geography the spend needs more or fewer trips).
        """
        d, win = area.demand, self.cfg["windows"]
        deficits = self._targets(area)
        split = {k: v for k, v in (d.get("channel_split_by_trips") or {}).items() if k in ROUTED_CHANNELS and v > 0}
        fallback = max(split, key=lambda k: split[k]) if split else None
        span = [parse_clock(t) for t in win["adhoc_request_span"]]
        lo, hi = (60 * int(m) for m in win["adhoc_pickup_shift_min"])
        per_year = self._days_per_year(area) / 5
        made = misses = 0
        replay, nearest = (
            False,
            None,
        )  # nearest: (distance to the target, random state) of the best booking that did not fit
        limit = bookings if not fill else max(50, 20 * bookings)
        while made < limit:
            tid = f"a{area.id:02d}-t{self.adhoc_count[area.id] + 1:03d}"
            rng_state = self.rng.getstate()
            inside = self.rng.random() < (float(d.get("inside_municipality_share", 1.0)) if spec["outside"] else 1.0)
            wheel = self.rng.random() < float(d.get("wheelchair_share", 0.0))
            round_trip = self.rng.random() < float(win["adhoc_round_trip_share"])
            home, _ = self._candidate_home()
            dest = self._destination(spec, inside, home)
            legs = 2 if round_trip else 1
            priced = [
                (ch, self._trip_cost(ch, home, self._where(dest), wheel) * legs * per_year, deficit)
                for ch, deficit in deficits.items()
            ]
            fits = [p for p in priced if p[1] <= p[2]]  # within what is unmet
            closer = [p for p in priced if p[1] <= 2 * p[2]]  # leaves the spend closer to its target
            topping_up = fill or fallback is None
            pick = fits if topping_up and not replay else closer
            best = max(pick, key=lambda p: p[2])[:2] if pick else None
            if best is None and topping_up:
                for _, cost, deficit in closer:
                    if nearest is None or abs(deficit - cost) < nearest[0]:
                        nearest = (abs(deficit - cost), rng_state)
                misses += 1
                if misses < FILL_DRAWS:
                    continue  # a shorter trip may still fit
                if nearest is not None:
                    # Nothing fits any more: make the drawn booking that lands nearest the target (drawn again).
                    self.rng.setstate(nearest[1])
                    replay, nearest, misses = True, None, 0
                    continue
                self.rng.setstate(rng_state)  # the last draw made nothing: leave the stream as it was
                break
            replay, nearest, misses = False, None, 0
            channel = best[0] if best else str(fallback)
            if best:
                deficits[best[0]] -= best[1]
            made += 1
            self.adhoc_count[area.id] += 1
            loc_id = self._add_home(f"home-{tid}", home, "synthetic home")
            day = self.rng.choice(SCHOOL_WEEK)
            t = span[0] + 300 * self.rng.randint(0, (span[1] - span[0]) // 300)
            service = self._service(wheel)
            common = {
                "area": area.id,
                "passenger": tid,
                "channel": channel,
                "load": self._load(wheel, False),
                "max_ride": self._ride("flex", home, dest),
                "days": [day],
            }
            if wheel:
                common["skills"] = ["lift"]
            self.requests.append(
                {
                    "id": f"{tid}-out",
                    "label": f"{area.name}: ad hoc, requested pickup {_clock(t)}",
                    **common,
                    "pickup": {"location": loc_id, "window": [_clock(t + lo), _clock(t + hi)], "service_min": service},
                    "dropoff": {"location": dest, "service_min": service},
                }
            )
            if round_trip:
                r = t + 60 * self.rng.randrange(
                    int(win["adhoc_return_after_min"][0]), int(win["adhoc_return_after_min"][1]) + 1, 5
                )
                self.requests.append(
                    {
                        "id": f"{tid}-back",
                        "label": f"{area.name}: ad hoc return, requested pickup {_clock(r)}",
                        **common,
                        "pickup": {
                            "location": dest,
                            "window": [_clock(r + lo), _clock(r + hi)],
                            "service_min": service,
                        },
                        "dropoff": {"location": loc_id, "service_min": service},
                    }
                )
        return made

    def _channel_plan(self, split: dict[str, float], n: int) -> list[str]:
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
            {
                "id": "taxi",
                "label": "Personbil (taxi), Flexrute",
                "capacity": {"seats": vt["taxi"]["seats"], "wheelchairs": 0},
                "profile": "car",
                "fuel": "diesel",
                "cost_per_hour_dkk": rate["taxi"],
                "channel": "flexrute",
            },
            {
                "id": "storvogn",
                "label": "Storvogn / 8-seat minibus, Flexrute",
                "capacity": {"seats": vt["storvogn"]["seats"], "wheelchairs": 0},
                "profile": "car",
                "fuel": "diesel",
                "cost_per_hour_dkk": rate["storvogn"],
                "channel": "flexrute",
            },
            {
                "id": "liftbil",
                "label": "Liftbil, Flexrute",
                "capacity": {"seats": vt["liftbil"]["seats"], "wheelchairs": vt["liftbil"]["wheelchairs"]},
                "skills": ["lift"],
                "profile": "minibus",
                "fuel": "diesel",
                "cost_per_hour_dkk": rate["liftbil"],
                "channel": "flexrute",
            },
            {
                "id": "midibus",
                "label": "Midibus, egne vogne",
                "capacity": {"seats": vt["midibus"]["seats"], "wheelchairs": 0},
                "profile": "minibus",
                "fuel": "diesel",
                "cost_per_hour_dkk": own["driver_cost_per_hour"],
                "cost_per_km_dkk": own["vehicle_cost_per_km"],
                "channel": "own",
            },
            {
                "id": "own_liftbil",
                "label": "Liftbil, egne vogne",
                "capacity": {"seats": vt["liftbil"]["seats"], "wheelchairs": vt["liftbil"]["wheelchairs"]},
                "skills": ["lift"],
                "profile": "minibus",
                "fuel": "diesel",
                "cost_per_hour_dkk": own["driver_cost_per_hour"],
                "cost_per_km_dkk": own["vehicle_cost_per_km"],
                "channel": "own",
            },
        ]
        peak = max(self._legs_per_day().values(), default=0)
        depot = {
            "taxi": "depot_kokkedal",
            "storvogn": "depot_fredensborg",
            "liftbil": "depot_kokkedal",
            "midibus": "depot_egelunden",
            "own_liftbil": "depot_egelunden",
        }
        vehicles = []
        counts: dict[str, dict[str, int]] = {}
        for duty, spec in self.cfg["duties"].items():
            counts[duty] = {
                t: max(1, math.ceil(peak / 100 * float(k))) for t, k in spec["per_100_legs"].items() if float(k) > 0
            }
            for t, c in counts[duty].items():
                vehicles.append(
                    {"id": f"{t}-{duty}", "type": t, "start": depot[t], "shift": list(spec["shift"]), "count": c}
                )
        why = f"busiest day {peak} legs; duties and vehicles per 100 legs in generator.yaml (assumption): {counts}"
        return types, vehicles, why

    def _scenario(self) -> dict[str, Any]:
        types, vehicles, fleet_note = self._fleet()
        unrouted: dict[int, dict[str, Any]] = {}
        for a in self.areas.values():
            units = a.demand.get("derived_units_per_year") or {}
            days = float(a.demand.get("operating_days_per_year") or 250)
            fh, rf = float(units.get("flexhandicap_trips", 0)), float(units.get("refusion_trips_not_routed", 0))
            if fh or rf:
                week_days = 7 if fh else 5
                unrouted[a.id] = {
                    "flexhandicap_trips_per_week": round(fh / days * week_days * self.scale, 1) if fh else 0,
                    "refusion_trips_per_week": round(rf / days * 5 * self.scale, 1) if rf else 0,
                    "arithmetic": "units/yr (areas.yaml derived_units_per_year)"
                    f" / {days:g} operating days x {week_days} days x scale {self.scale:g}",
                }
        meta: dict[str, Any] = {
            "generator": {
                "command": f"python cli.py generate fredensborg --seed {self.seed} --scale {self.scale:g}"
                + (" --baseline-2021" if self.baseline else ""),
                "seed": self.seed,
                "scale": self.scale,
            },
            # The municipal polygon under the maps (routing.report.maps.boundary_rings).
            "boundary": BOUNDARY,
            "sources": {
                "areas_and_costs": "routing/fredensborg/data/areas.yaml"
                " (seed: Fredensborg Visiteret Borgerbefordringsanalyse 2022, 2021 cost table)",
                "tariffs_and_rules": "routing/costing/data/parameters.yaml and"
                " routing/fredensborg/data/municipality.yaml (each value tagged sourced/derived/assumption)",
                "assumptions": "routing/fredensborg/data/generator.yaml"
                " (windows, destinations, attribute shares, fleet)",
                "geography": "routing/fredensborg/data/geo (DAGI municipal polygon) and routing/fredensborg/data/osm"
                " (© OpenStreetMap contributors, ODbL 1.0); homes are synthetic",
            },
            "legs_per_day": self._legs_per_day(),
            "homes": sum(1 for loc in self.locations.values() if loc["kind"] == "home"),
            "derivation": self.derivation,
            "school_rule_par26": dict(self.school_rule),
            "per_trip_calibration": self.calibration,
            "fleet": fleet_note,
            "unrouted_demand": unrouted,
            # Keyed by the requests' area ids: the generic studies read these two tables.
            "operating_days_per_year": {a.id: a.demand.get("operating_days_per_year") for a in self.areas.values()},
            "planning": "silo",
        }
        if self.baseline:
            meta["expected_cost_2021_dkk"] = {
                f"area_{a.id:02d}": {**a.cost_2021, "not_estimated": list(a.not_estimated)} for a in self.areas.values()
            }
            meta["baseline"] = (
                "2021 channel assignment: each request's channel is how that kind of trip was bought in 2021"
                " (areas.yaml channel_split_by_trips, apportioned)"
            )
        name = f"fredensborg-week-x{self.scale:g}" + ("-baseline-2021" if self.baseline else "")
        return {
            "schema": "routing.scenario/1",
            "name": name,
            "description": "Synthetic but calibrated typical school week of visiteret borgerbefordring in Fredensborg"
            f" Kommune (scale {self.scale:g}, seed {self.seed}). Generated; edit freely.",
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


def generate_week(
    seed: int,
    scale: float = 1.0,
    baseline_2021: bool = False,
    config_dir: Path | None = None,
    route_calibration: dict[int, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """A week scenario as a dict (the YAML structure of ``docs/scenario-format.md``).

    ``route_calibration`` (area -> route channel -> factor) replaces generator.yaml's block of that
    name; the calibration tries factors this way before it writes them.
    """
    return _Week(seed, scale, baseline_2021, config_dir or FREDENSBORG_DIR, route_calibration).build()
