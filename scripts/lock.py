"""Write and check the lock files in requirements/ (`make lock`, `make upgrade`).

pyproject.toml keeps ranges (it is also the library's metadata); the lock files pin every
package, direct or not, to one version with its hashes, so `make run` and `make test` install
the same thing on any day. uv resolves (`uv pip compile`); each lock file starts with a digest
of the requirements it was made from, so a dependency added to pyproject.toml and not locked
(or the other way round) fails `tests/test_lock.py` instead of drifting.

    python scripts/lock.py            # re-lock what changed in pyproject.toml, keep the rest
    python scripts/lock.py --upgrade  # move every lock to the newest allowed versions
    python scripts/lock.py --check    # exit 1, listing the problems, if a lock is stale
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK_DIR = ROOT / "requirements"
# The one machine the locks are made for (wheels, and so hashes, are per platform).
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-manylinux_2_28"
# PyPI's torch wheels carry CUDA (several GB); the CPU build comes from this machine's disk
# or from PyTorch's own index.
LOCAL_WHEELS = Path("/opt/wheels")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
DIGEST_PREFIX = "# inputs-sha256: "
# The model zoo's own environment (see requirements/zoo.in); its torch is not ours.
ZOO_INPUT = LOCK_DIR / "zoo.in"
ZOO_INDEX = Path("/opt/pypi-more/simple")
# The locker itself, installed into the venv from requirements/uv.txt (hashes for every
# platform uv publishes) before anything else.
UV_REQUIREMENT = "uv==0.13.9"


def locks(pyproject: dict[str, object]) -> dict[str, list[str]]:
    """Lock name -> the extras it installs. `app` is the server (Docker: PostgreSQL's driver
    included), `test` holds every extra there is."""
    extras = sorted(_table(pyproject, "project", "optional-dependencies"))
    out = {"app": ["postgres"], "test": extras}
    if "train" in extras:
        # `make run`: the app with training and log reading
        out["run"] = [e for e in ("train", "logs") if e in extras]
    return out


def _table(data: dict[str, object], *keys: str) -> dict[str, list[str]]:
    value: object = data
    for key in keys:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    return value if isinstance(value, dict) else {}


def requirements(pyproject: dict[str, object], extras: list[str]) -> list[str]:
    """The direct requirements a lock must satisfy, normalised and sorted."""
    project = _table(pyproject, "project")
    reqs = list(project.get("dependencies", []))
    optional = _table(pyproject, "project", "optional-dependencies")
    for extra in extras:
        reqs.extend(optional[extra])
    return sorted({_normalise(r) for r in reqs})


def build_requirements(pyproject: dict[str, object]) -> list[str]:
    return sorted({_normalise(r) for r in _table(pyproject, "build-system").get("requires", [])})


def _normalise(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def digest(reqs: list[str]) -> str:
    return hashlib.sha256("\n".join(reqs).encode()).hexdigest()


def read_pyproject(path: Path = ROOT / "pyproject.toml") -> dict[str, object]:
    with path.open("rb") as f:
        return tomllib.load(f)


def expected(pyproject: dict[str, object]) -> dict[str, list[str]]:
    """Lock file name -> the requirements it must be made from."""
    out = {
        f"{name}.txt": requirements(pyproject, extras) for name, extras in locks(pyproject).items()
    }
    out["build.txt"] = build_requirements(pyproject)
    out["uv.txt"] = [UV_REQUIREMENT]
    if ZOO_INPUT.exists():
        out["zoo.txt"] = zoo_requirements(pyproject)
    return out


def zoo_requirements(pyproject: dict[str, object]) -> list[str]:
    """netcanvas's own dependencies plus the zoo's pins (requirements/zoo.in)."""
    lines = [line.split("#", 1)[0].strip() for line in ZOO_INPUT.read_text().splitlines()]
    return sorted({_normalise(r) for r in requirements(pyproject, []) + [x for x in lines if x]})


def pinned(lock_text: str) -> dict[str, str]:
    """`name==version` lines of a lock file -> {name: version}."""
    found = re.findall(
        r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", lock_text, re.M
    )
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in found}


def check(pyproject: dict[str, object], lock_dir: Path = LOCK_DIR) -> list[str]:
    """Every way the locks disagree with pyproject.toml, as sentences (empty: in step)."""
    from packaging.requirements import Requirement

    problems = []
    for file, reqs in expected(pyproject).items():
        path = lock_dir / file
        if not path.exists():
            problems.append(f"{file} is missing: run `make lock`")
            continue
        text = path.read_text()
        if not text.startswith(DIGEST_PREFIX + digest(reqs)):
            problems.append(f"{file} was not made from pyproject.toml as it is: run `make lock`")
        versions = pinned(text)
        for line in reqs:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            name = re.sub(r"[-_.]+", "-", req.name).lower()
            if name not in versions:
                problems.append(f"{file} does not pin {req.name} (required as {line})")
            elif not req.specifier.contains(versions[name], prereleases=True):
                problems.append(f"{file} pins {name}=={versions[name]}, outside {line}")
    return problems


def _uv() -> str:
    local = Path(sys.executable).with_name("uv")
    return str(local) if local.exists() else "uv"


def compile_lock(file: str, reqs: list[str], extras: list[str] | None, upgrade: bool) -> None:
    """One `uv pip compile`; extras None means plain requirements (build.txt, uv.txt)."""
    out = LOCK_DIR / file
    with tempfile.TemporaryDirectory() as tmp:
        if extras is None:  # plain requirements: build.txt, uv.txt, zoo.txt
            source = Path(tmp) / file.replace(".txt", ".in")
            source.write_text("\n".join(reqs) + "\n")
        else:
            source = ROOT / "pyproject.toml"
        raw = Path(tmp) / file
        if out.exists() and not upgrade:
            raw.write_text(out.read_text())  # uv keeps the versions already pinned
        command = [_uv(), "pip", "compile", str(source), "-o", str(raw), "--quiet"]
        command += ["--generate-hashes", "--python-version", PYTHON_VERSION]
        if file != "uv.txt":  # the bootstrap must install on any platform uv supports
            command += ["--python-platform", PLATFORM]
        command += ["--custom-compile-command", "make lock"]
        if file == "zoo.txt":  # its own torch: not the CPU constraint of the project
            command += ["--no-emit-index-url", *_zoo_source()]
        else:
            command += ["-c", str(LOCK_DIR / "constraints.txt"), "--no-emit-index-url"]
            command += _torch_source()
        for extra in extras or []:
            command += ["--extra", extra]
        if upgrade:
            command.append("--upgrade")
        env = dict(os.environ, UV_NO_CONFIG="1")
        subprocess.run(command, check=True, cwd=ROOT, env=env)
        body = raw.read_text().replace(
            str(source), source.name if extras is None else "pyproject.toml"
        )
        body = body.replace(str(LOCK_DIR / "constraints.txt"), "requirements/constraints.txt")
        if body.startswith(DIGEST_PREFIX):
            body = body.split("\n", 1)[1]
    out.write_text(f"{DIGEST_PREFIX}{digest(reqs)}\n{body}")


def _zoo_source() -> list[str]:
    if ZOO_INDEX.is_dir():
        return ["--extra-index-url", ZOO_INDEX.as_uri(), "--index-strategy", "unsafe-best-match"]
    return []


def _torch_source() -> list[str]:
    if LOCAL_WHEELS.is_dir():
        return ["--find-links", str(LOCAL_WHEELS)]
    return ["--extra-index-url", TORCH_CPU_INDEX, "--index-strategy", "unsafe-best-match"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="newest allowed versions")
    parser.add_argument("--check", action="store_true", help="only say whether locks are stale")
    args = parser.parse_args()
    pyproject = read_pyproject()
    if args.check:
        problems = check(pyproject)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    wanted = expected(pyproject)
    all_locks = locks(pyproject)
    for file, reqs in wanted.items():
        extras = None if file == "zoo.txt" else all_locks.get(file.removesuffix(".txt"))
        compile_lock(file, reqs, extras, args.upgrade)
        print(f"requirements/{file}: {len(pinned((LOCK_DIR / file).read_text()))} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
