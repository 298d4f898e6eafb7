"""Plain text out of the document types the researcher ingests: txt, md, html and pdf."""

from __future__ import annotations

from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf"})


class UnsupportedDocument(ValueError):
    """A file whose type the researcher cannot read."""


def extract_text(path: Path) -> str:
    """The readable text of ``path``: HTML without scripts and styles, PDF page by page."""
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md", ".markdown"):
        return path.read_text(encoding="utf-8", errors="replace")
    if suffix in (".html", ".htm"):
        from bs4 import BeautifulSoup  # parsers load only for the types present

        soup = BeautifulSoup(path.read_bytes(), "html.parser")
        for hidden in soup(["script", "style", "noscript", "template"]):
            hidden.decompose()
        return soup.get_text("\n", strip=True)
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    raise UnsupportedDocument(f"{path.name}: unsupported type {suffix!r} (txt, md, html, pdf)")
