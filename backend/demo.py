"""Demo data: "Demo Garage" with two sites, one user per role, and a few dozen customers and vehicles.

Running it twice changes nothing: it stops when the demo admin already exists.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from sqlalchemy import select

from backend.accounts import service as accounts
from backend.accounts.models import Garage, User
from backend.core.actor import Actor
from backend.core.db import Database
from backend.core.enums import Locale, OperationsStream
from backend.core.permissions import Role, permissions_for_role
from backend.customers.models import CustomerKind, VehicleKind
from backend.customers.vin import check_digit_applies, expected_check_digit

DEMO_PASSWORD = "mototrack-demo"
DEMO_USERS = [
    ("admin@demo.test", "Anong Srisuk", Role.ADMIN, [], Locale.TH),
    ("site.manager@demo.test", "Somchai Jaidee", Role.SITE_MANAGER, [], Locale.TH),
    ("technician@demo.test", "Niran Kaewmanee", Role.TECHNICIAN, [OperationsStream.MECHANICAL], Locale.TH),
    ("body.tech@demo.test", "Prasert Boonmee", Role.TECHNICIAN, [OperationsStream.BODY], Locale.TH),
    ("workshop.manager@demo.test", "David Clarke", Role.WORKSHOP_MANAGER, [], Locale.EN),
    ("warehouse.manager@demo.test", "Malee Thongdee", Role.WAREHOUSE_MANAGER, [], Locale.TH),
    ("billing@demo.test", "Sarah Whitfield", Role.BILLING, [], Locale.EN),
]

# Corporate customers: a full tax invoice needs their registered address, tax ID and branch.
CORPORATE_ADDRESSES = {
    "บริษัท สยามขนส่ง จำกัด": "88 ถนนวิภาวดีรังสิต แขวงจอมพล เขตจตุจักร กรุงเทพมหานคร 10900",
    "ห้างหุ้นส่วน ช่างเจริญ": "12/3 ถนนศรีนครินทร์ ตำบลสำโรงเหนือ อำเภอเมืองสมุทรปราการ สมุทรปราการ 10270",
    "Bangkok Fleet Services Co., Ltd.": "200 Sukhumvit Road, Khlong Toei, Bangkok 10110",
}


def _demo_tax_id(index: int) -> str:
    """A company registration number (นิติบุคคล) with its check digit, so it passes the tax ID validation."""
    from stdnum.th import moa

    base = f"0105550{index:03d}00"
    return base + moa.calc_check_digit(base)


def _demo_insurance_expiry(today: dt.date, index: int) -> dt.date:
    """The พ.ร.บ. expiry of the demo's index-th vehicle: every fourth within 4-28 days, the others 40-360 days out."""
    if index % 4 == 0:
        return today + dt.timedelta(days=4 + (index * 6) % 25)
    return today + dt.timedelta(days=40 + (index * 47) % 321)


CUSTOMERS = [
    ("สมชาย ใจดี", "081-234-5678", "somchai@example.co.th", Locale.TH),
    ("สมหญิง รักสงบ", "089-876-5432", None, Locale.TH),
    ("วิชัย ศรีสุข", "062-111-2233", "wichai.s@example.co.th", Locale.TH),
    ("นภา แก้วมณี", "095-555-0101", "napa@example.co.th", Locale.TH),
    ("ประเสริฐ บุญมี", "086-420-7788", None, Locale.TH),
    ("กนกวรรณ ทองดี", "091-313-2424", "kanokwan@example.co.th", Locale.TH),
    ("อนุชา วงศ์ใหญ่", "083-909-1212", None, Locale.TH),
    ("พิมพ์ชนก สายทอง", "097-640-5151", "pimchanok@example.co.th", Locale.TH),
    ("ธนพล มั่นคง", "084-777-3030", None, Locale.TH),
    ("สุดารัตน์ พรหมมา", "098-222-6060", "sudarat@example.co.th", Locale.TH),
    ("บริษัท สยามขนส่ง จำกัด", "02-123-4567", "fleet@siamkhonsong.example", Locale.TH),
    ("ห้างหุ้นส่วน ช่างเจริญ", "02-765-4321", "account@changcharoen.example", Locale.TH),
    ("James Whitaker", "+44 7700 123001", "james.whitaker@example.com", Locale.EN),
    ("Emily Carter", "+44 7700 123002", "emily.carter@example.com", Locale.EN),
    ("Oliver Bennett", "+66 81 555 0199", "oliver.b@example.com", Locale.EN),
    ("Sophie Turner", "+66 89 555 0142", None, Locale.EN),
    ("Daniel Hughes", "+44 7700 123003", "d.hughes@example.com", Locale.EN),
    ("Charlotte Evans", "+66 62 555 0177", "charlotte.evans@example.com", Locale.EN),
    ("Michael O'Brien", "+353 85 555 0123", "mobrien@example.ie", Locale.EN),
    ("Priya Sharma", "+91 98765 43210", "priya.sharma@example.in", Locale.EN),
    ("Rahul Mehta", "+91 91234 56789", None, Locale.EN),
    ("Kenji Watanabe", "+66 95 555 0166", "kenji.w@example.jp", Locale.EN),
    ("Lucas Martin", "+66 84 555 0111", "lucas.martin@example.fr", Locale.EN),
    ("Bangkok Fleet Services Co., Ltd.", "02-555-0100", "service@bkkfleet.example", Locale.EN),
]

