"""Benign test images for the PDQ tests: the photographs scikit-image and
scikit-learn ship, and realistic large versions of them (upscaled, with real fine
texture and sensor-like grain so JPEGs carry camera-like bits per pixel)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageFilter

# Photographs only (no drawings); all benign.
SKIMAGE_PHOTOS = (
    "astronaut",
    "brick",
    "camera",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)
TEXTURES = ("grass", "gravel", "brick")

Detailed = Callable[[str, tuple[int, int], int], Image.Image]


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    """Name -> RGB photograph at its shipped size."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    out = {name: Image.fromarray(getattr(skimage.data, name)()) for name in SKIMAGE_PHOTOS}
    sample = load_sample_images()
    for path, array in zip(sample.filenames, sample.images, strict=True):
        out[path.rsplit("/", 1)[-1].split(".")[0]] = Image.fromarray(array)
    return {name: img.convert("RGB") for name, img in out.items()}


@pytest.fixture(scope="session")
def detailed(photos: dict[str, Image.Image]) -> Detailed:
    """``detailed(name, (width, height), seed)``: a photo cropped to that aspect,
    upscaled, with a texture photo's high-passed detail and grain added."""
    import skimage.data

    def make(name: str, size: tuple[int, int], seed: int) -> Image.Image:
        rng = np.random.default_rng(seed)
        img = photos[name]
        w, h = img.size
        if w / h < size[0] / size[1]:
            cw, ch = w, round(w * size[1] / size[0])
        else:
            cw, ch = round(h * size[0] / size[1]), h
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        big = img.crop((x0, y0, x0 + cw, y0 + ch)).resize(size, Image.Resampling.BICUBIC)
        rgb = np.asarray(big, dtype=np.float32)
        tex = Image.fromarray(getattr(skimage.data, TEXTURES[seed % len(TEXTURES)])())
        hp = np.asarray(tex, dtype=np.float32)
        hp -= np.asarray(tex.filter(ImageFilter.GaussianBlur(3)), dtype=np.float32)
        reps = (size[1] // hp.shape[0] + 1, size[0] // hp.shape[1] + 1)
        grey = np.tile(hp, reps)[: size[1], : size[0]] * 0.4
        grey += rng.normal(0.0, 2.5, grey.shape).astype(np.float32)
        rgb += grey[:, :, None] + rng.normal(0.0, 1.0, rgb.shape).astype(np.float32)
        return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8))

    return make
