"""Workshop demo data (the task-action catalog); called by backend/demo.py."""


async def seed(session, actor) -> None:
    return None
