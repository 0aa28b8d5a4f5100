// The editor, composed: the store and the views that read it, the panels, the commands they
// all run (the only writers besides the pointer tools), and the catalogues the service
// serves. Nothing here edits anything or draws anything itself.

import { api } from "./api.js";
import { createGate } from "./commands/documents.js";
import { createCommands, invoke } from "./commands/index.js";
import { Analyzer, loadHooks, nodesByName } from "./model/analyzer.js";
import { figureQuery } from "./model/figures.js";
import { Store } from "./model/store.js";
import { Trainer } from "./model/trainer.js";
import { bindCommandButtons, bindDesignName, bindKeyboard, bindTabs, bindUiTheme } from "./panels/chrome.js";
import { FigurePreview, copyFigure, download } from "./panels/exporter.js";
import { FigurePanel } from "./panels/figure.js";
import { bindFiles } from "./panels/files.js";
import { AnnotateTools } from "./panels/annotate.js";
import { ComparePanel } from "./panels/compare.js";
import { ContextMenu } from "./panels/contextmenu.js";
import { Bookmarks } from "./panels/bookmarks.js";
import { bindFind } from "./panels/find.js";
import { LayerHistograms } from "./panels/histograms.js";
import { Inspector } from "./panels/inspector.js";
import { Minimap } from "./panels/minimap.js";
import { OverlayBar } from "./panels/overlay.js";
import { renderPalette } from "./panels/palette.js";
import { Persistence, autosave, firstDocument, sharedId, sharedRevision } from "./panels/persist.js";
import { bindReadOnly, leaveShareUrl } from "./panels/readonly.js";
import { ScaleControls } from "./panels/scale.js";
import { bindShapeBanner } from "./panels/shapebanner.js";
import { SourcePanel } from "./panels/source.js";
import { StatsPanel } from "./panels/stats.js";
import { TemplatesDialog } from "./panels/templates.js";
import { createToaster } from "./panels/toast.js";
import { TrainPanel } from "./panels/train.js";
import { PreviewTurn } from "./panels/turn.js";
import { installTestHooks } from "./testhook.js";
import { PointerTools } from "./tools/pointer.js";
import { BIG } from "./view/big.js";
import { CanvasView } from "./view/canvas.js";
import { RenderScheduler } from "./view/scheduler.js";
import { Viewport } from "./view/viewport.js";

const $ = (selector) => document.querySelector(selector);
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

