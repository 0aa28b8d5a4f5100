"""A document shown in a Jupyter / VS Code notebook: one self-contained block of HTML (no
server, no network, still working in a saved notebook) with the figure at every depth of
the module tree, pan (drag), zoom (wheel), and each layer's type, shapes, params and MACs
on hover; static renderers fall back to the plain SVG (``Document._repr_svg_``).
"""

from __future__ import annotations

import html
import json
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.pyapi import Document

MAX_DEPTHS = 4  # figures embedded per document: all layers plus depths 1..4


def document_html(doc: Document) -> str:
    from netcanvas.render.depth import collapse

    graph, analysis = doc.graph, doc.analysis
    deepest = max((len(n.scope.split(".")) for n in graph.nodes if n.scope), default=0)
    panes: list[tuple[str, str]] = [("all layers", doc.figure("svg").decode())]
    info: dict[str, str] = _info(analysis)
    for depth in range(1, min(deepest, MAX_DEPTHS) + 1):
        panes.append((f"depth {depth}", doc.figure("svg", depth=depth).decode()))
        info.update(_info(collapse(graph, analysis, depth)[1]))
    uid = f"nc-{uuid.uuid4().hex[:12]}"
    options = "".join(
        f'<option value="{i}">{html.escape(label)}</option>' for i, (label, _) in enumerate(panes)
    )
    chooser = f"<select class='nc-depth'>{options}</select>" if len(panes) > 1 else ""
    bodies = "".join(
        f'<div class="nc-pane" data-pane="{i}"{"" if i == 0 else " hidden"}>{svg_text}</div>'
        for i, (_, svg_text) in enumerate(panes)
    )
    totals = (
        f"{html.escape(graph.name)} · {len(analysis.nodes)} layers · "
        f"{analysis.params:,} params · {analysis.macs:,} MACs"
    )
    data = json.dumps(info).replace("</", "<\\/")
    return (
        f'<div id="{uid}" class="nc-view" style="font:12px sans-serif">'
        f'<div style="display:flex;gap:12px;align-items:center;margin:4px 0">{chooser}'
        f'<span class="nc-totals">{totals}</span></div>'
        f'<div class="nc-stage" style="position:relative;overflow:hidden;height:560px;'
        f'border:1px solid #ccc;cursor:grab;background:#fff">'
        f'<div class="nc-world" style="transform-origin:0 0">{bodies}</div>'
        f'<div class="nc-tip" style="position:absolute;display:none;pointer-events:none;'
        f'background:#222;color:#fff;padding:4px 6px;border-radius:3px;white-space:pre"></div>'
        f"</div><script>({_SCRIPT})({json.dumps(uid)}, {data});</script></div>"
    )


def _info(analysis: Analysis) -> dict[str, str]:
    """Each drawn box's hover text."""
    from netcanvas.graph.shapes import fmt

    out = {}
    for r in analysis.nodes:
        shapes = ", ".join(fmt(s) if s is not None else "?" for s in r.output_shapes)
        text = f"{r.name} ({r.type})\n{shapes}\nparams {r.params:,} · MACs {r.macs:,}"
        if r.error:
            text += f"\nerror: {r.error}"
        out[r.name] = text
    return out


# Pan, zoom, hover and the depth choice; plain DOM, nothing fetched.
_SCRIPT = """function (uid, info) {
  var root = document.getElementById(uid);
  var stage = root.querySelector('.nc-stage'), world = root.querySelector('.nc-world');
  var tip = root.querySelector('.nc-tip'), chooser = root.querySelector('.nc-depth');
  var x = 0, y = 0, k = 1, drag = null;
  function place() {
    world.style.transform = 'translate(' + x + 'px,' + y + 'px) scale(' + k + ')';
  }
  stage.addEventListener('pointerdown', function (e) {
    drag = [e.clientX - x, e.clientY - y]; stage.style.cursor = 'grabbing';
  });
  window.addEventListener('pointerup', function () { drag = null; stage.style.cursor = 'grab'; });
  stage.addEventListener('pointermove', function (e) {
    if (drag) { x = e.clientX - drag[0]; y = e.clientY - drag[1]; place(); }
    var node = e.target.closest ? e.target.closest('g.node') : null;
    var text = node ? info[node.id.slice(5)] : null;
    if (!text) { tip.style.display = 'none'; return; }
    var box = stage.getBoundingClientRect();
    tip.textContent = text; tip.style.display = 'block';
    tip.style.left = (e.clientX - box.left + 12) + 'px';
    tip.style.top = (e.clientY - box.top + 12) + 'px';
  });
  stage.addEventListener('pointerleave', function () { tip.style.display = 'none'; });
  stage.addEventListener('wheel', function (e) {
    e.preventDefault();
    var box = stage.getBoundingClientRect(), px = e.clientX - box.left, py = e.clientY - box.top;
    var f = Math.exp(-e.deltaY * 0.0015), nk = Math.min(8, Math.max(0.05, k * f));
    x = px - (px - x) * nk / k; y = py - (py - y) * nk / k; k = nk; place();
  }, { passive: false });
  if (chooser) chooser.addEventListener('change', function () {
    root.querySelectorAll('.nc-pane').forEach(function (p) {
      p.hidden = p.dataset.pane !== chooser.value;
    });
  });
}"""


def summary_html(analysis: Analysis) -> str:
    """The summary table as an HTML table (what ``str(summary)`` prints, as cells)."""
    from netcanvas.graph.shapes import fmt

    head = "".join(f"<th>{h}</th>" for h in ("Layer", "Type", "Output shape", "Params", "MACs"))
    rows = []
    for r in analysis.nodes:
        shapes = ", ".join(fmt(s) if s is not None else "?" for s in r.output_shapes)
        style = ' style="color:#b00"' if r.error else ""
        rows.append(
            f"<tr{style}><td>{html.escape(r.name)}</td><td>{html.escape(r.type)}</td>"
            f"<td>{shapes}</td><td style='text-align:right'>{r.params:,}</td>"
            f"<td style='text-align:right'>{r.macs:,}</td></tr>"
        )
    foot = (
        f"<tr><th colspan='3'>Total</th><th style='text-align:right'>{analysis.params:,}</th>"
        f"<th style='text-align:right'>{analysis.macs:,}</th></tr>"
    )
    notes = "".join(f"<li>{html.escape(w)}</li>" for w in [*analysis.errors, *analysis.warnings])
    return (
        f"<div><b>{html.escape(analysis.name)}</b><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "</div>"
    )
