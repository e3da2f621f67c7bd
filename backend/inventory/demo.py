"""Inventory demo data: a Thai garage's store room, prices in satang (THB minor units); called by backend/demo.py.

A few items sit at or under their reorder point, so the low-stock list has something to show. The opening stock
is received at the central warehouse, and one transfer per site (dispatched and received) puts about half of each
item on the first site's shelf and a quarter on the second's, so jobs and counter sales there find their parts.
"""

from __future__ import annotations

from sqlalchemy import select

from backend.inventory import service, stock, transfers

# sku, English name, Thai name, unit, cost (satang), sale (satang), on hand, reorder point, bin
ITEMS = [
    ("OIL-5W30-4L", "Engine oil 5W-30 fully synthetic 4 L", "น้ำมันเครื่องสังเคราะห์แท้ 5W-30 4 ลิตร", "can",
     85000, 129000, 36, 12, "A-01-1"),
    ("OIL-10W40-4L", "Engine oil 10W-40 semi-synthetic 4 L", "น้ำมันเครื่องกึ่งสังเคราะห์ 10W-40 4 ลิตร", "can",
     52000, 79000, 24, 10, "A-01-2"),
    ("FLT-OIL-TY01", "Oil filter (Toyota 90915-YZZD2)", "ไส้กรองน้ำมันเครื่อง (โตโยต้า 90915-YZZD2)", "pcs",
     9500, 18000, 40, 15, "A-02-1"),
    ("FLT-AIR-HN01", "Air filter (Honda City / Jazz)", "ไส้กรองอากาศ (ฮอนด้า ซิตี้ / แจ๊ส)", "pcs",
     18000, 35000, 12, 6, "A-02-2"),
    ("FLT-CAB-01", "Cabin air filter, activated carbon", "ไส้กรองแอร์ คาร์บอน", "pcs", 15000, 32000, 3, 6, "A-02-3"),
    ("BRK-PAD-F-TY", "Brake pads, front (Toyota Hilux Revo)", "ผ้าเบรกหน้า (โตโยต้า ไฮลักซ์ รีโว่)", "set",
     95000, 165000, 8, 4, "B-01-1"),
    ("BRK-PAD-R-HN", "Brake pads, rear (Honda Civic)", "ผ้าเบรกหลัง (ฮอนด้า ซีวิค)", "set",
     72000, 125000, 5, 4, "B-01-2"),
    ("BRK-FLUID-DOT4", "Brake fluid DOT 4, 1 L", "น้ำมันเบรก DOT 4 1 ลิตร", "bottle", 18000, 29000, 14, 6, "B-02-1"),
    ("BAT-12V-65AH", "Battery 12 V 65 Ah maintenance-free", "แบตเตอรี่ 12 โวลต์ 65 แอมป์ ไม่ต้องเติมน้ำ", "pcs",
     240000, 359000, 2, 3, "E-01-1"),
    ("BAT-12V-45AH", "Battery 12 V 45 Ah", "แบตเตอรี่ 12 โวลต์ 45 แอมป์", "pcs", 165000, 259000, 6, 3, "E-01-2"),
    ("BLB-H4-12V", "Headlight bulb H4 12 V 60/55 W", "หลอดไฟหน้า H4 12 โวลต์ 60/55 วัตต์", "pcs",
     6500, 15000, 30, 10, "E-02-1"),
    ("SPK-IRID-01", "Spark plug, iridium", "หัวเทียนอิริเดียม", "pcs", 22000, 39000, 32, 16, "M-01-1"),
    ("CLT-LL-1L", "Coolant, long life, pre-mixed 1 L", "น้ำยาหล่อเย็น ชนิดผสมพร้อมใช้ 1 ลิตร", "bottle",
     12000, 22000, 18, 8, "M-02-1"),
    ("BLT-SERP-01", "Serpentine (drive) belt 6PK", "สายพานหน้าเครื่อง 6PK", "pcs", 48000, 85000, 4, 2, "M-03-1"),
    ("WPR-22IN", "Wiper blade 22 in, silicone", "ใบปัดน้ำฝนซิลิโคน 22 นิ้ว", "pcs", 12000, 25000, 16, 8, "E-03-1"),
    ("WPR-16IN", "Wiper blade 16 in, silicone", "ใบปัดน้ำฝนซิลิโคน 16 นิ้ว", "pcs", 10000, 22000, 2, 8, "E-03-2"),
    ("BDY-FILLER-1KG", "Body filler (polyester putty) 1 kg", "สีโป๊วรถยนต์ 1 กิโลกรัม", "can",
     28000, 45000, 9, 4, "P-01-1"),
    ("PNT-PRIMER-1L", "Primer surfacer 2K, grey 1 L", "สีรองพื้น 2K สีเทา 1 ลิตร", "can", 65000, 98000, 6, 3, "P-01-2"),
    ("PNT-CLEAR-1L", "Clear coat 2K 1 L", "แลคเกอร์เคลือบเงา 2K 1 ลิตร", "can", 72000, 110000, 5, 3, "P-01-3"),
    ("SND-P320", "Sanding disc P320, 150 mm", "กระดาษทรายกลม P320 150 มม.", "pcs", 1200, 2500, 180, 50, "P-02-1"),
    ("INT-SEAT-FAB", "Seat cover fabric, black, per metre", "ผ้าหุ้มเบาะ สีดำ (ต่อเมตร)", "m", 35000, 60000, 12, 5,
     "I-01-1"),
    ("INT-CARPET-01", "Floor carpet, moulded, black", "พรมปูพื้นขึ้นรูป สีดำ", "set", 150000, 250000, 1, 1, "I-01-2"),
]


async def seed(session, actor) -> None:
    """The items with their opening stock (each a RECEIVE in the ledger)."""
    for sku, name_en, name_th, unit, cost, sale, quantity, reorder, bin_location in ITEMS:
        await service.create_item(
            session, actor,
            service.ItemInput(sku=sku, name_en=name_en, name_th=name_th, unit=unit, cost_price=cost, sale_price=sale,
                              reorder_point=reorder, bin_location=bin_location),
            initial_quantity=quantity, reason="Opening stock")
    from backend.accounts.models import Site
    from backend.inventory.models import WarehouseItem

    items = list((await session.execute(select(WarehouseItem).where(WarehouseItem.garage_id == actor.garage_id)
                                        .order_by(WarehouseItem.sku))).scalars())
    sites = list((await session.execute(select(Site).where(Site.garage_id == actor.garage_id)
                                        .order_by(Site.created_at, Site.id))).scalars())
    central = await stock.central_warehouse(session, actor.garage_id)
    for share, site in zip((lambda q: (q + 1) // 2, lambda q: q // 4), sites):
        lines = [transfers.LineInput(item.id, share(item.quantity_on_hand)) for item in items
                 if share(item.quantity_on_hand) > 0]
        warehouse = await stock.site_warehouse(session, actor.garage_id, site.id)
        transfer = await transfers.create_transfer(session, actor, central.id, warehouse.id, lines,
                                                   note="Opening stock for the site")
        await transfers.dispatch_transfer(session, actor, transfer.id)
        await transfers.receive_transfer(session, actor, transfer.id)
