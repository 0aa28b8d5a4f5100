// Toasts: one short message at a time over the canvas; errors stay up longer.

const SHOW_MS = { info: 3000, error: 6000 };

/** notify(message, kind = "info", {sticky}) for the toast element; sticky stays until replaced. */
export function createToaster(toast) {
  let timer = null;
  return (message, kind = "info", { sticky = false } = {}) => {
    toast.textContent = message;
    toast.className = `toast ${kind}`;
    toast.hidden = false;
    clearTimeout(timer);
    if (!sticky) timer = setTimeout(() => (toast.hidden = true), SHOW_MS[kind] ?? SHOW_MS.info);
  };
}
