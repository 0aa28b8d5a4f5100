"""Write docs/layers.md from the layer registry (``make docs``); a test keeps it current."""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "layers.md"


def render() -> str:
    from netcanvas.layers import catalogue

    entries = catalogue()
    by_category: dict[str, list[dict[str, object]]] = {}
    for entry in entries:
        by_category.setdefault(str(entry["category"]), []).append(entry)
    lines = [
        "# Layer catalogue",
        "",
        "Generated from the registry by `make docs`; do not edit by hand.",
        f"{len(entries)} types. Shapes include the batch dimension, channels first.",
        "",
    ]
    for category in sorted(by_category):
        lines += [f"## {category}", ""]
        for entry in sorted(by_category[category], key=lambda e: str(e["type"])):
            lines += [f"### {entry['type']}", "", str(entry["doc"]), ""]
            props = entry["params"].get("properties", {})  # type: ignore[attr-defined]
            if props:
                lines += ["| setting | default | description |", "|---|---|---|"]
                for key, field in props.items():
                    default = field.get("default", "")
                    lines.append(f"| `{key}` | `{default}` | {field.get('description', '')} |")
                lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text() == text else 1)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
