"""How fast and how well a PDF report parses, against reading its text alone.

    .venv/bin/python benchmarks/pdf_parse.py [--rounds N]

Typesets the shipped report as a PEEL PDF with the tests' builder
(tests/pdfs.py: running header and footer, footnotes at the page foot,
hyphenation, ligatures, two-column pages, words drawn in shuffled order),
then times, as medians over the rounds: PDFium alone opening the document
and extracting each page's raw text (the floor), peelqa's reader (glyph
geometry into lines and blocks), and the whole parse into passages; and, for
scale, the parse of the seed text. Prints the ratios, and the share of body
paragraphs that report the right page and that come out whole and identical
to the seed parse. Run it by hand; the tests assert floors on quality, never
times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from pdfs import build_pdf, scores, wiltshire_document  # noqa: E402

from peelqa.parsing import parse_bytes, parse_file  # noqa: E402
from peelqa.parsing.pdf import read_pdf  # noqa: E402

REPORT = REPO / "corpus" / "peel-effectiveness-2015-wiltshire.txt"


def pdfium_text(data: bytes) -> None:
    document = pdfium.PdfDocument(data)
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    document.close()


def median_ms(func: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds (CPU time suffers less from a busy machine)."""
    wall, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    seed = parse_file(REPORT)
    started = time.perf_counter()
    built = build_pdf(wiltshire_document(REPORT.read_text(encoding="utf-8"), seed))
    print(f"built a {built.pages}-page PDF ({len(built.data) / 1024:.0f} KB) in {time.perf_counter() - started:.1f} s")

    parsed = parse_bytes(built.data, source="report.pdf", report_id="report")
    floor = median_ms(lambda: pdfium_text(built.data), args.rounds)
    reader = median_ms(lambda: read_pdf(built.data, "report.pdf"), args.rounds)
    whole = median_ms(lambda: parse_bytes(built.data, source="report.pdf", report_id="report"), args.rounds)
    text = median_ms(lambda: parse_file(REPORT), args.rounds)
    right_page, identical = scores(built, parsed.passages)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; medians of {args.rounds}, wall / CPU")
    print(f"PDFium raw text, all pages     {floor[0]:6.0f} / {floor[1]:4.0f} ms")
    for label, (wall, cpu) in (("peelqa PDF reader (geometry)", reader), ("peelqa parse of the PDF", whole)):
        print(f"{label:30} {wall:6.0f} / {cpu:4.0f} ms  ({cpu / floor[1]:.1f}× the raw text's CPU, {cpu / built.pages:.1f} ms a page)")
    print(f"peelqa parse of the seed text  {text[0]:6.0f} / {text[1]:4.0f} ms")
    print(f"body paragraphs on the right page: {right_page:.1%}; whole and identical to the seed parse: {identical:.1%}")


if __name__ == "__main__":
    main()
