"""Image folders: one sub-folder of PNG/JPEG files per class, read with Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netcanvas.train.datasets import DatasetError, Limits, load_dataset
from tests.train.writers import png_with_size

RNG = np.random.default_rng(2)


def _save(path: Path, pixels: np.ndarray, fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format=fmt)
    return path


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(DatasetError) as caught:
        load_dataset("imagefolder", str(path), **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """cat/ with two PNGs (one nested), dog/ with one RGBA PNG; hidden clutter around them."""
    pixels = {
        "cat/a.png": RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8),
        "cat/more/b.PNG": RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8),
        "dog/c.png": RNG.integers(0, 256, (8, 8, 4), dtype=np.uint8),
    }
    for name, array in pixels.items():
        _save(tmp_path / name, array)
    (tmp_path / "cat" / ".DS_Store").write_bytes(b"\x00junk")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    _save(tmp_path / ".ipynb_checkpoints" / "x.png", pixels["cat/a.png"])
    return tmp_path, pixels


def test_png_pixels_round_trip(folder: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, pixels = folder
    data = load_dataset("imagefolder", str(root), {"size": 8})
    assert data.classes == ["cat", "dog"]
    assert data.y.tolist() == [0, 0, 1]
    assert data.x.shape == (3, 3, 8, 8) and data.input_shape == [1, 3, 8, 8]
    order = ["cat/a.png", "cat/more/b.PNG", "dog/c.png"]
    for i, name in enumerate(order):
        rgb = pixels[name][:, :, :3]  # RGBA loses its alpha channel
        expected = rgb.transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        assert np.array_equal(data.x[i], expected), name


def test_grayscale_uses_pillows_luminance(folder: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = folder
    data = load_dataset("imagefolder", str(root), {"size": 8, "color": "grayscale"})
    assert data.x.shape == (3, 1, 8, 8)
    with Image.open(root / "cat" / "a.png") as image:
        luminance = np.asarray(image.convert("L"))
    assert np.array_equal(data.x[0, 0], luminance.astype(np.float32) / np.float32(255))


def test_resize_and_jpeg(tmp_path: Path) -> None:
    source = RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    path = _save(tmp_path / "only" / "photo.jpg", source, fmt="JPEG")
    _save(tmp_path / "other" / "flat.jpeg", np.full((4, 4, 3), 200, np.uint8), fmt="JPEG")
    data = load_dataset("imagefolder", str(tmp_path), {"size": 16})
    assert data.x.shape == (2, 3, 16, 16)
    with Image.open(path) as image:
        resized = np.asarray(image.convert("RGB").resize((16, 16), Image.Resampling.BILINEAR))
    assert data.classes == ["only", "other"]
    assert np.array_equal(data.x[0], resized.transpose(2, 0, 1) / np.float32(255))
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0


def test_default_size_is_32_rgb(folder: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = folder
    assert load_dataset("imagefolder", str(root)).input_shape == [1, 3, 32, 32]


def test_empty_and_flat_folders(tmp_path: Path) -> None:
    assert _error(tmp_path).endswith(": has no class sub-folders")
    _save(tmp_path / "loose.png", np.zeros((4, 4, 3), np.uint8))
    assert "the images must sit in one sub-folder per class" in _error(tmp_path)
    (tmp_path / "empty_class").mkdir()
    assert _error(tmp_path) == "empty_class: holds no PNG or JPEG images"


def test_broken_images_are_named(folder: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = folder
    target = root / "dog" / "c.png"
    whole = target.read_bytes()
    target.write_bytes(whole[: len(whole) // 2])
    assert _error(root, settings={"size": 8}).startswith("c.png: cannot be decoded")
    target.write_bytes(b"GIF89a not really")
    assert _error(root) == "c.png: is not an image Pillow can read"


def test_pixel_bomb_is_refused_before_decoding(folder: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = folder
    (root / "dog" / "c.png").write_bytes(png_with_size(9000, 9000))
    assert _error(root) == "c.png: declares 9000×9000 pixels, more than the 64,000,000-pixel limit"
    # Far larger, Pillow itself refuses to open it; still a DatasetError naming the file.
    (root / "dog" / "c.png").write_bytes(png_with_size(100_000, 100_000))
    assert _error(root).startswith("c.png: is too large to decode safely")


def test_caps_are_checked_before_decoding(folder: tuple[Path, dict[str, np.ndarray]]) -> None:
    root, _ = folder
    assert "2-sample limit" in _error(root, limits=Limits(max_samples=2))
    assert "byte limit" in _error(root, settings={"size": 512}, limits=Limits(max_bytes=10**6))


def test_path_must_be_a_folder(tmp_path: Path) -> None:
    file = _save(tmp_path / "x.png", np.zeros((2, 2, 3), np.uint8))
    assert _error(file).startswith("x.png: is not a folder")
