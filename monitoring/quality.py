"""The vendor quality score (0-100), its breakdown, and the ranking.

Pure functions over an explicit `QualityInputs`, so the API can show a vendor exactly
which numbers produced its score, and admission rules ("minimum quality score",
"maximum error rate") read the very same `QualityResult` as the ranking: the automatic
suspension and the ranking cannot disagree.

The formula (also returned by `formula()` for the API):

    score = 100 * sum(weight_i * component_i) / sum(weight_i)

    component       weight  value in [0, 1]
    success         35      successful calls / calls in the window
    latency         20      1 if p95 <= SLA p95; 0 if p95 >= 2 x SLA; linear between
    availability    20      health probes up / health probes in the window
    rating          15      (bayesian_rating - 1) / 4
    conformance     10      1 if the last conformance run passed, else 0

    bayesian_rating = (C * m + sum of stars) / (C + number of ratings)
    with prior mean m = 3.5 stars and prior weight C = 10 ratings

so a vendor with three 5-star ratings (3.85) does not outrank one whose three hundred
ratings average 4.8 stars (4.76). A component with no evidence in the window (no calls, no probes)
counts as NEUTRAL = 0.5: a new vendor is neither rewarded nor punished for silence, and the
breakdown says "no data". Conformance that never ran counts 0: admission requires it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitoring import metrics

WEIGHTS: dict[str, float] = {
    "success": 35.0,
    "latency": 20.0,
    "availability": 20.0,
    "rating": 15.0,
    "conformance": 10.0,
}
PRIOR_MEAN_STARS = 3.5  # m: what we believe of a vendor nobody has rated yet
PRIOR_WEIGHT = 10.0  # C: how many ratings that belief is worth
NEUTRAL = 0.5
DEFAULT_WINDOW_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class QualityInputs:
    """Everything the score depends on, for one vendor over one window."""

    vendor: str
    window_seconds: int
    calls: int
    successful_calls: int
    p95_latency_seconds: float | None  # None when there were no calls
    sla_p95_seconds: float  # declared by the vendor at admission
    health_probes: int
    health_probes_up: int
    ratings: int
    rating_stars_sum: int
    conformance_passed: bool | None  # None: never ran
    tenant: str | None = None  # None: hub-wide

    def __post_init__(self) -> None:
        if not 0 <= self.successful_calls <= self.calls:
            raise ValueError("successful_calls must be between 0 and calls")
        if not 0 <= self.health_probes_up <= self.health_probes:
            raise ValueError("health_probes_up must be between 0 and health_probes")
        if not self.ratings <= self.rating_stars_sum <= 5 * self.ratings:
            raise ValueError("rating_stars_sum must be within 1..5 stars per rating")
        if self.sla_p95_seconds <= 0:
            raise ValueError("sla_p95_seconds must be positive")


@dataclass(frozen=True)
class Component:
    name: str
    weight: float
    value: float  # 0..1
    points: float  # weight-normalised contribution to the 0-100 score
    explanation: str


@dataclass(frozen=True)
class QualityResult:
    vendor: str
    tenant: str | None
    score: float  # 0-100, two decimals
    success_rate: float | None
    error_rate: float | None  # 1 - success_rate; what "maximum error rate" rules read
    availability: float | None
    bayesian_rating: float
    components: tuple[Component, ...]
    inputs: QualityInputs


@dataclass(frozen=True)
class RankedVendor:
    rank: int  # 1 = best
    result: QualityResult


def bayesian_rating(
    ratings: int,
    stars_sum: int,
    *,
    prior_mean: float = PRIOR_MEAN_STARS,
    prior_weight: float = PRIOR_WEIGHT,
) -> float:
    """Bayesian average in stars: the prior mean pulls vendors with few ratings toward it."""
    return (prior_weight * prior_mean + stars_sum) / (prior_weight + ratings)


def latency_component(p95: float, sla: float) -> float:
    """1 at or under the SLA, 0 at twice the SLA or worse, linear between."""
    return min(1.0, max(0.0, 2.0 - p95 / sla))


def score(inputs: QualityInputs) -> QualityResult:
    total_weight = sum(WEIGHTS.values())

    def part(name: str, value: float, why: str) -> Component:
        return Component(
            name, WEIGHTS[name], value, round(100 * WEIGHTS[name] * value / total_weight, 2), why
        )

    success_rate = inputs.successful_calls / inputs.calls if inputs.calls else None
    availability = inputs.health_probes_up / inputs.health_probes if inputs.health_probes else None
    rating = bayesian_rating(inputs.ratings, inputs.rating_stars_sum)
    components = (
        part(
            "success",
            NEUTRAL if success_rate is None else success_rate,
            "no data"
            if success_rate is None
            else f"{inputs.successful_calls}/{inputs.calls} calls succeeded",
        ),
        part(
            "latency",
            NEUTRAL
            if inputs.p95_latency_seconds is None
            else latency_component(inputs.p95_latency_seconds, inputs.sla_p95_seconds),
            "no data"
            if inputs.p95_latency_seconds is None
            else f"p95 {inputs.p95_latency_seconds:.3f}s vs SLA {inputs.sla_p95_seconds:.3f}s",
        ),
        part(
            "availability",
            NEUTRAL if availability is None else availability,
            "no data"
            if availability is None
            else f"{inputs.health_probes_up}/{inputs.health_probes} health probes up",
        ),
        part(
            "rating",
            (rating - 1.0) / 4.0,
            f"bayesian {rating:.2f} stars from {inputs.ratings} ratings "
            f"(m={PRIOR_MEAN_STARS}, C={PRIOR_WEIGHT:g})",
        ),
        part(
            "conformance",
            1.0 if inputs.conformance_passed else 0.0,
            {True: "passed", False: "failed", None: "never ran"}[inputs.conformance_passed],
        ),
    )
    raw = 100 * sum(c.weight * c.value for c in components) / total_weight
    return QualityResult(
        vendor=inputs.vendor,
        tenant=inputs.tenant,
        score=round(raw, 2),
        success_rate=success_rate,
        error_rate=None if success_rate is None else 1.0 - success_rate,
        availability=availability,
        bayesian_rating=round(rating, 4),
        components=components,
        inputs=inputs,
    )


def rank(results: Iterable[QualityResult]) -> list[RankedVendor]:
    """Best first. Ties on score go to more evidence (calls), then the vendor slug, so the
    same inputs always give the same order on every replica."""
    ordered = sorted(results, key=lambda r: (-r.score, -r.inputs.calls, r.vendor))
    return [RankedVendor(i, r) for i, r in enumerate(ordered, start=1)]


@dataclass(frozen=True)
class AdmissionCheck:
    passes: bool
    reasons: tuple[str, ...]


def admission_check(
    result: QualityResult, *, min_quality_score: float | None, max_error_rate: float | None
) -> AdmissionCheck:
    """The quality half of a tenant's admission rules, on the same numbers as the ranking.

    No calls in the window means no error rate: the rule cannot fail on silence.
    """
    reasons: list[str] = []
    if min_quality_score is not None and result.score < min_quality_score:
        reasons.append(f"quality score {result.score:.2f} below minimum {min_quality_score:g}")
    if (
        max_error_rate is not None
        and result.error_rate is not None
        and result.error_rate > max_error_rate
    ):
        reasons.append(f"error rate {result.error_rate:.4f} above maximum {max_error_rate:g}")
    return AdmissionCheck(passes=not reasons, reasons=tuple(reasons))


def publish(ranked: Sequence[RankedVendor]) -> None:
    """Export a hub-wide ranking to Prometheus (score, rank and rating per vendor)."""
    metrics.set_ranking((r.result.vendor, r.result.score, r.rank) for r in ranked)
    for r in ranked:
        metrics.set_vendor_rating(r.result.vendor, r.result.bayesian_rating)


def ranking_text(ranked: Sequence[RankedVendor]) -> str:
    """The ranking for people (`sealhub demo` prints it): each vendor's score, and the
    inputs and points behind it, so a vendor can see why it ranks where it does."""
    lines = ["Vendor ranking (quality score 0-100; formula: monitoring/quality.py)"]
    for entry in ranked:
        r = entry.result
        lines.append(f"{entry.rank:>2}. {r.vendor:<20} {r.score:6.2f}")
        for c in r.components:
            lines.append(f"      {c.name:<12} {c.points:6.2f} of {c.weight:4.0f}  {c.explanation}")
    return "\n".join(lines)


def formula() -> dict[str, object]:
    """The formula as data, for the API and `sealhub demo`."""
    return {
        "score": "100 * sum(weight * component) / sum(weight)",
        "weights": dict(WEIGHTS),
        "components": {
            "success": "successful calls / calls in the window",
            "latency": "1 if p95 <= SLA p95, 0 if p95 >= 2 x SLA, linear between",
            "availability": "health probes up / health probes in the window",
            "rating": "(bayesian_rating - 1) / 4",
            "conformance": "1 if the last conformance run passed, else 0",
        },
        "bayesian_rating": "(C * m + sum of stars) / (C + number of ratings)",
        "prior_mean_stars_m": PRIOR_MEAN_STARS,
        "prior_weight_C": PRIOR_WEIGHT,
        "no_data_component": NEUTRAL,
        "ranking": "score descending, then more calls, then vendor slug",
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in (0, 1]) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class SlidingWindow:
    """Per-vendor observations kept for `window_seconds`, turned into `QualityInputs`.

    In-process and per replica: the hub's quality service feeds it from adapter calls
    and probes; replicas that need one hub-wide view read the database (or Prometheus),
    not each other's windows.
    """

    vendor: str
    sla_p95_seconds: float
    window_seconds: int = DEFAULT_WINDOW_SECONDS
    _calls: deque[tuple[float, bool, float]] = field(default_factory=deque)
    _probes: deque[tuple[float, bool]] = field(default_factory=deque)
    _ratings: deque[tuple[float, int]] = field(default_factory=deque)

    def call(self, ok: bool, seconds: float, at: float | None = None) -> None:
        self._calls.append((time.time() if at is None else at, ok, seconds))

    def probe(self, up: bool, at: float | None = None) -> None:
        self._probes.append((time.time() if at is None else at, up))

    def rating(self, stars: int, at: float | None = None) -> None:
        if not 1 <= stars <= 5:
            raise ValueError("stars must be 1..5")
        self._ratings.append((time.time() if at is None else at, stars))

    def _trim(self, now: float) -> None:
        horizon = now - self.window_seconds
        for q in (self._calls, self._probes, self._ratings):
            while q and q[0][0] < horizon:
                q.popleft()

    def inputs(
        self, conformance_passed: bool | None, now: float | None = None, tenant: str | None = None
    ) -> QualityInputs:
        now = time.time() if now is None else now
        self._trim(now)
        latencies = [s for _, _, s in self._calls]
        return QualityInputs(
            vendor=self.vendor,
            tenant=tenant,
            window_seconds=self.window_seconds,
            calls=len(self._calls),
            successful_calls=sum(1 for _, ok, _ in self._calls if ok),
            p95_latency_seconds=percentile(latencies, 0.95) if latencies else None,
            sla_p95_seconds=self.sla_p95_seconds,
            health_probes=len(self._probes),
            health_probes_up=sum(1 for _, up in self._probes if up),
            ratings=len(self._ratings),
            rating_stars_sum=sum(s for _, s in self._ratings),
            conformance_passed=conformance_passed,
        )


__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "NEUTRAL",
    "PRIOR_MEAN_STARS",
    "PRIOR_WEIGHT",
    "WEIGHTS",
    "AdmissionCheck",
    "Component",
    "QualityInputs",
    "QualityResult",
    "RankedVendor",
    "SlidingWindow",
    "admission_check",
    "bayesian_rating",
    "formula",
    "latency_component",
    "percentile",
    "publish",
    "rank",
    "ranking_text",
    "score",
]