async function main() {
  // Tabs, toolbar and keys work from the first paint; what needs a catalogue (the palette,
  // reading a document, the figure selects' choices, the Export menu) waits for it, and says so.
  const catalogue = new Map();
  const formats = api.formats();
  const figures = api.figures();
  let sources = new Set();
  let clip = null;
  let commands = null;
  const run = (id, argument) => invoke(commands, id, argument);

  const store = new Store();
  const notify = createToaster(byTestId("toast"));
  const svg = byTestId("canvas");
  const view = new CanvasView(svg, store, catalogue);
  const viewport = new Viewport(svg, store, view);
  view.size = () => viewport.size();
  const scheduler = new RenderScheduler(view, store, () => viewport.fit());
  const gate = createGate();
  const inspector = new Inspector(byTestId("inspector"), {
    store,
    catalogue,
    run,
    phase: () => byTestId("phase-select").value,
  });
  const stats = new StatsPanel($(".stats"), { onPick: (name) => run("reveal", name) });
  bindFind(byTestId("find-bar"), { store, run });
  const bookmarks = new Bookmarks($(".compare-bar").parentElement, { store, run });
  const source = new SourcePanel($("#panel-source"), {
    store,
    loadDocument: (doc, label, options) => run("load-document", { doc, label, ...options }),
    isVisible: () => !$("#panel-source").hidden,
    openFile: (file) => run("open-file", file),
  });
  const figureParams = () => figureQuery(store.doc, store.session);
  const preview = new FigurePreview(byTestId("figure-preview"), { store, params: figureParams });
  const persistence = new Persistence({ store, notify, shareLink: byTestId("share-link") });
  const templates = new TemplatesDialog(byTestId("templates-dialog"), {
    api,
    run,
    // A new visitor's starter or a just-opened template or saved design is no loss.
    atRisk: () =>
      store.doc.layers.length > 1 && !store.isClean() ? `“${store.doc.name}” (${store.doc.layers.length} layers)` : null,
  });
  // Training: the runs (model), the Train panel, the overlay on the canvas, the histograms.
  const trainer = new Trainer({ api });
  const train = new TrainPanel($("#panel-train"), {
    store,
    trainer,
    api,
    run,
    enabled: (id) => Boolean(commands?.get(id)?.isEnabled()),
    design: () => persistence.design,
  });
  const histograms = new LayerHistograms($(".layer-hist"), { store, trainer, api, shownEpoch: () => overlay.shown });
  const overlay = new OverlayBar($(".overlay-bar"), { store, view, trainer, run, api, onEpoch: () => histograms.sync() });
  const analyzer = new Analyzer({
    request: (doc, signal) => api.analyze(doc, signal),
    analyze: (doc, signal, since) => api.analyzeSince(doc, signal, since),
    onResult: (result) => {
      scheduler.analysed(result);
      inspector.setAnalysis(nodesByName(result));
      stats.set(result);
      overlay.setAnalysis(result);
      svg.dataset.analysed = String(Date.now());
    },
    onError: (error) => {
      scheduler.flush();
      stats.failed(error);
    },
  });
  const showTab = bindTabs({
    onSource: () => source.shown(),
    onTrain: () => train.shown(),
  });

  commands = createCommands({
    store,
    api,
    clipboard: { get: () => clip, set: (payload) => (clip = payload) },
    view: { zoomToFit: () => scheduler.fit(), centreOn: (name) => viewport.centreOn(name) },
    ui: {
      notify,
      rename: () => {
        showTab("palette");
        inspector.update();
        inspector.focusName();
      },
      templates: () => templates.show(),
      phase: () => byTestId("phase-select").value,
      showText: (format, text) => source.showText(format, text),
      sourceChanged: () => source.documentChanged({}),
      leaveShare: leaveShareUrl,
    },
    analysis: loadHooks(analyzer, { store, view }),
    persistence,
    exporter: {
      download: async (format) => download(format, store.doc, figureParams(), notify, await formats),
      copy: (format) => copyFigure(format, store.doc, figureParams(), notify),
    },
    sources: () => sources,
    formats: () => formats,
    whenReady: gate.whenReady,
    trainer,
  });

  const tools = new PointerTools(svg, { store, view, catalogue, notify, run });
  // Finding your way (issue 20): the minimap and the context menu.
  const minimap = new Minimap(byTestId("canvas-wrap"), { store, view, size: () => viewport.size() });
  const setInputShape = (name) => {
    run("reveal", name);
    showTab("inspector");
    inspector.update();
    inspector.focusField("shape");
  };
  const compare = new ComparePanel($(".overlay-bar"), byTestId("canvas-wrap"), {
    store,
    view,
    api,
    formats,
    design: () => persistence.design,
    run,
    notify,
  });
  const annotate = new AnnotateTools($(".annotate-bar"), byTestId("annotate-form"), { store, run, svg });
  new ContextMenu(svg, {
    store,
    commands: () => commands,
    run,
    extra: new Map([
      ["set-input-shape", { isEnabled: () => !store.readOnly, run: setInputShape }],
      ["edit-annotation-text", { isEnabled: () => !store.readOnly, run: (index) => annotate.edit(index) }],
    ]),
  });
  const figure = new FigurePanel(document.body, { store, preview, run });
  const turn = new PreviewTurn(byTestId("figure-preview"), { store, preview, run, figures: () => figure.figures });
  const scale = new ScaleControls(document.body, { store, run, figures: () => figure.figures });
  const updateButtons = bindCommandButtons(commands);
  const syncName = bindDesignName({ input: $("#doc-name"), store, run });
  bindKeyboard({ commands, store, busy: () => templates.open });
  bindUiTheme(byTestId("ui-theme"));
  bindFiles({ button: byTestId("open"), input: byTestId("open-file"), formats, run });
  bindReadOnly({ store, banner: byTestId("readonly-banner"), copyButton: byTestId("make-copy"), run });
  installTestHooks({ store, commands, run });
  const syncShapeBanner = bindShapeBanner({
    banner: byTestId("shape-banner"),
    store,
    phase: () => byTestId("phase-select").value,
    setShape: setInputShape,
  });

  // The autosave writes the whole document: at once for a usual one, and for a big one
  // (~10 MB of JSON at 50,000 layers) once edits pause, and before the page goes away.
  let saveTimer = 0;
  const saveNow = () => {
    clearTimeout(saveTimer);
    saveTimer = 0;
    if (!store.readOnly) autosave(store.doc, persistence.design, store.history());
  };
  const saveSoon = () => {
    clearTimeout(saveTimer);
    if (store.doc.layers.length < BIG) saveNow();
    else saveTimer = setTimeout(saveNow, 1000);
  };
  window.addEventListener("pagehide", () => saveTimer && saveNow());

  store.subscribe((event) => {
    const keys = new Set(event.keys);
    if (event.kind === "document") {
      analyzer.schedule(store.doc, store.modelChanges); // first: the service works on it while this thread draws
      scheduler.documentChanged();
      inspector.update();
      source.documentChanged(event);
      preview.schedule();
      if (!store.readOnly) saveSoon();
      scale.documentChanged();
      compare.documentChanged();
      bookmarks.sync();
      train.documentChanged();
      overlay.documentChanged();
      syncName();
      byTestId("canvas-hint").hidden = store.doc.layers.length > 1;
      syncShapeBanner();
      // Dashed boxes are layers of unknown types: say so while there are any.
      byTestId("canvas-legend").hidden = catalogue.size === 0 || store.doc.layers.every((l) => catalogue.has(l.type));
    } else if (keys.has("fold") || keys.has("groups")) {
      view.render();
    }
    if (keys.has("viewport")) {
      view.setViewport(store.session.viewport);
      overlay.zoomed();
    }
    if (keys.has("selection") || keys.has("hover")) view.renderSelection();
    if (keys.has("selection")) inspector.update();
    if (event.kind === "document" || keys.has("selection") || keys.has("readOnly")) annotate.sync();
    if (keys.has("run")) train.sync();
    if (keys.has("run") || keys.has("overlay")) overlay.sync();
    if (["run", "overlay", "selection"].some((k) => keys.has(k))) histograms.sync();
    if (keys.has("readOnly")) inspector.reset();
    if (event.kind === "document" || ["fold", "figure", "readOnly"].some((k) => keys.has(k))) {
      figure.sync();
      scale.sync();
      turn.sync();
    }
    if (event.kind === "document" || ["viewport", "fold", "groups", "selection"].some((k) => keys.has(k))) {
      minimap.schedule();
    }
    if (keys.has("hover")) return;
    updateButtons();
    train.updateButtons();
  });

  figure.follow(formats, figures).then(() => {
    scale.sync();
    turn.sync();
  });

  let layers = [];
  try {
    layers = await api.layers();
  } catch (error) {
    document.body.classList.add("offline");
    notify(`The layer catalogue is unavailable: ${error.message}`, "info", { sticky: true });
  }
  for (const spec of layers) catalogue.set(spec.type, spec);
  sources = new Set(layers.filter((s) => s.max_inputs === 0).map((s) => s.type));
  renderPalette(byTestId("palette"), catalogue, {
    onAdd: (type) => tools.addAt(type, ...viewport.newLayerPoint(), { wire: true }),
  });

  const id = sharedId();
  if (!(id && (await run("open-shared", { id, revision: sharedRevision() })))) run("restore-document", firstDocument());
  gate.open();
  await Promise.allSettled([formats, figures]);
  document.body.dataset.ready = "true";
}

main();
