// Read-only mode: a shared design (/d/{id}) opens read-only with a banner and "Make a copy".
// This module only shows the store's readOnly flag; the open-shared and make-copy commands
// set it.

/** Show the store's read-only state (body class, banner) and offer the make-copy command. */
export function bindReadOnly({ store, banner, copyButton, run }) {
  const show = () => {
    document.body.classList.toggle("readonly", store.readOnly);
    banner.hidden = !store.readOnly;
  };
  store.subscribe((event) => {
    if (event.keys?.includes("readOnly")) show();
  });
  copyButton.addEventListener("click", () => run("make-copy"));
  show();
}

/** The copy is no longer the shared design: its address is the editor's own again. */
export function leaveShareUrl() {
  history.replaceState(null, "", "/");
}
