"""Builds install only packages whose files match a pinned sha256 (issue 13, item 13).

The attack: a package tampered with on the index, a mirror or the way (a release re-uploaded, a
poisoned cache) enters the next ``make setup`` of a production server. With hashes for every
file and ``pip install --require-hashes``, pip refuses anything that is not byte for byte what
was pinned. ``test_pip_refuses_a_tampered_wheel_of_a_pinned_version`` performs the attack with
a forged wheel of a pinned package, offline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("requirements.txt", "requirements-dev.txt")
# Only what pip would do, from the forged index alone, whatever this environment already holds.
PIP = (sys.executable, "-m", "pip", "install")
DRY_RUN = ("--dry-run", "--ignore-installed", "--no-index")
WHEEL = "Wheel-Version: 1.0\nGenerator: forged\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*;\s*([^\\-][^-]*?))?\s+(--hash=.*)$")


def _logical_lines(path: Path) -> list[str]:
    """The file's requirement lines, continuations joined, comments and blank lines left out."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for line in _logical_lines(path):
        match = PIN.match(line)
        assert match, f"{path.name}: not a hash-pinned requirement: {line[:120]}"
        hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})(?:\s|$)", match.group(4)))
        assert hashes and len(hashes) == match.group(4).count("--hash="), f"{path.name}: {line[:120]}"
        pins[_normal(match.group(1))] = (match.group(2), hashes)
    return pins


@pytest.mark.parametrize("name", LOCKS)
def test_every_requirement_is_pinned_to_one_version_with_sha256_hashes(name: str) -> None:
    lines = _logical_lines(ROOT / name)
    assert lines and not [line for line in lines if line.startswith("-")], "no -r, -e or index options"
    for line in lines:
        assert "==" in line and "--hash=sha256:" in line, line[:120]
    assert len(_pins(ROOT / name)) == len(lines)


def test_the_dev_file_pins_the_runtime_exactly_as_the_runtime_file() -> None:
    runtime, dev = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert {"pytest", "mypy", "ruff", "pip-tools"} <= dev.keys()


def test_every_top_level_pin_is_compiled_into_its_file() -> None:
    """A version changed in an .in file but not compiled would install the old one."""
    for source in ("requirements.in", "requirements-dev.in"):
        lock = source.removesuffix(".in") + ".txt"
        pins = _pins(ROOT / lock)
        for line in _logical_lines(ROOT / source):
            if line.startswith("-"):
                continue
            name, version = re.split(r"==", line.split(";")[0].strip())
            assert pins[_normal(name.split("[")[0])][0] == version.strip(), (source, line)


def test_the_dev_source_takes_the_runtime_pins_as_constraints() -> None:
    lines = _logical_lines(ROOT / "requirements-dev.in")
    assert "-c requirements.txt" in lines and "-r requirements.in" in lines


def test_pip_itself_and_what_redis_needs_on_debian_12_are_pinned() -> None:
    """pip is installed from the file too (no unhashed upgrade first); Debian 12 has Python 3.11.2."""
    text = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^pip==\S+ \\$", text, re.MULTILINE)
    assert 'async-timeout==5.0.1 ; python_full_version < "3.11.3" \\' in text


def test_the_makefile_installs_only_with_require_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert installs == [
        "\t$(BIN)/pip install --quiet --require-hashes -r requirements.txt",
        "\t$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt",
    ]


def _forged_wheel(folder: Path, name: str, version: str) -> Path:
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "STOLEN = 'every report'\n")
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(f"{info}/WHEEL", WHEEL)
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def _pip_dry_run(requirements: Path, wheels: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # this machine's pip configuration plays no part
    return subprocess.run(
        [*PIP, *DRY_RUN, "--find-links", str(wheels), *flags, "-r", str(requirements)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_pip_refuses_a_tampered_wheel_of_a_pinned_version(tmp_path: Path) -> None:
    wheels = tmp_path / "index"
    wheels.mkdir()
    _forged_wheel(wheels, "pyotp", "2.12.0")
    pinned = [line for line in _logical_lines(ROOT / "requirements.txt") if line.startswith("pyotp==")]
    assert len(pinned) == 1
    (tmp_path / "locked.txt").write_text(pinned[0] + "\n")
    refused = _pip_dry_run(tmp_path / "locked.txt", wheels, "--require-hashes")
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr, refused.stderr
    # Control: the same forged wheel against a pin without hashes, as before, would be installed.
    (tmp_path / "unlocked.txt").write_text("pyotp==2.12.0\n")
    accepted = _pip_dry_run(tmp_path / "unlocked.txt", wheels)
    assert accepted.returncode == 0, accepted.stderr
    assert "Would install pyotp-2.12.0" in accepted.stdout
    # And --require-hashes refuses a line that has none.
    unhashed = _pip_dry_run(tmp_path / "unlocked.txt", wheels, "--require-hashes")
    assert unhashed.returncode != 0 and "Hashes are required in --require-hashes mode" in unhashed.stderr
