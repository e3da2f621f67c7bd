#!/usr/bin/env python3
"""Write THIRD-PARTY-NOTICES.md: the licences of what MotoTrack bundles.

Two parts, both read from what is installed here (no network):
- the PWA: the packages its built bundle contains — the `dependencies` of pwa/package.json, the packages the sources
  under pwa/src import (the service worker bundles Workbox), and their own production dependencies, read from
  pwa/node_modules/*/package.json;
- the Python runtime: the `dependencies` of pyproject.toml (with the extras they name) and their own requirements,
  read with importlib.metadata from the environment that runs this script (the project's .venv).

    .venv/bin/python tools/third_party_notices.py            # rewrite THIRD-PARTY-NOTICES.md
    .venv/bin/python tools/third_party_notices.py --check    # exit 1 when the committed file is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "THIRD-PARTY-NOTICES.md"

# A bare import in pwa/src that names no npm package: the module the bundler makes in its place comes from this
# package (its own code only; the package's dependencies are build tools that do not reach the bundle).
VIRTUAL_MODULES = {"virtual:pwa-register": "vite-plugin-pwa"}
# Vite puts its few-line runtime (the module preload helper) into the bundle.
BUNDLER_RUNTIME = ("vite",)

# A module specifier: of a static import/export statement (at the start of a line, `... from 'x'` or `import 'x'`)
# or of a dynamic import('x'). Words such as t('Applies from') in JSX are not imports.
_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;'"()=]*?\bfrom\s*['"]([^'"./][^'"]*)['"]"""
                     r"""|^\s*import\s*['"]([^'"./][^'"]*)['"]"""
                     r"""|\bimport\s*\(\s*['"]([^'"./][^'"]*)['"]""", re.MULTILINE)

# Trove classifier → SPDX identifier, for distributions that declare their licence only as a classifier.
_CLASSIFIERS = {
    "Apache Software License": "Apache-2.0",
    "MIT License": "MIT",
    "BSD License": "BSD",
    "ISC License (ISCL)": "ISC",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Library or Lesser General Public License (LGPL)": "LGPL",
    "The Unlicense (Unlicense)": "Unlicense",
    "Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
}
# A License field that names no licence: the classifiers say which.
_VAGUE = {"", "UNKNOWN", "DUAL LICENSE"}


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    url: str


# ---- npm -------------------------------------------------------------------------------------------------------

def _npm_package_dir(name: str, start: Path, pwa: Path) -> Path | None:
    """Node's resolution: node_modules/<name> in `start` and each folder above it, up to the PWA's folder."""
    folder = start
    while True:
        candidate = folder / "node_modules" / name / "package.json"
        if candidate.is_file():
            return candidate.parent
        if folder == pwa or pwa not in folder.parents:
            return None
        folder = folder.parent


def _package_name(specifier: str) -> str:
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


def _npm_licence(manifest: dict) -> str:
    value = manifest.get("license") or manifest.get("licenses")
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, list):
        value = " OR ".join(str(v.get("type", v) if isinstance(v, dict) else v) for v in value)
    return str(value) if value else "UNKNOWN"


def _npm_url(manifest: dict, name: str) -> str:
    repo = manifest.get("repository")
    if isinstance(repo, dict):
        repo = repo.get("url")
    if isinstance(repo, str) and repo:
        repo = re.sub(r"^git\+", "", repo)
        repo = re.sub(r"\.git$", "", repo)
        repo = re.sub(r"^git://", "https://", repo)
        if re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            repo = f"https://github.com/{repo}"
        elif repo.startswith("github:"):
            repo = f"https://github.com/{repo[7:]}"
        return repo
    return manifest.get("homepage") or f"https://www.npmjs.com/package/{name}"


def source_imports(src: Path) -> set[str]:
    names = set()
    for path in sorted(src.rglob("*")):
        if path.suffix in (".ts", ".tsx", ".js", ".jsx", ".mjs") and path.is_file():
            for specifier in ("".join(groups) for groups in _IMPORT.findall(path.read_text(encoding="utf-8"))):
                names.add(specifier.split("/")[0] if specifier.startswith("virtual:") else _package_name(specifier))
    return names


