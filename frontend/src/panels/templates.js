// The templates dialog: lists GET /api/templates and opens one (the open-template command)
// as one undoable step.

/** @param {{api: object, run(id: string, argument?: unknown): unknown}} host */
export class TemplatesDialog {
  constructor(dialog, host) {
    this.dialog = dialog;
    this.host = host;
    this.list = dialog.querySelector(".template-list");
  }

  get open() {
    return this.dialog.open;
  }

  async show() {
    this.list.replaceChildren(document.createTextNode("Loading…"));
    this.dialog.showModal();
    try {
      const templates = await this.host.api.templates();
      this.list.replaceChildren(...templates.map((t) => this.item(t)));
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
    button.append(title, about);
    button.addEventListener("click", async () => {
      if (await this.host.run("open-template", template.slug)) this.dialog.close();
    });
    return button;
  }
}
