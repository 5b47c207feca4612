"""The demo data shipped with the package (``lighttrack/assets/demo``) and the default weights.

Everything here is permissively licensed (see ``lighttrack/assets/demo/ATTRIBUTION.md``):

- ``stills/<set>/``: 12 photos with boxes, held out from every training run we ship — the
  evaluation clips of the demo (a virtual camera pans and zooms over each photo: exact boxes);
- ``stills_train/thermal_dogs_people/``: 16 public-domain thermal photos the demo trains on
  (with generated synthetic clips);
- ``videos/bigbuckbunny.mp4``: a real clip (CC BY 3.0, Blender Foundation) without ground truth,
  tracked from a fixed, documented first-frame box.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from lighttrack.data.clipsets import HELDOUT_STILL_SETS, HELDOUT_STILLS_DIR
from lighttrack.models import ASSETS_DIR, default_weights

DEMO_DIR = ASSETS_DIR / "demo"
TRAIN_STILLS = ("thermal_dogs_people",)


@dataclass(frozen=True)
class DemoVideo:
    path: Path
    box: tuple[float, float, float, float]  # x, y, w, h in the first frame (chosen by looking at it)
    what: str
    credit: str


# The init box: the bunny's head, ears and upper body in frame 0 of the 1280x720 clip
# (ears from y~255, chin ~y 445; x 295-435). Chosen once by eye and fixed, so runs are comparable.
VIDEOS = {
    "bigbuckbunny": DemoVideo(
        DEMO_DIR / "videos" / "bigbuckbunny.mp4", (295.0, 255.0, 140.0, 200.0),
        "Big Buck Bunny leaving his burrow (132 frames, 1280x720)",
        "Big Buck Bunny (c) Blender Foundation, www.bigbuckbunny.org, CC BY 3.0",
    ),
}


def train_still_roots() -> list[Path]:
    return [DEMO_DIR / "stills_train" / name for name in TRAIN_STILLS]


def pretrained_weights(name: str = "lighttrack-mobile") -> Path | None:
    """The shipped weights (``lighttrack/assets/<name>.pt`` or ``$LIGHTTRACK_WEIGHTS_DIR``), if any."""
    return default_weights(name)


def training_stills(shared: str | Path = "../shared/data/stills", out: str | Path = "runs/demo_pretrained_data") -> list[Path]:
    """Copies of the shared still sets' annotation files without the shipped evaluation photos
    (the images folder is linked, not copied), so the shipped weights never train on the demo's
    held-out clips. ``configs/demo_pretrained_mobile.yaml`` reads them."""
    shared, out = Path(shared), Path(out)
    made = []
    for name in HELDOUT_STILL_SETS:
        held_out = {img["file_name"] for img in json.loads((HELDOUT_STILLS_DIR / name / "annotations.json").read_text())["images"]}
        data = json.loads((shared / name / "annotations.json").read_text())
        data["images"] = [img for img in data["images"] if img["file_name"] not in held_out]
        keep = {img["id"] for img in data["images"]}
        data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
        (out / name).mkdir(parents=True, exist_ok=True)
        link = out / name / "images"
        if not link.exists():
            os.symlink((shared / name / "images").resolve(), link)
        (out / name / "annotations.json").write_text(json.dumps(data))
        made.append(out / name)
    return made


if __name__ == "__main__":  # python -m lighttrack.demo.assets [SHARED_STILLS] [OUT]
    import sys

    for path in training_stills(*sys.argv[1:3]):
        print(path)
