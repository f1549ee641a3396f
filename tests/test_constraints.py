"""The environment the tests run in holds the versions pinned in constraints.txt (issue 22:
lxml, lxml_html_clean and uvicorn differed in an environment built with `pip install -e .`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _checker():
    spec = importlib.util.spec_from_file_location("check_constraints", REPO / "scripts" / "check_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_installed_package_is_the_version_constraints_txt_pins():
    assert _checker().differences(REPO / "constraints.txt") == []


def test_the_check_names_a_package_of_another_version_and_one_not_installed(tmp_path):
    pins = tmp_path / "constraints.txt"
    pins.write_text("# pins\nlxml==0.1\nuvicorn==0.54.0  # the server\nno-such-package-here==1.0\n")
    checker = _checker()
    assert checker.differences(pins) == [
        f"lxml: {__import__('lxml').__version__} installed, constraints.txt pins 0.1",
        "no-such-package-here: not installed (constraints.txt pins 1.0)",
    ]
    assert checker.main([str(pins)]) == 1
