"""The licence: Apache-2.0 declared everywhere, and THIRD-PARTY-NOTICES.md lists what the app bundles (no network)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_tool():
    spec = importlib.util.spec_from_file_location("mototrack_third_party_notices",
                                                  ROOT / "tools" / "third_party_notices.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def notice_rows() -> dict[str, set[tuple[str, str]]]:
    """Each section's (package, licence) rows of the committed file."""
    sections: dict[str, set[tuple[str, str]]] = {}
    current = None
    for line in (ROOT / "THIRD-PARTY-NOTICES.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = "npm" if "PWA" in line else "python"
            sections[current] = set()
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and line.startswith("|") and len(cells) == 4 and cells[0] not in ("Package", "---"):
            sections[current].add((cells[0], cells[2]))
    return sections


def test_the_project_is_apache_2_0_in_the_licence_file_pyproject_and_the_pwa():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(re.findall(r"^\s+\d\. ", text, re.M)) == 9  # its nine numbered sections, whole
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert "LICENSE" in project["license-files"]
    assert json.loads((ROOT / "pwa" / "package.json").read_text(encoding="utf-8"))["license"] == "Apache-2.0"


def test_the_committed_notices_list_every_current_runtime_dependency_with_its_licence():
    tool = load_tool()
    rows = notice_rows()
    npm = tool.npm_components()
    python = tool.python_components()
    missing_npm = {(c.name, c.licence) for c in npm} - rows["npm"]
    missing_python = {(c.name, c.licence) for c in python} - rows["python"]
    assert not missing_npm and not missing_python, (
        f"THIRD-PARTY-NOTICES.md lacks {sorted(missing_npm | missing_python)}: run tools/third_party_notices.py")

    npm_names = {c.name for c in npm}
    python_names = {tool.canonicalize_name(c.name) for c in python}
    # every direct dependency, and what they pull in: the service worker's Workbox, pydantic's compiled core
    assert set(json.loads((ROOT / "pwa" / "package.json").read_text())["dependencies"]) <= npm_names
    assert {"workbox-precaching", "workbox-core"} <= npm_names
    direct = {tool.canonicalize_name(tool.Requirement(r).name) for r in tool.python_requirements()}
    assert direct <= python_names
    assert {"pydantic-core", "greenlet", "uvloop"} <= python_names  # transitive, and uvicorn[standard]'s extra
    # build and test tools never reach the bundle or the server
    assert not {"typescript", "rollup", "axe-core", "@preact/preset-vite"} & npm_names
    assert not {"pytest", "hypothesis", "moto", "schemathesis"} & python_names
    assert all(licence != "UNKNOWN" for _, licence in rows["npm"] | rows["python"])


def test_a_new_dependency_is_found_through_its_requirements(tmp_path):
    """The walk follows a distribution's own requirements (and only the extras asked for)."""
    tool = load_tool()
    alone = {tool.canonicalize_name(c.name) for c in tool.python_components(["uvicorn"])}
    standard = {tool.canonicalize_name(c.name) for c in tool.python_components(["uvicorn[standard]"])}
    assert {"uvicorn", "click", "h11"} <= alone and "uvloop" not in alone
    assert {"uvloop", "httptools", "watchfiles"} <= standard
    out = tmp_path / "notices.md"
    assert tool.main(["--output", str(out)]) == 0
    assert tool.main(["--check", "--output", str(out)]) == 0
    out.write_text(out.read_text().replace("| starlette |", "| starlet |"))
    assert tool.main(["--check", "--output", str(out)]) == 1
