"""PDF render time for a 30-line Thai tax invoice: cold (a new process: imports, fonts loading) and warm.

    .venv/bin/python bench/pdf_render.py [--lines 30] [--rounds 20] [--locale th] [--promptpay]

The cold figure is measured in a fresh child process (import of WeasyPrint and the first render, which loads the
fonts); the warm figures are the mean, median and max of `--rounds` further renders in this process, each one laid
out again (the cache of rendered documents bypassed), then the same document fetched from that cache.

Profile a warm render:  .venv/bin/python -m cProfile -s tottime bench/pdf_render.py --rounds 5 | head -40
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_view(lines: int, locale: str, promptpay: bool = False):
    import dataclasses

    from backend.billing import promptpay as qr
    from backend.billing.documents.view import DocumentView, LineView, Party, QrView
    from backend.core.money import line_amounts

    rows = []
    for i in range(1, lines + 1):
        unit = 25000 + 1750 * i
        quantity = Decimal(1 + i % 3)
        a = line_amounts(quantity, unit, 0, Decimal(7), False)
        rows.append(LineView(i, "PART" if i % 2 else "LABOUR", f"อะไหล่และค่าแรงรายการที่ {i} เปลี่ยนน้ำมันเครื่อง กรองอากาศ",
                             quantity, unit, 0, a.net, a.tax, a.total))
    subtotal, tax = sum(r.net for r in rows), sum(r.tax for r in rows)
    view = DocumentView(
        kind="invoice", document_id=uuid.UUID("0190f000-0000-7000-8000-000000000030"), locale=locale,
        currency="THB", number="INV-2026-000030", issue_date=dt.date(2026, 3, 14),
        seller=Party("บริษัท โมโตแทร็ก การาจ จำกัด", "99/9 ถนนพระราม 9 แขวงห้วยขวาง เขตห้วยขวาง กรุงเทพมหานคร 10310",
                     "0105561234560", "00000"),
        buyer=Party("บริษัท สยามขนส่ง จำกัด", "123 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพมหานคร 10110",
                    "0105559876541", "00002"),
        lines=tuple(rows), subtotal=subtotal, tax_total=tax, total=subtotal + tax, tax_label="VAT",
        tax_rate=Decimal(7), status="ISSUED", due_date=dt.date(2026, 4, 13), balance_due=subtotal + tax,
    )
    if promptpay:  # the QR for the balance due, made as the document views make it (payload, segno SVG)
        code = qr.PromptPayQr(qr.payload(view.total, promptpay_id="0812345678"), view.total)
        view = dataclasses.replace(view, promptpay=QrView(code.payload, code.svg_data_uri(), code.amount))
    return view


def cold_child(lines: int, locale: str, promptpay: bool = False) -> None:
    start = time.perf_counter()
    from backend.billing.documents.render import render_pdf

    imported = time.perf_counter()
    pdf = render_pdf(make_view(lines, locale, promptpay))
    done = time.perf_counter()
    print(f"{imported - start:.4f} {done - imported:.4f} {len(pdf)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--locale", default="th", choices=("th", "en"))
    parser.add_argument("--promptpay", action="store_true", help="with the PromptPay QR for the balance due")
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        cold_child(args.lines, args.locale, args.promptpay)
        return

    out = subprocess.run([sys.executable, __file__, "--cold-child", "--lines", str(args.lines), "--locale",
                          args.locale] + (["--promptpay"] if args.promptpay else []), check=True, capture_output=True, text=True, cwd=ROOT).stdout.split()
    import_s, first_s, size = float(out[0]), float(out[1]), int(out[2])

    from backend.billing.documents.render import render_pdf
    view = make_view(args.lines, args.locale, args.promptpay)
    render_pdf(view)  # this process's own first render is not counted (and fills the cache)
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        render_pdf(view, use_cache=False)
        times.append(time.perf_counter() - start)
    cached = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        render_pdf(view)
        cached.append(time.perf_counter() - start)
    print(f"{args.lines}-line {args.locale} invoice{' with PromptPay QR' if args.promptpay else ''}, {size} bytes")
    print(f"cold (new process): import {import_s * 1000:.0f} ms + first render {first_s * 1000:.0f} ms "
          f"= {(import_s + first_s) * 1000:.0f} ms")
    print(f"warm over {args.rounds} renders: mean {statistics.mean(times) * 1000:.0f} ms, "
          f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    print(f"from the cache (an issued document fetched again): median {statistics.median(cached) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
