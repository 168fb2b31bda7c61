"""The Dockerfile and .dockerignore, checked statically (no Docker engine runs here): a
multi-stage build, a slim non-root final stage without build tools, the same uid as the
chart, and commands the CLI really has."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import yaml
from setuptools import find_packages

from hub.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORE = [
    ln.strip()
    for ln in (ROOT / ".dockerignore").read_text().splitlines()
    if ln.strip() and not ln.startswith("#")
]


def _stages() -> list[list[str]]:
    """Instructions (continuation lines joined) grouped by FROM."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    stages: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _ignored(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes."""
    result = False
    for pattern in IGNORE:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.rstrip("/")
        if (
            pat == "**"
            or fnmatch.fnmatch(path, pat)
            or fnmatch.fnmatch(path, pat + "/*")
            or (pat.startswith("**/") and fnmatch.fnmatch(path.split("/")[-1], pat[3:]))
            or (pat.startswith("**/") and f"/{pat[3:]}/" in f"/{path}/")
        ):
            result = not negate
    return result


def test_multi_stage_with_a_slim_final_stage_and_no_build_tools() -> None:
    stages = _stages()
    assert len(stages) >= 2
    final = stages[-1]
    assert re.match(r"FROM python:\$\{PYTHON_VERSION\}-slim(-\w+)? AS runtime", final[0])
    text = "\n".join(final)
    for tool in ("build-essential", "gcc", "apt-get install", "pip install"):
        assert tool not in text, tool
    assert "build-essential" in "\n".join(stages[0])  # compilers stay in the build stage
    assert any(i.startswith("COPY --from=build /opt/sealhub /opt/sealhub") for i in final)


def test_runs_as_the_charts_non_root_user() -> None:
    final = _stages()[-1]
    users = [i.split()[1] for i in final if i.startswith("USER ")]
    assert users and users[-1] != "root" and not users[-1].startswith("0")
    uid = int(users[-1].split(":")[0])
    values = yaml.safe_load((ROOT / "helm/sealhub/values.yaml").read_text())
    assert uid == values["podSecurityContext"]["runAsUser"] == 10001
    # USER comes after everything that needs root.
    assert final.index(next(i for i in final if i.startswith("USER "))) > max(
        n for n, i in enumerate(final) if i.startswith("RUN ")
    )


def test_entrypoint_and_commands_are_real_cli_commands() -> None:
    final = _stages()[-1]
    entry = next(i for i in final if i.startswith("ENTRYPOINT"))
    cmd = next(i for i in final if i.startswith("CMD"))
    assert yaml.safe_load(entry.split(None, 1)[1]) == ["sealhub"]
    args = yaml.safe_load(cmd.split(None, 1)[1])
    assert args[0] == "serve" and "--workers" in args
    assert callable(build_parser().parse_args(args).func)
    assert re.search(r"docker run .* sealhub:\S+ migrate", DOCKERFILE)  # documented


def test_everything_copied_exists_and_is_not_ignored() -> None:
    build = _stages()[0]
    sources = []
    for instr in build:
        if instr.startswith("COPY ") and "--from" not in instr:
            sources += instr.split()[1:-1]
    assert {"pyproject.toml", "hub", "monitoring", "adapters", "tenants"} <= set(sources)
    for src in sources:
        assert (ROOT / src).exists(), src
        assert not _ignored(src), src
        assert not _ignored(f"{src}/__init__.py") if (ROOT / src).is_dir() else True


def test_dockerignore_keeps_local_state_out() -> None:
    for private in (
        ".venv/bin/python",
        ".git/config",
        "tests/helm/test_helm_image.py",
        "sealhub.db",
        "hub/.sealhub/master.key",
        ".sealhub/master.key",
        "bench/metrics_overhead.py",
        "hub/__pycache__/app.cpython-311.pyc",
        "sealhub.egg-info/PKG-INFO",
    ):
        assert _ignored(private), private
    assert not _ignored("hub/app.py") and not _ignored("monitoring/metrics.py")


def test_the_installed_package_set_has_every_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(find_packages(where=str(ROOT), include=include))
    assert {"hub", "hub.health", "monitoring", "adapters", "tenants"} <= found
    copied = " ".join(i for i in _stages()[0] if i.startswith("COPY "))
    for module in project["tool"].get("setuptools", {}).get("py-modules", []):
        assert (ROOT / f"{module}.py").exists() and not _ignored(f"{module}.py")
        assert f"{module}.py" in copied, module


def test_every_piccolo_app_and_its_migrations_are_installed() -> None:
    """`sealhub migrate` in the image finds only what `pip install .` installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(find_packages(where=str(ROOT), include=include))
    conf = (ROOT / "piccolo_conf.py").read_text()
    apps = re.findall(r'"([a-z_.]+)\.piccolo_app"', conf)
    assert "monitoring" in apps
    for app in apps:
        assert app in found, app
        migrations = ROOT / app.replace(".", "/") / "piccolo_migrations"
        assert migrations.is_dir() and list(migrations.glob("*.py")), app
        assert f"{app}.piccolo_migrations" in found, f"{app}: migrations not a package"
