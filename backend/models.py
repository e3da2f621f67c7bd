"""Every domain's models at once, so the metadata knows every table and foreign keys between domains resolve
(jobs.appointment_id → appointments) wherever SQLAlchemy needs the whole schema: the CLI, the worker, migrations.
The app gets them through backend.schema as well. Found on disk (each domain's models.py), so a new domain needs
no line here."""

from __future__ import annotations

import importlib
from pathlib import Path

_ROOT = Path(__file__).resolve().parent


def load_all() -> list[str]:
    names = sorted(".".join(("backend", *path.relative_to(_ROOT).with_suffix("").parts))
                   for path in _ROOT.rglob("models.py")
                   if "__pycache__" not in path.parts and path != _ROOT / "models.py")
    for name in names:
        importlib.import_module(name)
    return names


MODULES = load_all()
