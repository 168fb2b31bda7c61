"""The demo's closing step: citizens rate the service they got, and the regulator's
ranking is printed with each vendor's score and the inputs behind it.

Register it in `hub.demo.runner.EXTRA_STEPS` (the demo's extension point):

    from monitoring.demo import ranking_step
    EXTRA_STEPS.append(ranking_step)
"""

from __future__ import annotations

from typing import Any


def ranking_lines(document: dict[str, Any]) -> list[str]:
    """The ranking document of /api/v1/(regulator/)ranking, for people."""
    weights = document["formula"]["weights"]
    lines = ["Vendor ranking (score 0-100 = "
             + " + ".join(f"{w:g}% {name}" for name, w in weights.items())
             + f"; rating = Bayesian average, m={document['formula']['prior_mean_stars_m']}, "
             f"C={document['formula']['prior_weight_C']:g})"]
    for entry in document["ranking"]:
        lines.append(f"{entry['rank']:>2}. {entry['vendor']:<20} score {entry['score']:6.2f}")
        for c in entry["components"]:
            lines.append(f"      {c['name']:<12} {c['points']:6.2f} of {c['weight']:3.0f}  "
                         f"{c['explanation']}")
    return lines


def ranking_step(demo: Any, ctx: dict[str, Any]) -> None:
    """Rate each signing once (its signer only), then print the regulator's ranking."""
    signers = (ctx["zhang"], ctx["agent"])
    with demo.step("the signers rate the vendors' service (once per signing)"):
        for who, sig, stars in zip(signers, ctx["signatures"], (5, 4), strict=False):
            demo.call("POST", "/api/v1/ratings", headers=who, json={
                "operation": "signature", "operation_id": sig["id"], "stars": stars,
                "comment": "demo rating"})
            demo.call("POST", "/api/v1/ratings", headers=who, expect=409, json={
                "operation": "signature", "operation_id": sig["id"], "stars": 1})
    demo.say("Each signer rated its signing once; a second rating was refused (409)")
    with demo.step("the regulator reads the ranking, with the inputs behind each score"):
        document = demo.call("GET", "/api/v1/regulator/ranking", headers=demo.regulator)
    for line in ranking_lines(document):
        demo.say(line)
    demo.summary["ranking"] = [
        {"rank": e["rank"], "vendor": e["vendor"], "score": e["score"],
         "inputs": e["inputs"]} for e in document["ranking"]]
