"""The quality score formula, its breakdown, the ranking and the admission check."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from monitoring import quality
from monitoring.quality import QualityInputs

PERFECT = QualityInputs(
    vendor="refa",
    window_seconds=3600,
    calls=1000,
    successful_calls=1000,
    p95_latency_seconds=0.1,
    sla_p95_seconds=0.5,
    health_probes=60,
    health_probes_up=60,
    ratings=10_000,
    rating_stars_sum=50_000,
    conformance_passed=True,
)


def test_weights_sum_to_one_hundred_points() -> None:
    assert sum(quality.WEIGHTS.values()) == 100


def test_bayesian_rating_pulls_few_ratings_to_the_prior() -> None:
    assert quality.bayesian_rating(0, 0) == quality.PRIOR_MEAN_STARS
    few_perfect = quality.bayesian_rating(3, 15)
    many_good = quality.bayesian_rating(300, 1440)
    assert few_perfect == pytest.approx((10 * 3.5 + 15) / 13)
    assert many_good == pytest.approx((10 * 3.5 + 1440) / 310)
    assert many_good > few_perfect


def test_latency_component_is_linear_between_sla_and_twice_sla() -> None:
    assert quality.latency_component(0.2, 0.5) == 1.0
    assert quality.latency_component(0.5, 0.5) == 1.0
    assert quality.latency_component(0.75, 0.5) == pytest.approx(0.5)
    assert quality.latency_component(1.0, 0.5) == 0.0
    assert quality.latency_component(9.0, 0.5) == 0.0


def test_score_of_a_hand_computed_vendor() -> None:
    inputs = QualityInputs(
        vendor="refb",
        window_seconds=3600,
        calls=200,
        successful_calls=180,
        p95_latency_seconds=0.6,
        sla_p95_seconds=0.4,
        health_probes=40,
        health_probes_up=30,
        ratings=10,
        rating_stars_sum=40,
        conformance_passed=True,
    )
    result = quality.score(inputs)
    success, latency, availability = 0.9, 2 - 0.6 / 0.4, 0.75
    rating = ((10 * 3.5 + 40) / 20 - 1) / 4
    expected = 35 * success + 20 * latency + 20 * availability + 15 * rating + 10 * 1
    assert result.score == pytest.approx(round(expected, 2))
    assert result.error_rate == pytest.approx(0.1)
    assert result.availability == 0.75
    parts = {c.name: c for c in result.components}
    assert parts["latency"].value == pytest.approx(0.5)
    assert sum(c.points for c in result.components) == pytest.approx(result.score, abs=0.05)
    assert "180/200" in parts["success"].explanation
    assert result.inputs is inputs  # the API shows exactly what was used


def test_perfect_vendor_approaches_one_hundred_and_no_conformance_costs_ten() -> None:
    top = quality.score(PERFECT)
    assert top.score == pytest.approx(100, abs=0.1)
    unconfirmed = quality.score(replace(PERFECT, conformance_passed=None))
    assert top.score - unconfirmed.score == pytest.approx(10, abs=0.01)


def test_no_data_is_neutral_not_perfect() -> None:
    silent = QualityInputs(
        vendor="newco",
        window_seconds=3600,
        calls=0,
        successful_calls=0,
        p95_latency_seconds=None,
        sla_p95_seconds=0.5,
        health_probes=0,
        health_probes_up=0,
        ratings=0,
        rating_stars_sum=0,
        conformance_passed=True,
    )
    result = quality.score(silent)
    neutral = 100 * (0.5 * (35 + 20 + 20) + 15 * (3.5 - 1) / 4 + 10) / 100
    assert result.score == pytest.approx(neutral, abs=0.01)
    assert result.error_rate is None
    assert [c.explanation for c in result.components][:3] == ["no data"] * 3


def test_inputs_are_validated() -> None:
    with pytest.raises(ValueError):
        replace(PERFECT, successful_calls=PERFECT.calls + 1)
    with pytest.raises(ValueError):
        replace(PERFECT, health_probes_up=61)
    with pytest.raises(ValueError):
        replace(PERFECT, ratings=2, rating_stars_sum=11)
    with pytest.raises(ValueError):
        replace(PERFECT, sla_p95_seconds=0)


def test_ranking_best_first_with_deterministic_ties() -> None:
    worse = replace(PERFECT, vendor="slowco", p95_latency_seconds=0.9)
    tie_a = replace(PERFECT, vendor="beta", calls=500, successful_calls=500)
    tie_b = replace(PERFECT, vendor="alpha", calls=500, successful_calls=500)
    results = [quality.score(i) for i in (worse, tie_a, PERFECT, tie_b)]
    for order in (results, list(reversed(results))):
        ranked = quality.rank(order)
        # Equal scores: more calls first (refa), then slug order (alpha before beta).
        assert [(r.rank, r.result.vendor) for r in ranked] == [
            (1, "refa"),
            (2, "alpha"),
            (3, "beta"),
            (4, "slowco"),
        ]


def test_admission_check_reads_the_same_numbers_as_the_ranking() -> None:
    flaky = quality.score(replace(PERFECT, vendor="flaky", successful_calls=900))
    assert flaky.error_rate == pytest.approx(0.1)
    check = quality.admission_check(flaky, min_quality_score=80, max_error_rate=0.05)
    assert not check.passes
    assert any("error rate 0.1000" in r for r in check.reasons)
    assert quality.admission_check(flaky, min_quality_score=flaky.score, max_error_rate=0.1).passes
    below = quality.admission_check(
        flaky, min_quality_score=flaky.score + 0.01, max_error_rate=None
    )
    assert not below.passes and "below minimum" in below.reasons[0]


def test_sliding_window_forgets_old_observations() -> None:
    window = quality.SlidingWindow("refa", sla_p95_seconds=0.5, window_seconds=100)
    for i in range(20):
        window.call(ok=False, seconds=5.0, at=1000 + i)  # an old bad spell
    for i in range(100):
        window.call(ok=True, seconds=0.01 * (i + 1), at=1200 + i)
        window.probe(up=True, at=1200 + i)
    window.rating(5, at=1250)
    inputs = window.inputs(conformance_passed=True, now=1299)
    assert inputs.calls == 100 and inputs.successful_calls == 100
    assert inputs.p95_latency_seconds == pytest.approx(0.95)
    assert inputs.health_probes_up == 100 and inputs.ratings == 1
    assert window.inputs(conformance_passed=True, now=1500).calls == 0


def test_publish_exports_score_rank_and_rating() -> None:
    ranked = quality.rank(
        [
            quality.score(PERFECT),
            quality.score(replace(PERFECT, vendor="refc", calls=10, successful_calls=5)),
        ]
    )
    quality.publish(ranked)
    assert REGISTRY.get_sample_value("sealhub_vendor_rank", {"vendor": "refa"}) == 1
    assert REGISTRY.get_sample_value("sealhub_vendor_rank", {"vendor": "refc"}) == 2
    assert (
        REGISTRY.get_sample_value("sealhub_vendor_quality_score", {"vendor": "refc"})
        == ranked[1].result.score
    )


def test_formula_is_served_as_data() -> None:
    f = quality.formula()
    assert f["weights"] == quality.WEIGHTS
    assert f["prior_mean_stars_m"] == 3.5 and f["prior_weight_C"] == 10


@given(
    calls=st.integers(0, 10_000),
    ok_share=st.floats(0, 1),
    p95=st.floats(0.001, 60),
    probes=st.integers(0, 1000),
    up_share=st.floats(0, 1),
    ratings=st.integers(0, 1000),
    star=st.floats(1, 5),
    conf=st.sampled_from([True, False, None]),
)
def test_score_is_always_between_0_and_100(
    calls: int,
    ok_share: float,
    p95: float,
    probes: int,
    up_share: float,
    ratings: int,
    star: float,
    conf: bool | None,
) -> None:
    inputs = QualityInputs(
        vendor="x",
        window_seconds=60,
        calls=calls,
        successful_calls=int(calls * ok_share),
        p95_latency_seconds=p95 if calls else None,
        sla_p95_seconds=0.5,
        health_probes=probes,
        health_probes_up=int(probes * up_share),
        ratings=ratings,
        rating_stars_sum=round(ratings * star),
        conformance_passed=conf,
    )
    result = quality.score(inputs)
    assert 0 <= result.score <= 100
    better = quality.score(replace(inputs, conformance_passed=True))
    assert better.score >= result.score


def test_ranking_text_shows_scores_and_inputs() -> None:
    ranked = quality.rank(
        [
            quality.score(PERFECT),
            quality.score(replace(PERFECT, vendor="slowco", p95_latency_seconds=0.75)),
        ]
    )
    text = quality.ranking_text(ranked)
    lines = text.splitlines()
    assert lines[1].split()[:2] == ["1.", "refa"]
    assert any(line.split()[:2] == ["2.", "slowco"] for line in lines)
    assert "p95 0.750s vs SLA 0.500s" in text
    assert "1000/1000 calls succeeded" in text
