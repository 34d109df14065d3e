"""The accessible HTML page that wraps every report.

One stylesheet, inline, with the Analysis Function palette; a ``lang`` attribute, a skip link,
a ``main`` landmark, visible focus (#12436D on #BFBFBF), and print rules for the PDF. Nothing
is loaded from elsewhere, so the file works offline and can be e-mailed as it is.
"""

from __future__ import annotations

from html import escape

#: Analysis Function categorical palette, in order.
PALETTE: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
FOCUS = "#12436D"
FOCUS_BACKGROUND = "#BFBFBF"

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 1rem; line-height: 1.5;
       color: #0b0c0c; background: #ffffff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 2rem; margin: 1rem 0 0.5rem; color: #0b0c0c; }
h2 { font-size: 1.5rem; margin: 2rem 0 0.5rem; padding-top: 0.5rem;
     border-top: 4px solid #12436D; }
h3 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
a { color: #12436D; text-decoration: underline; }
a:focus, summary:focus, [tabindex]:focus { outline: 3px solid #12436D;
     background: #BFBFBF; color: #0b0c0c; }
.skip-link { position: absolute; left: -999px; top: 0; }
.skip-link:focus { left: 1rem; top: 1rem; padding: 0.5rem; z-index: 10; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.95rem;
        width: auto; max-width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; caption-side: top; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; vertical-align: top; }
thead th { background: #f3f2f1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.compact { font-size: 0.8rem; }
table.compact th, table.compact td { padding: 0.2rem 0.3rem; }
figure { margin: 1rem 0 1.5rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #b1b4b6; }
figcaption { font-size: 0.95rem; margin-top: 0.25rem; }
.summary-box { border-left: 6px solid #12436D; background: #f3f2f1; padding: 0.75rem 1rem; }
.note { border-left: 6px solid #3D3D3D; padding: 0.5rem 1rem; background: #f8f8f8; }
.unavailable { border-left: 6px solid #801650; padding: 0.5rem 1rem; background: #f8f8f8; }
.rating { font-weight: bold; }
details { margin: 0.5rem 0 1rem; }
summary { cursor: pointer; color: #12436D; text-decoration: underline; }
.jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { margin: 0;
        padding: 0; border: 0; }
pre { white-space: pre-wrap; background: #f8f8f8; padding: 0.5rem; }
header.decision h1 { font-size: 1.6rem; margin-bottom: 0.25rem; }
section.decision h2 { margin-top: 0.75rem; }
section.decision h3 { font-size: 1.05rem; margin: 0.75rem 0 0.25rem; }
ol.conclusions li { margin-bottom: 0.35rem; }
.grade { font-weight: bold; }
.small { font-size: 0.9rem; }
dl.glossary dt { font-weight: bold; margin-top: 0.4rem; }
dl.glossary dd { margin: 0 0 0 1.5rem; }
@media print {
  @page { size: A4; margin: 14mm 14mm 16mm; }
  body { font-size: 10pt; }
  header.decision, section.decision { font-size: 9pt; line-height: 1.3; }
  section.decision ul, section.decision ol { margin: 0.2rem 0; }
  section.decision { break-after: page; }
  #contents { break-after: page; }
  .appendix-start { break-before: page; }
  main { max-width: none; padding: 0; }
  h2 { break-before: auto; break-after: avoid; }
  figure, tr { break-inside: avoid; }
  table { break-inside: auto; }
  thead { display: table-header-group; }
  h3, caption { break-after: avoid; }
  .skip-link, details > summary { display: none; }
  details { display: block; }
  a { color: #0b0c0c; }
}
"""


#: Bidirectional control characters (embeddings, overrides, isolates and marks): a name such
#: as ``"abc\u202edcba"`` would display reversed; they are removed from every page.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_NO_BIDI = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi(text: str) -> str:
    """Return ``text`` without bidirectional control characters (:data:`BIDI_CONTROLS`)."""
    return text.translate(_NO_BIDI)


def page(body: str, *, title: str, lang: str = "en") -> str:
    """Wrap report content in the accessible page shell.

    Bidirectional control characters are removed from the whole page (:func:`strip_bidi`), so
    no input text can reorder what a reader sees.

    Parameters
    ----------
    body : str
        HTML content (already escaped where needed).
    title : str
        Page title (escaped here).
    lang : str
        Language of the page.
    """
    return strip_bidi(
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        '<a class="skip-link" href="#main">Skip to main content</a>\n'
        f'<main id="main">\n{body}\n</main>\n</body>\n</html>\n'
    )


def section(heading: str, content: str, *, level: int = 2, anchor: str | None = None) -> str:
    """Return a ``section`` element with a heading of the given level."""
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<section{ident}><h{level}>{escape(heading)}</h{level}>\n{content}\n</section>"


def paragraph(text: str) -> str:
    """Return an escaped paragraph."""
    return f"<p>{escape(text)}</p>"


def bullet_list(items: list[str]) -> str:
    """Return an escaped bulleted list."""
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def unavailable(what: str, why: str) -> str:
    """Say plainly that a section is not available, and why (never fake it)."""
    return (
        f'<div class="unavailable"><p><strong>{escape(what)} is not available in this '
        f"report.</strong> {escape(why)}</p></div>"
    )
