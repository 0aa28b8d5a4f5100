"""Settings schemas (JSON-schema-like, served by GET /api/datasets) and their validation."""

from __future__ import annotations

from typing import Any

from netcanvas.train.datasets.errors import DatasetError

Schema = dict[str, dict[str, Any]]


def integer(default: int, minimum: int, maximum: int, description: str) -> dict[str, Any]:
    """An integer setting with its bounds."""
    return {
        "type": "integer",
        "default": default,
        "minimum": minimum,
        "maximum": maximum,
        "description": description,
    }


def number(default: float, minimum: float, maximum: float, description: str) -> dict[str, Any]:
    """A real-number setting with its bounds."""
    return {
        "type": "number",
        "default": default,
        "minimum": minimum,
        "maximum": maximum,
        "description": description,
    }


def choice(default: str, options: list[str], description: str) -> dict[str, Any]:
    """A string setting that takes one of ``options``."""
    return {"type": "string", "default": default, "enum": options, "description": description}


def text(default: str | None, description: str, required: bool = False) -> dict[str, Any]:
    """A free string setting (``default`` None means "not set")."""
    schema: dict[str, Any] = {"type": "string", "default": default, "description": description}
    if required:
        schema["required"] = True
    return schema


def path(description: str) -> dict[str, Any]:
    """The ``path`` every file data set takes (passed as ``load_dataset(path=...)``)."""
    return text(None, description, required=True)


def resolve(name: str, schema: Schema, given: dict[str, Any] | None) -> dict[str, Any]:
    """Every setting of ``schema``: the given value when valid, else the default.

    Unknown names, wrong types and out-of-range values are DatasetErrors that name the
    setting. ``path`` is not resolved here: it travels as its own argument.
    """
    given = dict(given or {})
    given.pop("path", None)
    unknown = sorted(str(k) for k in given if k not in schema)
    if unknown:
        known = ", ".join(k for k in schema if k != "path") or "none"
        raise DatasetError(f"{name}: unknown setting '{unknown[0]}' (settings: {known})")
    values: dict[str, Any] = {}
    for key, spec in schema.items():
        if key == "path":
            continue
        values[key] = _check(name, key, spec, given.get(key, spec.get("default")))
    return values


def _check(name: str, key: str, spec: dict[str, Any], value: Any) -> Any:
    """``value`` converted to the setting's type, or a DatasetError naming the setting."""
    kind = spec["type"]
    where = f"{name}: setting '{key}'"
    if value is None:
        if spec.get("default") is None:
            return None
        raise DatasetError(f"{where} needs a value")
    if kind == "integer":
        # bool is an int subclass; true/false is never a meant count.
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise DatasetError(f"{where} must be an integer, not {value!r}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DatasetError(f"{where} must be a number, not {value!r}")
        value = float(value)
        if value != value:
            raise DatasetError(f"{where} must be a number, not NaN")
    elif kind == "string":
        if not isinstance(value, str):
            raise DatasetError(f"{where} must be a string, not {value!r}")
        options = spec.get("enum")
        if options is not None and value not in options:
            raise DatasetError(f"{where} must be one of {', '.join(options)}, not {value!r}")
    if "minimum" in spec and value < spec["minimum"]:
        raise DatasetError(f"{where} must be at least {spec['minimum']}, not {value}")
    if "maximum" in spec and value > spec["maximum"]:
        raise DatasetError(f"{where} must be at most {spec['maximum']}, not {value}")
    return value
