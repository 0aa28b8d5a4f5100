// The source text's error mark: a band over the line the service located the problem on, a
// gutter bar at its left and an underline at its column. A <textarea> cannot style its own
// lines, so the mark is laid over it, measured from its font, and follows its scrolling.

export class ErrorMark {
  /** @param {HTMLTextAreaElement} editor  @param {HTMLElement} band  positioned over the editor */
  constructor(editor, band) {
    this.editor = editor;
    this.band = band;
    this.under = band.querySelector(".source-error-col");
    this.at = null; // {line, column}
    editor.addEventListener("scroll", () => this.place());
    new ResizeObserver(() => this.place()).observe(editor);
  }

  /** Mark 1-based `line` (and `column`), or clear with null. */
  show(at) {
    this.at = at && at.line ? { line: at.line, column: at.column ?? 1 } : null;
    this.band.dataset.line = this.at ? String(this.at.line) : "";
    this.band.dataset.column = this.at ? String(this.at.column) : "";
    this.place();
  }

  /** Width of one character of the editor's monospace font. */
  charWidth() {
    const style = getComputedStyle(this.editor);
    const ctx = (this.canvas ??= document.createElement("canvas")).getContext("2d");
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    return ctx.measureText("0".repeat(10)).width / 10;
  }

  place() {
    const { editor, band, at } = this;
    if (!at || editor.offsetParent === null) {
      band.hidden = !at;
      return;
    }
    const style = getComputedStyle(editor);
    const line = parseFloat(style.lineHeight);
    const top = editor.offsetTop + parseFloat(style.borderTopWidth) + parseFloat(style.paddingTop);
    const y = top + (at.line - 1) * line - editor.scrollTop;
    // Out of sight (scrolled away): no band over the bar or the error line below.
    const visible = y >= editor.offsetTop - 1 && y + line <= editor.offsetTop + editor.clientHeight + 1;
    band.hidden = !visible;
    band.style.top = `${y}px`;
    band.style.height = `${line}px`;
    band.style.left = `${editor.offsetLeft + parseFloat(style.borderLeftWidth)}px`;
    band.style.width = `${editor.clientWidth}px`;
    const left = parseFloat(style.paddingLeft) + (at.column - 1) * this.charWidth() - editor.scrollLeft;
    this.under.style.left = `${Math.max(0, left)}px`;
    this.under.style.width = `${this.charWidth()}px`;
  }
}
