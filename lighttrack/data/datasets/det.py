"""ImageNet DET (ILSVRC 2013-2017 detection) as unpacked; every object is a one-frame sequence.

Layout (``ILSVRC2017_DET.tar.gz`` unpacks to ``ILSVRC/``; the 2015 release to ``ILSVRC2015/``)::

    ILSVRC/Data/DET/{train,val}/<id>.JPEG            train ids: ILSVRC2013_train/<wnid>/<wnid>_<n>,
    ILSVRC/Annotations/DET/{train,val}/<id>.xml                 ILSVRC2014_train_000k/ILSVRC2014_train_<n>
    ILSVRC/ImageSets/DET/{train_1..train_200,val}.txt   val ids: ILSVRC2012_val_<n>

Which images a split holds comes from ``ImageSets/DET``: ``<split>.txt`` (first column) when it
exists, else for ``train`` the images marked ``1`` in any ``train_<k>.txt``; without the lists
every XML under ``Annotations/DET/<split>`` is read. Like COCO, trackers draw template and search
from the same image, so one frame is enough. An object whose box leaves its image, or whose
synset is not one of the 200 DET classes, is kept as a sequence that is never visible and whose
problem names the XML file and line (``lighttrack data check`` prints it); the image's other
objects are unaffected. Every XML of the split (about 450k for train) is parsed once, when the
names are first listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import numpy as np
from tqdm import tqdm

from lighttrack.data.annotations import natural_key
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import packaged_list
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError

SPLITS = ("train", "val")
SYNSETS = frozenset(packaged_list("imagenet_det_synsets.txt"))


@dataclass(frozen=True)
class DetObject:
    """One ``<object>`` of a DET XML: synset, x1,y1,x2,y2 as written, the line it starts on."""

    synset: str
    corners: tuple[float, float, float, float]
    line: int


@dataclass
class DetAnnotation:
    """One DET XML: image size (0 when absent) and its objects, or why it could not be read."""

    width: int = 0
    height: int = 0
    objects: list[DetObject] = field(default_factory=list)
    error: str | None = None


def parse_det_xml(path: Path) -> DetAnnotation:
    """Read one annotation file with expat, which (unlike ElementTree) knows each element's line."""
    out = DetAnnotation()
    stack: list[str] = []
    text: list[str] = []
    current: dict = {}

    def start(name, _attrs):
        stack.append(name)
        text.clear()
        if name == "object":
            current.clear()
            current["line"] = parser.CurrentLineNumber

    def end(name):
        value = "".join(text).strip()
        stack.pop()
        parent = stack[-1] if stack else ""
        if parent == "size" and name in ("width", "height"):
            setattr(out, name, int(float(value)) if value else 0)
        elif parent == "object" and name == "name":
            current["name"] = value
        elif parent == "bndbox" and name in ("xmin", "ymin", "xmax", "ymax"):
            current[name] = value
        elif name == "object":
            corners = []
            for key in ("xmin", "ymin", "xmax", "ymax"):
                try:
                    corners.append(float(current.get(key, "nan")))
                except ValueError:
                    corners.append(math.nan)
            out.objects.append(DetObject(current.get("name", ""), tuple(corners), current["line"]))
        text.clear()

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(path.read_bytes(), True)
    except OSError as err:
        out.error = f"cannot read {path}: {err.strerror or err}"
    except (expat.ExpatError, ValueError) as err:
        line = getattr(err, "lineno", None) or parser.CurrentLineNumber
        out.error = f"{path}:{line}: not a readable DET annotation ({err})"
    return out


def object_problem(obj: DetObject, ann: DetAnnotation, xml: Path) -> str | None:
    """Why an object cannot be a training target (``file:line: ...``), or None."""
    x1, y1, x2, y2 = obj.corners
    where = f"{xml}:{obj.line}"
    if obj.synset not in SYNSETS:
        return f"{where}: unknown synset {obj.synset!r} (not one of the 200 ImageNet DET classes)"
    if not all(math.isfinite(v) for v in obj.corners):
        return f"{where}: box coordinates are missing or not numbers"
    if x2 <= x1 or y2 <= y1:
        return f"{where}: empty box xmin={x1:g} xmax={x2:g} ymin={y1:g} ymax={y2:g}"
    if ann.width > 0 and ann.height > 0 and (x1 < 0 or y1 < 0 or x2 > ann.width or y2 > ann.height):
        return (f"{where}: box xmin={x1:g} ymin={y1:g} xmax={x2:g} ymax={y2:g} lies outside "
                f"its {ann.width}x{ann.height} image")
    return None


