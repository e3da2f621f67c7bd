"""Inventory demo data (warehouse items with stock); called by backend/demo.py."""


async def seed(session, actor) -> None:
    return None
