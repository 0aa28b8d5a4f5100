// Reversible diffs over plain JSON data.
//
// A diff is a list of operations; every operation carries what it needs to be undone, so
// undo is apply(reverse(diff)) with no snapshot of the document (mxGraph / tldraw idea).
//   {op: "set", path, before, after}      before/after undefined = key absent
//   {op: "insert", path, index, value}    path names a list
//   {op: "remove", path, index, value}
// An operation may also carry `root` to say which tree it writes (the store keeps two).

const clone = (value) => (value === undefined ? undefined : structuredClone(value));

/** The container that holds the last key of `path`. */
function parentOf(root, path) {
  let node = root;
  for (let i = 0; i < path.length - 1; i += 1) {
    node = node[path[i]];
    if (node === null || typeof node !== "object") {
      throw new Error(`no container at ${path.slice(0, i + 1).join(".")}`);
    }
  }
  return node;
}

/** The value at `path` (undefined when any step is missing). */
export function get(root, path) {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = node[key];
  }
  return node;
}

/** Apply one operation in place. */
export function applyOp(root, op) {
  if (op.op === "set") {
    const parent = parentOf(root, op.path);
    const key = op.path[op.path.length - 1];
    if (op.after === undefined) {
      if (Array.isArray(parent)) throw new Error("cannot unset a list item; use remove");
      delete parent[key];
    } else {
      parent[key] = clone(op.after);
    }
    return;
  }
  const list = get(root, op.path);
  if (!Array.isArray(list)) throw new Error(`no list at ${op.path.join(".")}`);
  if (op.op === "insert") {
    if (op.index < 0 || op.index > list.length) throw new Error("insert index out of range");
    list.splice(op.index, 0, clone(op.value));
  } else if (op.op === "remove") {
    if (op.index < 0 || op.index >= list.length) throw new Error("remove index out of range");
    list.splice(op.index, 1);
  } else {
    throw new Error(`unknown operation ${op.op}`);
  }
}

/** Apply a whole diff in order. */
export function apply(root, diff) {
  for (const op of diff) applyOp(root, op);
  return root;
}

/** The diff that undoes `diff`: each operation inverted, in reverse order. */
export function reverse(diff) {
  return diff
    .slice()
    .reverse()
    .map((op) => {
      // `root` (which tree an operation writes, see store.js) goes with the inverse.
      const root = op.root === undefined ? {} : { root: op.root };
      if (op.op === "set") return { ...root, op: "set", path: op.path, before: op.after, after: op.before };
      if (op.op === "insert") return { ...root, op: "remove", path: op.path, index: op.index, value: op.value };
      return { ...root, op: "insert", path: op.path, index: op.index, value: op.value };
    });
}

/** Build operations against the current state (so `before` is always true). */
export function setOp(root, path, value, { copy = true } = {}) {
  // `before` is not copied: the set detaches it from the tree, and every apply copies what it
  // writes, so nothing can change it afterwards (a load of a 50,000-layer model is one set
  // of a document that would otherwise be copied three times).
  // `copy: false` when the caller gives `value` away (store.replace of a loaded document).
  return { op: "set", path: [...path], before: get(root, path), after: copy ? clone(value) : value };
}

export function insertOp(path, index, value) {
  return { op: "insert", path: [...path], index, value: clone(value) };
}

export function removeOp(root, path, index) {
  return { op: "remove", path: [...path], index, value: clone(get(root, [...path, index])) };
}
