"""The inventory service called directly, as the workshop calls it: issue to a job, return, the atomic deduction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.inventory import service
from backend.inventory.models import MovementKind, StockMovement, WarehouseItem
from tests.inventory.helpers import assert_ledger_consistent, make_job

pytestmark = pytest.mark.asyncio


async def _item(db, actor, sku="OIL-5W30", quantity=20, **fields) -> WarehouseItem:
    async with db.transaction() as s:
        data = service.ItemInput(sku=sku, name_en=fields.pop("name_en", "Engine oil 5W-30 4L"), cost_price=85000,
                                 sale_price=120000, reorder_point=fields.pop("reorder_point", 5), **fields)
        return await service.create_item(s, actor, data, initial_quantity=quantity)


async def test_issue_and_return_write_the_ledger(db, garage):
    actor = garage.actor(Role.WAREHOUSE_MANAGER)
    item = await _item(db, actor)
    job_id, (request_id,) = await make_job(db, garage.id, item.id, requests=1, quantity=3)
    async with db.transaction() as s:
        issued = await service.issue_to_job(s, actor, item.id, 3, job_id=job_id, parts_request_id=request_id)
        assert (issued.kind, issued.quantity, issued.balance_after, issued.unit_cost) == (MovementKind.ISSUE, -3, 17,
                                                                                          85000)
        assert (issued.job_id, issued.parts_request_id, issued.actor_user_id) == (job_id, request_id, actor.user_id)
        returned = await service.return_from_job(s, actor, item.id, 1, job_id=job_id, parts_request_id=request_id,
                                                 reason="one left over")
        assert (returned.kind, returned.quantity, returned.balance_after) == (MovementKind.RETURN, 1, 18)
        assert (await service.get_item(s, actor, item.id)).quantity_on_hand == 18
    await assert_ledger_consistent(db, garage.id)


async def test_issue_refusals_change_nothing(db, garage, other_garage):
    actor = garage.actor(Role.WAREHOUSE_MANAGER)
    item = await _item(db, actor, quantity=2)
    job_id, (request_id,) = await make_job(db, garage.id, item.id, requests=1)

    async def issue(item_id, quantity, who=actor):
        with pytest.raises(DomainError) as caught:
            async with db.transaction() as s:
                await service.issue_to_job(s, who, item_id, quantity, job_id=job_id, parts_request_id=request_id)
        return caught.value

    too_many = await issue(item.id, 3)
    assert (too_many.code, too_many.field, too_many.params) == (ErrorCode.INSUFFICIENT_STOCK, "quantity",
                                                                {"available": 2, "requested": 3})
    assert too_many.message("en") == "Only 2 in stock; 3 asked for."
    assert (await issue(item.id, 0)).code == ErrorCode.INVALID_QUANTITY
    assert (await issue(item.id, -1)).code == ErrorCode.INVALID_QUANTITY
    assert (await issue(item.id, 1, other_garage.actor(Role.WAREHOUSE_MANAGER))).code == ErrorCode.NOT_FOUND
    async with db.transaction() as s:
        await service.update_item(s, actor, item.id, service.ItemInput(active=False))
    assert (await issue(item.id, 1)).code == ErrorCode.ITEM_INACTIVE
    async with db.read() as s:
        assert (await s.get(WarehouseItem, item.id)).quantity_on_hand == 2
        # the opening receipt and the transfer to the job's site (out, in); no refused issue left a row
        assert len((await s.execute(select(StockMovement))).scalars().all()) == 3
    await assert_ledger_consistent(db, garage.id)


async def test_concurrent_issues_never_oversell(db, garage):
    """50 issues of one unit against 20 in stock, each in its own transaction: exactly 20 succeed."""
    actor = garage.actor(Role.WAREHOUSE_MANAGER)
    item = await _item(db, actor, quantity=20)
    job_id, requests = await make_job(db, garage.id, item.id, requests=50)

    async def issue(request_id):
        try:
            async with db.transaction() as s:
                await service.issue_to_job(s, actor, item.id, 1, job_id=job_id, parts_request_id=request_id)
            return "ok"
        except DomainError as exc:
            return exc.code

    outcomes = await asyncio.gather(*(issue(r) for r in requests))
    assert outcomes.count("ok") == 20
    assert outcomes.count(ErrorCode.INSUFFICIENT_STOCK) == 30
    async with db.read() as s:
        assert (await s.get(WarehouseItem, item.id)).quantity_on_hand == 0
        issued = (await s.execute(select(StockMovement).where(StockMovement.kind == MovementKind.ISSUE))).scalars()
        assert len({m.parts_request_id for m in issued}) == 20
    await assert_ledger_consistent(db, garage.id)
