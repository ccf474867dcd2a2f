"""Adapter for fpdf2: a plain document (title, key/value list, headed tables, notes) → PDF bytes. No Django.

fpdf2 is pure Python (its only dependencies, Pillow, fontTools and defusedxml, install as wheels), so
the PDF needs no system library, browser or network. The built-in Helvetica covers Latin-1 only, so
text is folded to Latin-1 (dashes and arrows to ASCII look-alikes, anything else to "?") rather than
shipping a font file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

_FOLD = str.maketrans(
    {"—": "-", "–": "-", "→": "->", "≥": ">=", "≤": "<=", "×": "x", "…": "...", "’": "'", "“": '"', "”": '"'}
)


def latin1(text) -> str:
    s = "" if text is None else str(text)
    return s.translate(_FOLD).encode("latin-1", "replace").decode("latin-1")


@dataclass
class Table:
    heading: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Document:
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    sections: list[tuple[str, list[Table | str]]] = field(default_factory=list)  # (heading, tables or paragraphs)
    footer: str = ""


def render(doc: Document) -> bytes:
    """The document as a PDF (A4 portrait), tables with a repeated header row when they break a page."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(datetime.now(UTC))
    pdf.set_title(latin1(doc.title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(width, 8, latin1(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if doc.facts:
        pdf.set_font("Helvetica", size=9)
        with pdf.table(col_widths=(35, 65), first_row_as_headings=False, line_height=5) as t:
            for label, value in doc.facts:
                row = t.row()
                row.cell(latin1(label), style=FontFace(emphasis="BOLD"))
                row.cell(latin1(value))
    for heading, parts in doc.sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, latin1(heading), new_x="LMARGIN", new_y="NEXT")
        for part in parts:
            if isinstance(part, str):
                pdf.set_font("Helvetica", size=9)
                pdf.multi_cell(width, 5, latin1(part), new_x="LMARGIN", new_y="NEXT")
                continue
            pdf.set_font("Helvetica", "B", 10)
            pdf.multi_cell(width, 6, latin1(part.heading), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=8)
            widths = (3,) + (1,) * (len(part.columns) - 1)
            with pdf.table(col_widths=widths, line_height=4.5, repeat_headings=1) as t:
                head = t.row()
                for c in part.columns:
                    head.cell(latin1(c))
                for r in part.rows:
                    row = t.row()
                    for v in r:
                        row.cell(latin1(v))
            if part.note:
                pdf.set_font("Helvetica", "I", 8)
                pdf.multi_cell(width, 4.5, latin1(part.note), new_x="LMARGIN", new_y="NEXT")
    if doc.footer:
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(width, 4.5, latin1(doc.footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
