"""Images sorted into one sub-folder per class (PNG or JPEG), read with Pillow."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from netcanvas.train.datasets import settings as s
from netcanvas.train.datasets.dataset import Dataset
from netcanvas.train.datasets.errors import MAX_CLASSES, DatasetError, Limits, existing_folder

EXTENSIONS = {".png", ".jpg", ".jpeg"}
MAX_PIXELS = 64_000_000
"""Pixels one source image may declare: a tiny file can claim 100000×100000 (a "bomb")."""

SETTINGS = {
    "path": s.path("folder with one sub-folder of PNG/JPEG images per class (class = folder name)"),
    "size": s.integer(32, 4, 512, "images are resized to size×size pixels"),
    "color": s.choice("rgb", ["rgb", "grayscale"], "3 channels (rgb) or 1 (grayscale)"),
}


def visible(name: str) -> bool:
    """Whether a file or folder takes part (hidden ones such as .ipynb_checkpoints do not)."""
    return not name.startswith(".")


def class_images(folder: Path) -> list[Path]:
    """Every PNG/JPEG below a class folder, in a stable order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if visible(d))
        found.extend(
            Path(root) / f
            for f in sorted(files)
            if visible(f) and Path(f).suffix.lower() in EXTENSIONS
        )
    return found


def scan(folder: Path, limits: Limits) -> tuple[list[str], list[tuple[Path, int]]]:
    """Class names (sorted folder names) and (image, class index) pairs, before any decoding."""
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and visible(p.name))
    if not classes:
        loose = any(p.suffix.lower() in EXTENSIONS for p in folder.iterdir())
        hint = " (the images must sit in one sub-folder per class)" if loose else ""
        raise DatasetError(f"has no class sub-folders{hint}", folder)
    if len(classes) > MAX_CLASSES:
        raise DatasetError(f"has {len(classes):,} class folders, more than {MAX_CLASSES:,}", folder)
    items: list[tuple[Path, int]] = []
    for index, name in enumerate(classes):
        images = class_images(folder / name)
        if not images:
            raise DatasetError("holds no PNG or JPEG images", folder / name)
        items.extend((image, index) for image in images)
        # Counted as we go, so a folder of millions of files is refused early.
        limits.check_samples(len(items), folder)
    return classes, items


def read_image(path: Path, size: int, mode: str) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """One image as uint8 [H, W] or [H, W, 3], converted and resized."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DatasetError(
                    f"declares {width}×{height} pixels, more than the {MAX_PIXELS:,}-pixel limit",
                    path,
                )
            converted = image.convert(mode)
            if converted.size != (size, size):
                converted = converted.resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(converted, dtype=np.uint8)
    except Image.DecompressionBombError as exc:
        raise DatasetError(f"is too large to decode safely ({exc})", path) from exc
    except UnidentifiedImageError as exc:
        raise DatasetError("is not an image Pillow can read", path) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise DatasetError(f"cannot be decoded ({exc})", path) from exc


def load_image_folder(path: str, options: dict[str, Any], limits: Limits) -> Dataset:
    """Images [N, C, size, size] in 0..1 with one class per sub-folder of ``path``."""
    folder = existing_folder(path, "imagefolder", "one sub-folder of images per class")
    classes, items = scan(folder, limits)
    size, channels = options["size"], 3 if options["color"] == "rgb" else 1
    limits.check_bytes(len(items) * channels * size * size * 4, folder, f"{len(items):,} images")
    x = np.empty((len(items), channels, size, size), dtype=np.float32)
    mode = "RGB" if channels == 3 else "L"
    for i, (image_path, _) in enumerate(items):
        pixels = read_image(image_path, size, mode)
        x[i] = pixels.reshape(size, size, channels).transpose(2, 0, 1)
    x /= np.float32(255.0)
    return Dataset(
        name="imagefolder",
        task="classification",
        x=x,
        y=np.array([label for _, label in items], dtype=np.int64),
        classes=classes,
        input_shape=[1, channels, size, size],
    )
