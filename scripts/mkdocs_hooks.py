"""MkDocs hooks: the repository's README and data field guide as pages of the site.

The README and ``data_schema/README.md`` live outside ``docs/`` and are read on the repository
host; the guides link to them (``../../README.md``). The site carries a copy of each, with
their links rewritten to the site's pages, so those links resolve while ``mkdocs build
--strict`` still fails on any other broken link. A link to a repository file that is not in the
site (``LICENSE``, ``CHANGELOG.md``) keeps its words and loses its target.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

# repository path -> page in the site
COPIES = {"README.md": "index.md", "data_schema/README.md": "field-guide.md"}
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s#]+)(#[^)\s]*)?\)")


def _repo_root(config: Any) -> Path:
    return Path(config.config_file_path).parent


def _relink(markdown: str, source: str, page: str, docs_dir: str) -> str:
    """Rewrite relative links of the repository file ``source`` for the site page ``page``."""
    here = posixpath.dirname(source)
    page_dir = posixpath.dirname(page)

    def replace(match: re.Match[str]) -> str:
        words, target, anchor = match.group(1), match.group(2), match.group(3) or ""
        if "://" in target or target.startswith("mailto:"):
            return match.group(0)
        in_repo = posixpath.normpath(posixpath.join(here, target))
        if in_repo in COPIES:
            site_target = COPIES[in_repo]
        elif in_repo.startswith(docs_dir + "/"):
            site_target = in_repo[len(docs_dir) + 1:]
        elif source.startswith(docs_dir + "/"):
            return match.group(0)  # a guide's own link: left for strict mode to check
        else:
            return words
        return f"[{words}]({posixpath.relpath(site_target, page_dir or '.')}{anchor})"

    return _LINK.sub(replace, markdown)


def on_files(files: Files, config: Any) -> Files:
    """Add the README and the field guide to the site's files."""
    root = _repo_root(config)
    docs_dir = Path(config.docs_dir).relative_to(root).as_posix()
    for source, page in COPIES.items():
        text = (root / source).read_text(encoding="utf-8")
        files.append(File.generated(config, page, content=_relink(text, source, page, docs_dir)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point a guide's links to the README or field guide at their copies in the site."""
    if page.file.generated_by:
        return markdown
    root = _repo_root(config)
    docs_dir = Path(config.docs_dir).relative_to(root).as_posix()
    source = f"{docs_dir}/{page.file.src_uri}"
    return _relink(markdown, source, page.file.src_uri, docs_dir)
