"""Benign demo data: generated pictures, a hash list of some of them, and a folder
holding copies, near-duplicates (resized, recompressed, cropped, watermarked,
mirrored), unrelated pictures and broken files.

Everything is drawn here from random shapes, gradients and noise: nothing is
downloaded and nothing depicts a person.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from brightline.core.signals.crypto import digests_of_bytes
from brightline.core.signals.pdq import pdq_of_file

KNOWN = 6
UNRELATED = 6


@dataclass(frozen=True)
class Demo:
    list_file: Path
    scan_dir: Path
    expected_matches: dict[str, str]  # file name in scan_dir -> why it should match


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A busy, benign picture: gradient, shapes, noise. Same seed, same picture."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack(
        [
            (x * rng.uniform(0.1, 0.6) + y * rng.uniform(0.1, 0.6)) % 256,
            (np.sin(x / rng.uniform(8, 40)) * 100 + 128),
            (np.cos(y / rng.uniform(8, 40)) * 100 + 128),
        ],
        axis=-1,
    )
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(20, w // 2)), y0 + int(rng.integers(20, h // 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    noise = rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img) + noise, 0, 255).astype(np.uint8), "RGB")


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def build_demo(root: Path) -> Demo:
    """Write the demo under ``root`` (created); returns where things are."""
    known_dir, scan_dir = root / "known", root / "scan"
    for folder in (known_dir, scan_dir, scan_dir / "nested"):
        folder.mkdir(parents=True, exist_ok=True)
    known = [picture(seed) for seed in range(KNOWN)]
    rows = []
    for i, img in enumerate(known):
        data = jpeg(img)
        (known_dir / f"known-{i}.jpg").write_bytes(data)
        md5 = digests_of_bytes(data)[0]
        pdq = pdq_of_file(data, max_pixels=10**8).hash
        rows.append(("md5", md5, f"demo-{i}"))
        rows.append(("pdq", pdq, f"demo-{i}"))
    list_file = root / "demo-list.csv"
    with open(list_file, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["signal_type", "value", "source_id", "note"])
        for signal_type, value, source_id in rows:
            writer.writerow([signal_type, value, source_id, "generated demo picture"])
    expected = _near_duplicates(known, scan_dir)
    for seed in range(UNRELATED):
        (scan_dir / "nested" / f"holiday-{seed}.jpg").write_bytes(jpeg(picture(1000 + seed)))
    (scan_dir / "broken.jpg").write_bytes(jpeg(picture(99))[:2000])
    (scan_dir / "notes.txt").write_text("not an image\n")
    return Demo(list_file, scan_dir, expected)


def _near_duplicates(known: list[Image.Image], scan_dir: Path) -> dict[str, str]:
    w, h = known[0].size
    variants = {
        "copy-0.jpg": (jpeg(known[0]), "exact copy (MD5) and PDQ distance 0"),
        "resized-1.jpg": (
            jpeg(known[1].resize((w // 2, h // 2)), 70),
            "resized to half and recompressed",
        ),
        "cropped-2.jpg": (jpeg(known[2].crop((6, 4, w - 6, h - 4))), "borders cropped"),
        "watermarked-3.png": (_png(_watermark(known[3])), "watermarked, saved as PNG"),
        "mirrored-4.jpg": (jpeg(ImageOps.mirror(known[4])), "mirrored (needs --dihedral)"),
    }
    for name, (data, _) in variants.items():
        (scan_dir / name).write_bytes(data)
    return {name: why for name, (_, why) in variants.items()}


def _watermark(img: Image.Image) -> Image.Image:
    out = img.copy()
    ImageDraw.Draw(out).text((20, 20), "SAMPLE  SAMPLE  SAMPLE", fill=(255, 255, 255))
    return out


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


# -- review workspace demo ------------------------------------------------------

REVIEW_PEOPLE = {
    "analyst1": "analyst",
    "analyst2": "analyst",
    "senior": "senior",
    "admin": "admin",
    "auditor": "auditor",
}
REVIEW_ITEMS = 6


@dataclass(frozen=True)
class ReviewDemo:
    passwords: dict[str, str]  # user name -> password (made now, shown once)
    items: list[int]
    queue: str
    target_list: str


def build_review_demo(store: Any, settings: Any, match_list: str | None = None) -> ReviewDemo:
    """Demo reviewers (fresh passwords each time), a queue whose confirmed items join
    the list ``demo-confirmed``, items from generated pictures (one a quality check),
    and a review action on ``match_list`` so a matching upload joins the queue too."""
    import secrets
    from contextlib import suppress

    from brightline.core.actor import system
    from brightline.errors import ConflictError
    from brightline.services import actions
    from brightline.services.people import users
    from brightline.services.review import ReviewEnv, intake
    from brightline.services.review.env import create_queue
    from brightline.services.store import lists as store_lists

    actor = system("demo")
    passwords = {}
    for name, role in REVIEW_PEOPLE.items():
        password = secrets.token_urlsafe(12)
        try:
            users.create_user(store, actor, name, role, password)
        except ConflictError:
            users.reset_password(store, actor, name, password)
        passwords[name] = password
    env = ReviewEnv(store, settings)
    target = "demo-confirmed"
    with store.begin() as conn, suppress(ConflictError):
        store_lists.create_list(conn, target, "industry")
    senior = users.get_user(store, "senior").actor
    with suppress(ConflictError):
        create_queue(env, senior, "demo", "industry", 2, target)
    if match_list is not None and not any(
        a.kind == "review" for a in actions.list_actions(store, match_list)
    ):
        actions.add_action(store, match_list, "review", queue="demo", report_to="ncmec")
    made = []
    for i in range(REVIEW_ITEMS):
        meta = {
            "user_id": f"demo-user-{i % 3}",
            "screen_name": f"demo{i % 3}",
            "content_id": f"demo-content-{i}",
            "url": f"https://platform.example/content/{i}",
            "reason": "user report (demo)",
        }
        data = jpeg(picture(5000 + i))
        made.append(intake.from_upload(env, actor, data, f"demo-{i}.jpg", meta, "demo"))
    made.append(intake.seed(env, senior, jpeg(picture(6000)), "check.jpg", "not_illegal", "demo"))
    return ReviewDemo(passwords, made, "demo", target)
