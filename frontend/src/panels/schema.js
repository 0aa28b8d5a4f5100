// Turn a layer's JSON schema (from /api/layers) into form fields, and parse/validate what a
// person types. DOM-free so it is tested with node --test.

function resolve(schema, root) {
  if (schema && schema.$ref && root?.$defs) {
    const name = schema.$ref.split("/").pop();
    return { ...root.$defs[name], ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$ref")) };
  }
  return schema ?? {};
}

function bounds(schema) {
  const out = {};
  if (schema.minimum !== undefined) out.min = schema.minimum;
  if (schema.exclusiveMinimum !== undefined) out.min = schema.exclusiveMinimum + 1;
  if (schema.maximum !== undefined) out.max = schema.maximum;
  if (schema.exclusiveMaximum !== undefined) out.max = schema.exclusiveMaximum - 1;
  return out;
}

/**
 * A field description: {key, title, description, default, nullable, kinds: [...]}, where each
 * kind is {type: "integer"|"number"|"boolean"|"string"|"enum"|"list", ...bounds, values,
 * items, minItems, maxItems}. A field may accept several kinds (int or per-axis list or "same").
 */
export function describeField(key, schema, root) {
  const s = resolve(schema, root);
  const options = (s.anyOf ?? s.oneOf ?? [s]).map((o) => resolve(o, root));
  const kinds = [];
  let nullable = false;
  for (const o of options) {
    if (o.type === "null") nullable = true;
    else if (o.enum || o.const !== undefined) kinds.push({ type: "enum", values: o.enum ?? [o.const] });
    else if (o.type === "integer" || o.type === "number") kinds.push({ type: o.type, ...bounds(o) });
    else if (o.type === "boolean") kinds.push({ type: "boolean" });
    else if (o.type === "array") {
      const items = resolve(o.items ?? {}, root);
      kinds.push({
        type: "list",
        items: { type: items.type ?? "integer", ...bounds(items) },
        minItems: o.minItems,
        maxItems: o.maxItems,
      });
    } else if (o.type === "string") kinds.push({ type: "string" });
  }
  if (kinds.length === 0) kinds.push({ type: "string" });
  return {
    key,
    title: s.title ?? key,
    description: s.description ?? "",
    default: s.default,
    nullable,
    kinds,
  };
}

export function describeParams(schema) {
  return Object.entries(schema?.properties ?? {}).map(([key, prop]) => describeField(key, prop, schema));
}

/** Which control to draw: a checkbox, a select, a number box or a text box. */
export function controlFor(field) {
  const types = field.kinds.map((k) => k.type);
  if (types.length === 1 && types[0] === "boolean") return "checkbox";
  if (types.length === 1 && types[0] === "enum") return "select";
  if (types.length === 1 && (types[0] === "integer" || types[0] === "number")) return "number";
  return "text";
}

/** How a value reads in a text box: lists as "3, 3". */
export function formatValue(value) {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function checkNumber(kind, n) {
  if (!Number.isFinite(n)) return "not a number";
  if (kind.type === "integer" && !Number.isInteger(n)) return "must be a whole number";
  if (kind.min !== undefined && n < kind.min) return `must be at least ${kind.min}`;
  if (kind.max !== undefined && n > kind.max) return `must be at most ${kind.max}`;
  return null;
}

function tryKind(kind, text) {
  const t = text.trim();
  if (kind.type === "boolean") {
    if (t === "true" || t === "false") return { ok: true, value: t === "true" };
    return { ok: false, error: "true or false" };
  }
  if (kind.type === "enum") {
    const hit = kind.values.find((v) => String(v) === t);
    return hit !== undefined ? { ok: true, value: hit } : { ok: false, error: `one of ${kind.values.join(", ")}` };
  }
  if (kind.type === "integer" || kind.type === "number") {
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return { ok: false, error: "a number" };
    const n = Number(t);
    const problem = checkNumber(kind, n);
    return problem ? { ok: false, error: problem } : { ok: true, value: n };
  }
  if (kind.type === "list") {
    const inner = t.replace(/^\[|\]$/g, "").trim();
    if (!inner) return { ok: false, error: "a list of numbers" };
    const parts = inner.split(/\s*[,×x]\s*|\s+/).filter((p) => p !== "");
    const values = [];
    for (const part of parts) {
      const r = tryKind(kind.items, part);
      if (!r.ok) return { ok: false, error: `each item ${r.error}` };
      values.push(r.value);
    }
    if (kind.minItems !== undefined && values.length < kind.minItems) {
      return { ok: false, error: `at least ${kind.minItems} items` };
    }
    if (kind.maxItems !== undefined && values.length > kind.maxItems) {
      return { ok: false, error: `at most ${kind.maxItems} items` };
    }
    return { ok: true, value: values };
  }
  return { ok: true, value: text };
}

/**
 * Parse typed text for a field: {ok: true, value} (value undefined = back to the default) or
 * {ok: false, error}. The first kind that accepts the text wins.
 */
export function parseField(field, text) {
  if (text.trim() === "") {
    if (field.nullable && field.default === null) return { ok: true, value: undefined };
    if (field.default !== undefined) return { ok: true, value: undefined };
    if (field.nullable) return { ok: true, value: null };
    return { ok: false, error: "required" };
  }
  const errors = [];
  for (const kind of field.kinds) {
    const r = tryKind(kind, text);
    if (r.ok) return r;
    errors.push(r.error);
  }
  const list = field.kinds.find((k) => k.type === "list");
  if (list && field.kinds.length > 1 && /[,\s×]/.test(text.trim())) {
    return { ok: false, error: tryKind(list, text).error };
  }
  return { ok: false, error: `expected ${errors.join(" or ")}` };
}