def npm_components(pwa: Path = ROOT / "pwa") -> list[Component]:
    manifest = json.loads((pwa / "package.json").read_text(encoding="utf-8"))
    walked = set(manifest.get("dependencies", {}))
    alone: set[str] = set(BUNDLER_RUNTIME)  # listed without their dependencies
    for name in source_imports(pwa / "src"):
        virtual = next((pkg for prefix, pkg in VIRTUAL_MODULES.items() if name.startswith(prefix)), None)
        if virtual:
            alone.add(virtual)
        elif not name.startswith("virtual:"):
            walked.add(name)
    found: dict[str, Component] = {}
    queue = [(name, pwa, True) for name in sorted(walked)] + [(name, pwa, False) for name in sorted(alone)]
    while queue:
        name, start, follow = queue.pop()
        folder = _npm_package_dir(name, start, pwa)
        if folder is None:
            raise SystemExit(f"{name} is not installed under {pwa}/node_modules: run npm install first")
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        key = f"{name}@{data.get('version', '')}"
        if key in found:
            continue
        found[key] = Component(name, data.get("version", ""), _npm_licence(data), _npm_url(data, name))
        if follow:
            queue.extend((dep, folder, True) for dep in sorted(data.get("dependencies", {})))
    return sorted(found.values(), key=lambda c: (c.name.lower(), c.version))


# ---- Python ----------------------------------------------------------------------------------------------------

def _python_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    classified = []
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License :: "):
            label = classifier.split(" :: ")[-1]
            if label not in ("OSI Approved",):
                classified.append(_CLASSIFIERS.get(label, label))
    text = (meta.get("License") or "").strip()
    text = _CLASSIFIERS.get(text, text)
    if "\n" not in text and len(text) <= 60 and text.upper() not in _VAGUE:
        return text
    if classified:
        return " OR ".join(dict.fromkeys(classified))
    if text and text.upper() not in _VAGUE:
        first = text.splitlines()[0].strip()
        return first if len(first) <= 60 else first[:57] + "..."
    return "UNKNOWN"


def _python_url(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("source", "source code", "repository", "homepage", "home", "github", "code"):
        if urls.get(label):
            return urls[label]
    return meta.get("Home-page") or (next(iter(urls.values())) if urls else f"https://pypi.org/project/{meta['Name']}/")


def python_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]


def python_components(requirements: list[str] | None = None) -> list[Component]:
    requirements = python_requirements() if requirements is None else requirements
    environment = default_environment()
    queue = [(Requirement(text), "") for text in requirements]
    extras_seen: dict[str, set[str]] = {}
    found: dict[str, Component] = {}
    while queue:
        requirement, extra = queue.pop()
        if requirement.marker and not requirement.marker.evaluate({**environment, "extra": extra}):
            continue
        key = canonicalize_name(requirement.name)
        wanted = set(requirement.extras)
        seen = extras_seen.get(key)
        if seen is not None and wanted <= seen:
            continue
        extras_seen[key] = (seen or set()) | wanted
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{requirement.name} is not installed: install the project (pip install -e .) first")
        found[key] = Component(dist.metadata["Name"], dist.version, _python_licence(dist), _python_url(dist))
        for text in dist.requires or []:
            child = Requirement(text)
            # a requirement of the distribution itself ("" extra) and of each extra it was asked for
            for which in [""] + sorted(wanted):
                if not child.marker or child.marker.evaluate({**environment, "extra": which}):
                    queue.append((child, which))
                    break
    return sorted(found.values(), key=lambda c: c.name.lower())


# ---- the file --------------------------------------------------------------------------------------------------

def _table(components: list[Component]) -> list[str]:
    rows = ["| Package | Version | Licence | Source |", "| --- | --- | --- | --- |"]
    for c in components:
        rows.append(f"| {c.name} | {c.version} | {c.licence.replace('|', '/')} | {c.url} |")
    return rows


def render(npm: list[Component], python: list[Component]) -> str:
    lines = [
        "# Third-party notices",
        "",
        "MotoTrack is licensed under the Apache License 2.0 (see LICENSE). It bundles or runs with the third-party",
        "software below, each under its own licence; the full licence texts ship with each package (its `LICENSE`",
        "file in `node_modules/<package>/` or in the Python distribution's `.dist-info` folder).",
        "",
        "Generated by `tools/third_party_notices.py` from the installed packages; run it again after changing a",
        "dependency.",
        "",
        "## The PWA (JavaScript bundled into `pwa/dist`)",
        "",
        "The production `dependencies` of `pwa/package.json`, the packages the service worker bundles, and their own",
        "production dependencies.",
        "",
        *_table(npm),
        "",
        "## The server (Python runtime dependencies)",
        "",
        "The `dependencies` of `pyproject.toml` and everything they require at run time.",
        "",
        *_table(python),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from what is installed")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(npm_components(), python_components())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run tools/third_party_notices.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
