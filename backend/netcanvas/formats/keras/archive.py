"""Bytes -> the Keras model config (a dict): from a ``.keras`` zip's ``config.json`` or
from JSON text. Every failure is a FormatError with a location."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from netcanvas.formats.base import FormatError

# config.json of the largest keras.applications model is ~2 MB; a bound keeps a hostile
# zip (a small file inflating to gigabytes) from exhausting memory.
MAX_CONFIG_BYTES = 256 * 1024 * 1024


def read_config(data: bytes) -> dict[str, Any]:
    where = ""
    if data.startswith(b"PK"):
        text, where = _from_zip(data), "config.json: "
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise FormatError(f"not UTF-8 text and not a .keras zip: {err.reason}") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise FormatError(f"{where}invalid JSON: {err.msg}", err.lineno, err.colno) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise FormatError("not a Keras model config (no 'class_name' at the top)")
    return config


def _from_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise FormatError("a zip without config.json: not a .keras model") from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise FormatError(f"config.json is {info.file_size:,} bytes: too large")
            raw = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
        raise FormatError(f"broken .keras zip: {err}") from None
    except NotImplementedError as err:  # a compression method zipfile lacks
        raise FormatError(f"unreadable .keras zip: {err}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(f"config.json in the .keras zip is not UTF-8: {err.reason}") from None