MAKES = [("Toyota", ["Hilux Revo", "Corolla Altis", "Yaris", "Fortuner", "Camry"]),
         ("Honda", ["City", "Civic", "CR-V", "Jazz", "HR-V"]),
         ("Isuzu", ["D-Max", "MU-X"]), ("Mazda", ["2", "3", "CX-5"]),
         ("Nissan", ["Almera", "Navara", "Kicks"]), ("Mitsubishi", ["Triton", "Pajero Sport", "Xpander"]),
         ("Ford", ["Ranger", "Everest", "Focus"]), ("Vauxhall", ["Corsa", "Astra"]),
         ("Volkswagen", ["Golf", "Polo"]), ("BMW", ["320d", "X3"])]
COLOURS = ["White", "Silver", "Black", "Grey", "Red", "Blue", "Bronze"]
THAI_LETTERS = "กขคงจฉชซญฐฒณดตถทธนบปผพภมยรลวศษสหฬอฮ"
UK_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"


def _plate(rng: random.Random, thai: bool) -> str:
    if thai:
        return f"{rng.randint(1, 9)}{rng.choice(THAI_LETTERS)}{rng.choice(THAI_LETTERS)} {rng.randint(1, 9999)}"
    return (f"{rng.choice(UK_LETTERS)}{rng.choice(UK_LETTERS)}{rng.randint(10, 75)} "
            f"{rng.choice(UK_LETTERS)}{rng.choice(UK_LETTERS)}{rng.choice(UK_LETTERS)}")


def _vin(rng: random.Random) -> str:
    """17 random VIN characters; where the VIN's region makes the 9th a check digit, the right one."""
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    vin = "".join(rng.choice(alphabet) for _ in range(17))
    return vin[:8] + expected_check_digit(vin) + vin[9:] if check_digit_applies(vin) else vin


