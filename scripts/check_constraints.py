"""Check that the installed packages are the versions pinned in constraints.txt.

    python scripts/check_constraints.py [constraints.txt]

Prints each package whose installed version differs from its pin, or that is not installed,
and exits 1 when there is any; exits 0 and prints nothing when the environment matches.
``scripts/setup`` runs it after every install, and ``tests/test_constraints.py`` calls
:func:`differences`. A local version label counts as the same release (torch ``2.13.0+cpu``
is ``2.13.0``). An environment built with ``pip install -e .`` alone takes the newest releases
the index has, not the pins: install with ``pip install -c constraints.txt -e ".[test]"``
(what ``scripts/setup`` does).
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

DEFAULT = Path(__file__).resolve().parents[1] / "constraints.txt"


def pins(path: Path = DEFAULT) -> dict[str, str]:
    """Package name -> pinned version, from a file of ``name==version`` lines (comments allowed)."""
    out: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==":
            raise ValueError(f"{path}:{number}: {line!r} is not a pin (name==version)")
        out[requirement.name] = specifiers[0].version
    return out


def differences(path: Path = DEFAULT) -> list[str]:
    """One line per package of ``path`` whose installed version is not its pin."""
    lines = []
    for name, pinned in pins(path).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            lines.append(f"{name}: not installed ({path.name} pins {pinned})")
            continue
        if Version(installed).public != Version(pinned).public:
            lines.append(f"{name}: {installed} installed, {path.name} pins {pinned}")
    return lines


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    found = differences(path)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} installed package(s) differ from {path}; "
              f'install with: pip install -c {path.name} -e ".[test]"', file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
