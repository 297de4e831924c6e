"""Every relative link in README.md and docs/*.md resolves, anchors included, and the README
links every doc. Run by `make check`:

    python docs/check_links.py
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text())
    return {anchor(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def problems() -> list[str]:
    readme = ROOT / "README.md"
    docs = sorted((ROOT / "docs").glob("*.md"))
    found = []
    for page in [readme, *docs]:
        text = INLINE_CODE.sub("", FENCE.sub("", page.read_text()))
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, fragment = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            where = page.relative_to(ROOT)
            if not dest.exists():
                found.append(f"{where}: {target} does not exist")
            elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
                found.append(f"{where}: {target} names no heading of {dest.name}")
    readme_text = readme.read_text()
    for doc in docs:
        if doc.name != "README.md" and f"(docs/{doc.name})" not in readme_text:
            found.append(f"README.md does not link docs/{doc.name}")
    return found


if __name__ == "__main__":
    found = problems()
    print("\n".join(found) or "Every link in README.md and docs/ resolves.")
    sys.exit(1 if found else 0)