async def seed_demo(database_url: str) -> bool:
    from backend.customers import service as customers

    db = Database(database_url)
    try:
        async with db.transaction() as session:
            exists = (await session.execute(select(User.id).where(User.email == DEMO_USERS[0][0]))).first()
            if exists:
                return False
            garage = await accounts.create_garage(session, accounts.GarageSettingsInput(
                name="Demo Garage", currency="THB", time_zone="Asia/Bangkok", default_locale=Locale.TH,
                tax_label="VAT", tax_rate=Decimal("7"), prices_include_tax=False, tax_id="0105556123453",
                branch="00000", address="99/9 ถนนพระราม 9 แขวงห้วยขวาง เขตห้วยขวาง กรุงเทพมหานคร 10310",
                promptpay_id="0105556123453", abbreviated_tax_invoices=True,  # PromptPay by the company's tax ID
            ))
            admin = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN,
                          name="mototrack seed-demo")
            # Rama 9 is the head office (its registered address is the garage's); Bang Na is branch 00001.
            main_site = await accounts.create_site(session, admin, accounts.SiteInput(
                name="Rama 9 Service Centre", code="R9", address="99/9 ถนนพระราม 9 แขวงห้วยขวาง เขตห้วยขวาง กรุงเทพมหานคร 10310",
                phone="02-000-1111", branch_code="00000"))
            await accounts.create_site(session, admin, accounts.SiteInput(
                name="Bang Na Body Shop", code="BN", branch_code="00001", phone="02-000-2222",
                address="55 ถนนบางนา-ตราด แขวงบางนาใต้ เขตบางนา กรุงเทพมหานคร 10260"))
            for email, name, role, streams, locale in DEMO_USERS:
                await accounts.create_user(session, admin, accounts.UserInput(
                    email=email, name=name, password=DEMO_PASSWORD, role=role, streams=streams,
                    home_site_id=main_site.id, locale=locale))  # everyone works at Rama 9
            rng = random.Random(2026)
            today = dt.date.today()
            vehicle_count = 0
            for index, (name, phone, email, locale) in enumerate(CUSTOMERS):
                customer = await customers.create_customer(session, admin, customers.CustomerInput(
                    name=name, phone=phone, email=email, locale=locale,
                    contact_channel=customers.ContactChannel.EMAIL if email else customers.ContactChannel.SMS,
                    consent_sms=True, consent_email=bool(email),
                    tax_id=_demo_tax_id(index) if name in CORPORATE_ADDRESSES else None,
                    branch="00000" if name in CORPORATE_ADDRESSES else None,
                    address=CORPORATE_ADDRESSES.get(name),
                    kind=CustomerKind.COMPANY if name in CORPORATE_ADDRESSES else CustomerKind.PERSON,
                ))
                for _ in range(1 + (index % 3 == 0) + (index >= 10 and index % 5 == 0)):
                    make, models = rng.choice(MAKES)
                    year = rng.randint(2012, 2025)
                    first_reg = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                    await customers.create_vehicle(session, admin, customers.VehicleInput(
                        registration=_plate(rng, thai=locale == Locale.TH), vin=_vin(rng), make=make,
                        model=rng.choice(models), year=year, colour=rng.choice(COLOURS),
                        fuel=customers.FuelType.DIESEL if make in ("Isuzu",) else customers.FuelType.PETROL,
                        first_registration_date=first_reg, mileage=rng.randint(5, 180) * 1000,
                        owner_id=customer.id,
                        mot_expiry=today + dt.timedelta(days=rng.randint(-30, 330)) if locale == Locale.EN else None,
                        kind=VehicleKind.CAR,
                        # a Thai car's compulsory insurance (พ.ร.บ.): spread over the year, every fourth within the
                        # 30-day lead time (not from rng, so the rest of the demo stays as it was)
                        insurance_expiry=_demo_insurance_expiry(today, vehicle_count) if locale == Locale.TH else None,
                    ))
                    vehicle_count += 1
            from backend.inventory import demo as inventory_demo
            from backend.workshop import demo as workshop_demo

            await workshop_demo.seed(session, admin)
            await inventory_demo.seed(session, admin)
            await workshop_demo.seed_jobs(session, garage.id, main_site.id)
            from backend.billing import demo as billing_demo

            await billing_demo.seed(session, garage.id, main_site.id)
            from backend.inspections import demo as inspections_demo

            await inspections_demo.seed(session, admin)
        return True
    finally:
        await db.dispose()


async def create_user_cli(database_url: str, args, password: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            if args.new_garage:
                garage = await accounts.create_garage(session, accounts.GarageSettingsInput(name=args.new_garage))
            elif args.garage:
                garage = await session.get(Garage, uuid.UUID(args.garage))
            else:
                garages = list((await session.execute(select(Garage).limit(2))).scalars())
                garage = garages[0] if len(garages) == 1 else None
            if garage is None:
                print("name the garage with --garage ID, or create one with --new-garage NAME")
                return 2
            actor = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN,
                          name="mototrack create-user")
            streams = [OperationsStream(s.strip().upper()) for s in args.streams.split(",") if s.strip()]
            try:
                user = await accounts.create_user(session, actor, accounts.UserInput(
                    email=args.email, name=args.name, password=password, role=Role(args.role.upper()),
                    streams=streams))
            except Exception as exc:  # noqa: BLE001 - report the problem to the operator
                from backend.core.errors import DomainError, DomainErrors

                errors = exc.errors if isinstance(exc, DomainErrors) else [exc] if isinstance(exc, DomainError) else None
                if errors is None:
                    raise
                for e in errors:
                    print(f"{e.field or ''}: {e.message('en')}")
                return 1
            print(f"created {user.role.value} {user.email} in garage {garage.name} ({garage.id})")
        return 0
    finally:
        await db.dispose()