class DetDataset(Dataset):
    format = "det"
    layout = ("ILSVRC/{Data/DET/<split>/<id>.JPEG, Annotations/DET/<split>/<id>.xml, "
              "ImageSets/DET/{train_<k>,val}.txt}")
    cache_size = 0

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        base = next((b for b in (self.root, self.root / "ILSVRC", self.root / "ILSVRC2015")
                     if (b / "Annotations" / "DET").is_dir()), None)
        if base is None:
            raise DataError(f"det: no Annotations/DET under {self.root}; expected layout: {self.layout}")
        self.base = base
        self.ann_root = base / "Annotations" / "DET"
        self.data_root = self._require_dir(base / "Data" / "DET", "images")
        self.split = split or "train"
        if self.split not in SPLITS:
            raise self._bad_split(SPLITS)
        # name -> (image path, x,y,w,h, meta, problem or None)
        self._items: dict[str, tuple[Path, list[float], dict, Problem | None]] = {}

    def image_ids(self) -> list[tuple[str, str | None]]:
        """(image id, where it was listed as ``file:line``) of the split, from ImageSets/DET."""
        sets = self.base / "ImageSets" / "DET"
        listed = sets / f"{self.split}.txt"
        files = [listed] if listed.is_file() else (
            sorted(sets.glob(f"{self.split}_*.txt"), key=lambda p: natural_key(p.name)) if self.split == "train" else [])
        if not files:
            split_dir = self._require_dir(self.ann_root / self.split, f"split {self.split!r}")
            ids = sorted((str(p.relative_to(split_dir).with_suffix("")) for p in split_dir.rglob("*.xml")),
                         key=natural_key)
            return [(i, None) for i in ids]
        seen: dict[str, str] = {}
        for path in files:
            per_class = path is not listed
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                parts = line.split()
                if not parts or parts[0].startswith("#"):
                    continue
                if per_class and (len(parts) < 2 or parts[1] != "1"):
                    continue  # train_<k>.txt: -1 marks an image without that class
                seen.setdefault(parts[0], f"{path}:{n}")
        return sorted(seen.items(), key=lambda kv: natural_key(kv[0]))

    def _list_names(self) -> list[str]:
        ids = self.image_ids()
        for image_id, listed_at in tqdm(ids, desc="DET annotations", unit="image", disable=len(ids) < 2000, leave=False):
            self._add_image(image_id, listed_at)
        if not self._items:
            raise DataError(f"det: no annotated objects under {self.ann_root / self.split}")
        return list(self._items)

    def _add_image(self, image_id: str, listed_at: str | None) -> None:
        xml = self.ann_root / self.split / f"{image_id}.xml"
        image = self.data_root / self.split / f"{image_id}.JPEG"
        stem = image_id.replace("/", "_")
        if listed_at is not None and not xml.is_file():
            problem = Problem("layout", f"{listed_at}: lists {image_id} but {xml} is missing")
            self._items[stem] = (image, [math.nan] * 4, {"image_id": image_id}, problem)
            return
        ann = parse_det_xml(xml)
        if ann.error:
            self._items[stem] = (image, [math.nan] * 4, {"image_id": image_id}, Problem("invalid_boxes", ann.error))
            return
        for k, obj in enumerate(ann.objects):
            x1, y1, x2, y2 = obj.corners
            why = object_problem(obj, ann, xml)
            meta = {"image_id": image_id, "synset": obj.synset, "image_size": (ann.width, ann.height),
                    "xml": f"{xml}:{obj.line}"}
            problem = Problem("invalid_boxes", why) if why else None
            self._items[f"{stem}_{k}"] = (image, [x1, y1, x2 - x1, y2 - y1], meta, problem)

    def _load(self, name: str) -> Sequence:
        self.names
        image, box, meta, problem = self._items[name]
        boxes = np.asarray(box, dtype=np.float64).reshape(1, 4)
        valid = problem is None and bool(np.all(np.isfinite(boxes)) and boxes[0, 2] > 0 and boxes[0, 3] > 0)
        issues = [problem] if problem is not None else []
        if not image.is_file():
            issues.append(Problem("missing_frames", f"image {image} is missing"))
        return Sequence(name, [str(image)], boxes, np.array([valid]), dict(meta), tuple(issues))
