"""Large graphs on the server (issue 17): import, analysis, an edit and a figure, for
generated residual nets of 1k, 10k and 50k layers.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000,10000,50000]

Columns, in one process (what a work process does for a request):
- import: `POST /api/import` of the YAML text (work.import_file: read, analyse, answer);
- analyze: `POST /api/analyze` of the document's JSON, first time in this process;
- edit: the same after one convolution's width changed, with `since` (the ETag of the
  answer before): the full answer (only that block is inferred again, docs/scale.md);
- edit, changed only: the same with `changed=only`, as the editor asks: only the
  changed part of the body is read and only the changed nodes are answered;
- render: `netcanvas render --depth 1` of the same net with every 7-layer block in a
  scope under one of 16 stages (service.figure, SVG), so the figure shows 16 boxes.
Targets (issue 17): 50k import and analyze well under 2 s (analyze <= 1 s, 10k <= 0.2 s),
an edit at 10k <= 50 ms on the server, render of 50k with --depth in seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import best_of  # noqa: E402
from residual import residual_yaml  # noqa: E402

from netcanvas import incremental, service, work  # noqa: E402


def tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(
        "| layers | import YAML | analyze JSON | edit + analyze | edit, changed only "
        "| render --depth 1 |"
    )
    print(
        "|-------:|------------:|-------------:|---------------:|-------------------:"
        "|-----------------:|"
    )
    for size in sizes:
        text = residual_yaml(size).encode()
        runs = 3 if size <= 10_000 else 1
        imported = best_of(
            runs, lambda text=text: work.import_file(text, "", "yaml", "TEST", {}, False, None)
        )
        document = json.loads(work.import_file(text, "", "yaml", "TEST", {}, False, None))
        document = document["document"]
        # What the editor sends: JSON.stringify, no blanks.
        body = json.dumps(document, separators=(",", ":")).encode()
        incremental._clear()
        analysed = best_of(1, lambda body=body: work.analyze_document(body, None, tag(body)))
        convs = [layer for layer in document["layers"] if layer["name"].endswith("_conv1")]
        edits: dict[bool, list[float]] = {False: [], True: []}
        # Three edits in a row, as a person makes them: the block's second convolution
        # gives the old width back, so the shapes downstream stay as they were.
        for only in (False, True):
            for width in (32, 48, 64):
                convs[len(convs) // 2]["out_channels"] = width
                edited = json.dumps(document, separators=(",", ":")).encode()
                since, body = tag(body), edited
                edits[only].append(
                    best_of(
                        1,
                        lambda b=edited, s=since, o=only: work.analyze_document(
                            b, None, tag(b), s, o
                        ),
                    )
                )
        # The same net with its blocks in 16 modules, drawn one box per module.
        per_module = max(1, size // 7 // 16)
        graph, _ = service.open_model(
            residual_yaml(size, blocks_per_module=per_module).encode(), "net.yaml"
        )
        rendered = best_of(1, lambda graph=graph: service.figure(graph, "svg", {"depth": 1}))
        print(
            f"| {size:>6,} | {imported:>9.2f} s | {analysed:>10.2f} s | "
            f"{statistics.median(edits[False]) * 1000:>11.0f} ms | "
            f"{statistics.median(edits[True]) * 1000:>15.1f} ms | {rendered:>14.2f} s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
