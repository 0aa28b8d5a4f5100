// The templates dialog: lists GET /api/templates and opens one (the open-template command)
// as one undoable step.

import { formatCount } from "../view/markup.js";
import { figureDocument } from "./exporter.js";

/**
 * @param {{api: object, run(id: string, argument?: unknown): unknown,
 *   atRisk?: () => string|null}} host  atRisk: what opening a template would replace that
 *   cannot be had again (a description), or null
 */
export class TemplatesDialog {
  constructor(dialog, host) {
    this.dialog = dialog;
    this.host = host;
    this.list = dialog.querySelector(".template-list");
    this.confirm = dialog.querySelector(".template-confirm");
    /** slug -> object URL of its figure, drawn once per page */
    this.thumbUrls = new Map();
    this.confirm.querySelector("[data-testid=template-cancel]").addEventListener("click", () => {
      this.confirm.hidden = true;
    });
    this.confirm.querySelector("[data-testid=template-replace]").addEventListener("click", () => {
      this.confirm.hidden = true;
      if (this.pending) this.openTemplate(this.pending);
    });
  }

  get open() {
    return this.dialog.open;
  }

  async show() {
    this.confirm.hidden = true;
    this.list.replaceChildren(document.createTextNode("Loading…"));
    this.dialog.showModal();
    try {
      const templates = await this.host.api.templates();
      this.list.replaceChildren(...templates.map((t) => this.item(t)));
      this.drawThumbs(templates);
    } catch (error) {
      this.list.textContent = `Templates are unavailable: ${error.message}`;
    }
  }

  item(template) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "template";
    button.setAttribute("data-testid", `template-${template.slug}`);
    const title = document.createElement("strong");
    title.textContent = template.name ?? template.slug;
    const about = document.createElement("span");
    about.className = "muted";
    about.textContent = template.description ?? "";
    // What a person compares templates by: size and cost, as the stats bar writes them.
    const facts = document.createElement("span");
    facts.className = "template-facts";
    facts.setAttribute("data-testid", `template-facts-${template.slug}`);
    facts.textContent = [
      template.layers !== undefined ? `${template.layers} layers` : "",
      template.params !== undefined ? `${formatCount(template.params)} params` : "",
      template.macs !== undefined ? `${formatCount(template.macs)} MACs` : "",
    ]
      .filter(Boolean)
      .join(" · ");
    const thumb = document.createElement("img");
    thumb.className = "template-thumb";
    thumb.alt = "";
    thumb.setAttribute("data-testid", `template-thumb-${template.slug}`);
    if (this.thumbUrls.has(template.slug)) thumb.src = this.thumbUrls.get(template.slug);
    button.append(thumb, title, about, facts);
    button.addEventListener("click", () => {
      // Work that cannot be had again is not replaced without asking (undo would bring it
      // back, but a person choosing a template may not know that).
      const risk = this.host.atRisk?.() ?? null;
      if (!risk) {
        this.openTemplate(template);
        return;
      }
      this.pending = template;
      this.confirm.querySelector(".template-confirm-text").textContent =
        `Replace ${risk} with ${template.name ?? template.slug}? Undo (Ctrl+Z) brings it back.`;
      this.confirm.hidden = false;
      this.confirm.querySelector("[data-testid=template-replace]").focus();
    });
    return button;
  }

  /**
   * Thumbnails: each template's exported figure, one request at a time (a 2-core server is
   * also analysing), while the dialog is open; drawn once per page.
   */
  async drawThumbs(templates) {
    for (const template of templates) {
      if (!this.dialog.open) return;
      if (!this.thumbUrls.has(template.slug)) {
        try {
          const answer = await this.host.api.template(template.slug);
          const { blob } = await this.host.api.export("svg", figureDocument(answer.document ?? answer), {});
          this.thumbUrls.set(template.slug, URL.createObjectURL(blob));
        } catch {
          continue; // no thumbnail: the name, description and counts still say what it is
        }
      }
      const img = this.list.querySelector(`[data-testid="template-thumb-${template.slug}"]`);
      if (img) img.src = this.thumbUrls.get(template.slug);
    }
  }

  async openTemplate(template) {
    this.pending = null;
    if (await this.host.run("open-template", template.slug)) this.dialog.close();
  }
}
