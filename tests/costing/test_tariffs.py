"""Each tariff and emission formula pinned with hand-computed cases (2021 defaults of parameters.yaml)."""

from __future__ import annotations

import pytest

from routing.costing import tariffs as t
from routing.costing.emissions import driving_co2
from routing.costing.params import Parameters, comment_sources
from routing.exceptions import ScenarioError


@pytest.fixture(scope="module")
def p() -> Parameters:
    return Parameters.load()


def test_flexrute_route(p: Parameters) -> None:
    # 2.5 h liftbil: 2.5 x 470 x 1.0 x 1.054 = 1238.45
    price = t.flexrute_route(p, "liftbil", 2.5)
    assert price.dkk == pytest.approx(1238.45)
    assert all(param.source for param in price.params)
    assert any("assumption" in param.source for param in price.params)


def test_flexrute_minimum_hours(p: Parameters) -> None:
    q = p.with_overrides({"channels": {"flexrute": {"min_paid_hours_per_duty": 3.0}}}, "test.yaml")
    # 1 h on a taxi billed as 3 h: 3 x 380 x 1.054 = 1201.56
    assert t.flexrute_route(q, "taxi", 1.0).dkk == pytest.approx(1201.56)
    assert q.get("channels.flexrute.min_paid_hours_per_duty").source == "scenario test.yaml"


def test_flexkommune_trip(p: Parameters) -> None:
    # 10 km seated: (80 + 11 x 10) x 1.054 = 200.26; wheelchair x 1.5 = 300.39
    assert t.flexkommune_trip(p, 10.0, wheelchair=False).dkk == pytest.approx(200.26)
    assert t.flexkommune_trip(p, 10.0, wheelchair=True).dkk == pytest.approx(300.39)


def test_flexhandicap_trip(p: Parameters) -> None:
    assert t.flexhandicap_trip(p).dkk == 225


def test_private_meter(p: Parameters) -> None:
    # 10 km, 12 min, alm. vogn: (39 + 113 + 80.04) x 0.908 = 210.69232
    assert t.private_meter(p, 10.0, 12.0, large=False, wheelchair=False).dkk == pytest.approx(210.69232)
    # storvogn, wheelchair: (59 + 160 + 80.04) x 0.908 x 1.3 = 352.97555...
    assert t.private_meter(p, 10.0, 12.0, large=True, wheelchair=True).dkk == pytest.approx(
        (59 + 160 + 80.04) * 0.908 * 1.3
    )
    cheaper = p.with_overrides({"channels": {"private_vognmand": {"tender_price_factor": 0.775}}}, "indsats2")
    assert t.private_meter(cheaper, 10.0, 12.0, False, False).dkk == pytest.approx(210.69232 * 0.775)


def test_private_route_price_cap(p: Parameters) -> None:
    capped = p.with_overrides({"channels": {"private_vognmand": {"price_cap_per_hour_lever": 300}}}, "cap")
    # 40 km in 1 h: meter (39 + 452 + 400.2) x 0.908 = 809.2096 > cap 300 x 1 h
    assert t.private_route(p, 40.0, 1.0, False, False).dkk == pytest.approx(809.2096)
    assert t.private_route(capped, 40.0, 1.0, False, False).dkk == pytest.approx(300.0)
    assert t.private_route(capped, 40.0, 1.0, False, False, special_supplier=True).dkk == pytest.approx(809.2096)


def test_own_route(p: Parameters) -> None:
    # 3 h, 60 km: 270 x 3 + 3.44 x 60 + 0 = 1016.4
    assert t.own_route(p, 60.0, 3.0).dkk == pytest.approx(1016.4)


def test_refusion(p: Parameters) -> None:
    assert t.refusion_km(p, 10.0).dkk == pytest.approx(34.4)
    assert t.refusion_km(p, 10.0, year=2025).dkk == pytest.approx(38.1)
    assert t.refusion_counted_trip(p).dkk == 40


def test_co2_per_fuel(p: Parameters) -> None:
    # liftbil diesel 100 km: 11 l x 2.66 = 29.26 kg; HVO 11 x 0.40 = 4.4; EV 100 x 0.28 x 1.10 x 100 g = 3.08 kg
    assert driving_co2(p, "liftbil", "diesel", 100.0).kg == pytest.approx(29.26)
    assert driving_co2(p, "liftbil", "hvo", 100.0).kg == pytest.approx(4.4)
    assert driving_co2(p, "liftbil", "electric", 100.0).kg == pytest.approx(3.08)
    assert driving_co2(p, "taxi", "petrol", 100.0).kg == pytest.approx(5.5 * 1.15 * 2.32)
    hourly = p.with_overrides({"emission_factors": {"grid_dk2_hourly_g_per_kwh": [50] * 12 + [200] * 12}}, "profile")
    assert driving_co2(hourly, "taxi", "electric", 100.0, hour=13).kg == pytest.approx(100 * 0.18 * 1.10 * 0.2)
    assert all(
        "sourced" in x.source or "assumption" in x.source for x in driving_co2(p, "liftbil", "diesel", 1.0).params
    )


def test_unknown_override_is_a_clear_error(p: Parameters) -> None:
    with pytest.raises(ScenarioError) as err:
        p.with_overrides({"channels": {"flexrute": {"price_per_hour": 400}}}, "s.yaml")
    assert "E401" in str(err.value) and "costing.channels.flexrute.price_per_hour" in str(err.value)


def test_comment_sources_follow_nesting() -> None:
    text = "a:   # top\n  b: 1   # own\n  c: {d: 2}\nx: 'q # not a comment'  # real\n"
    src = comment_sources(text)
    assert src == {"a": "top", "a.b": "own", "x": "real"}
