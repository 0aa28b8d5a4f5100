// Persistence: autosave to localStorage on every change, save to the server with revisions
// and an edit key, share links /d/{id} that open read-only with "make a copy".

import { api, ApiError } from "../api.js";

const AUTOSAVE_KEY = "netcanvas:autosave";
const KEYS_KEY = "netcanvas:designs";

function readJson(key, fallback) {
  try {
    const text = localStorage.getItem(key);
    return text ? JSON.parse(text) : fallback;
  } catch {
    return fallback;
  }
}

/** What a new visitor starts from. */
const STARTER = {
  netcanvas: 1,
  name: "untitled",
  layers: [{ name: "data", type: "Input", shape: [1, 3, 224, 224], inputs: [] }],
  view: { positions: { data: [0, 0] } },
};

export function loadAutosave() {
  const saved = readJson(AUTOSAVE_KEY, null);
  return saved && Array.isArray(saved.document?.layers) ? saved : null;
}

/** The restore-document command's argument at start-up: the autosave, or a new design. */
export function firstDocument() {
  const saved = loadAutosave();
  return saved
    ? { doc: saved.document, design: saved.design, history: saved.history ?? null }
    : { doc: STARTER, label: "New design" };
}

/** Keep the document (and, when given, its undo history: Store.history()) in this browser. */
export function autosave(doc, design, history = null) {
  try {
    localStorage.setItem(AUTOSAVE_KEY, JSON.stringify({ document: doc, design, history, time: Date.now() }));
    return true;
  } catch {
    return false; // storage full or disabled: the editor keeps working
  }
}

/** The share id in /d/{id}, or null. */
export function sharedId(pathname = location.pathname) {
  const match = /^\/d\/([^/]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

/** The revision asked for in /d/{id}?revision=N (a training run's design link), or null. */
export function sharedRevision(search = location.search) {
  const n = Number(new URLSearchParams(search).get("revision"));
  return Number.isInteger(n) && n > 0 ? n : null;
}

export class Persistence {
  /** host: {store, notify, shareLink: HTMLAnchorElement} */
  constructor(host) {
    this.host = host;
    this.design = null; // {id, revision}
  }

  keys() {
    return readJson(KEYS_KEY, {});
  }

  rememberKey(id, key) {
    const keys = this.keys();
    keys[id] = key;
    localStorage.setItem(KEYS_KEY, JSON.stringify(keys));
  }

  /** True when this browser holds the edit key of design `id` (it was saved from here). */
  owns(id) {
    return Boolean(this.keys()[id]);
  }

  /** A design not saved yet (a template, a copy): no share link. */
  forget() {
    this.design = null;
    this.showLink();
  }

  /** The saved design this document is; `showLink: false` for one shown read-only. */
  adopt(design, { showLink = true } = {}) {
    this.design = design;
    if (showLink) this.showLink();
  }

  showLink() {
    const link = this.host.shareLink;
    if (!this.design) {
      link.hidden = true;
      return;
    }
    const url = new URL(`/d/${encodeURIComponent(this.design.id)}`, location.origin).href;
    link.href = url;
    link.textContent = `/d/${this.design.id}`;
    link.title = `Share link (read-only): ${url}`;
    link.hidden = false;
  }

  async save() {
    const { store, notify } = this.host;
    if (store.readOnly) {
      notify("This shared design is read-only: make a copy to save your own.", "error");
      return null;
    }
    const key = this.design ? this.keys()[this.design.id] : null;
    try {
      if (this.design && key) {
        try {
          const answer = await api.updateDesign(this.design.id, this.design.revision, store.doc, key);
          this.design = { id: answer.id, revision: answer.revision };
        } catch (error) {
          if (!(error instanceof ApiError) || (error.status !== 409 && error.status !== 403 && error.status !== 404)) throw error;
          // Someone else saved first (or the key is gone): keep both by saving a new design.
          notify(error.status === 409 ? "The saved copy changed elsewhere; saved yours as a new design." : "Saved as a new design.");
          await this.create();
        }
      } else {
        await this.create();
      }
      autosave(store.doc, this.design, store.history());
      store.markClean();
      this.showLink();
      notify(`Saved (revision ${this.design.revision}).`);
      return this.design;
    } catch (error) {
      notify(`Save failed: ${error.message}`, "error");
      return null;
    }
  }

  async create() {
    const answer = await api.createDesign(this.host.store.doc);
    this.rememberKey(answer.id, answer.edit_key);
    this.design = { id: answer.id, revision: answer.revision };
  }
}
