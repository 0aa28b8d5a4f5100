// The test hook: a handle on the editor's internals for end-to-end tests and benchmarks,
// and for nothing else.
//
// It is installed only when the page's address asks for it with the `test-hooks` query
// parameter (`/?test-hooks`, `/d/{id}?test-hooks`); a reload keeps it. Then
//   window.__netcanvasTest = {store, commands, run(id, argument), reveal(name), select(names)}
// (frozen). Without the parameter nothing is exposed, so no page script or browser
// extension comes to rely on the editor's internals, and a test that needs them says so in
// the address it opens (tests/e2e/helpers.py: with_test_hooks).

export const TEST_HOOKS_PARAM = "test-hooks";

/** Install window.__netcanvasTest when the address asks for it; answers whether it did. */
export function installTestHooks({ store, commands, run }, location = window.location) {
  if (!new URLSearchParams(location.search).has(TEST_HOOKS_PARAM)) return false;
  window.__netcanvasTest = Object.freeze({
    store,
    commands,
    run,
    reveal: (name) => run("reveal", name),
    select: (names) => store.select(names),
  });
  return true;
}
