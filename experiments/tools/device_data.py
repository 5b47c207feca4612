"""Carry the training data to a remote GPU machine as H.264 video, and unpack it there.

Why: the machine we train on takes uploads of only a few tens of MB, while the data is ~200 MB of
JPEGs (DAVIS-2016: ~140 MB, the still-image sets: ~56 MB). Consecutive video frames are nearly the
same picture, so re-encoding every DAVIS sequence as one x264 stream shrinks it more than tenfold
at a small, uniform loss (measure it with PSNR; the frames were already JPEG q80). The still images
go the same way, one stream per image size (x264 needs one size per stream).

``pack`` (here, with an ffmpeg that has libx264) writes::

    OUT/manifest.json                         every video (frame count, size, frame file names)
                                              and every file, each with its byte count and sha256
    OUT/davis2016/{README*.md,sequences.json} copied as they are
    OUT/davis2016/<split>/<seq>/frames.mkv    + groundtruth.txt
    OUT/stills/<set>/annotations.json         copied as it is
    OUT/stills/<set>/<W>x<H>.mkv              the set's listed images of that size, in name order

``unpack`` (there, needing only OpenCV + numpy) checks every file against the manifest, decodes
the videos in a process pool and writes the layouts our readers expect::

    OUT/davis2016/<split>/<seq>/img/00000.jpg … + groundtruth.txt   (open_dataset("folder", …))
    OUT/stills/<set>/images/<file_name> + annotations.json          (open_dataset("stills", …))

``pack-cache`` carries crop caches (``lighttrack data cache``: one target-centred square crop per
frame) instead, for data whose frames are too large to carry even as video (1280x720 drone clips)::

    OUT/<NAME>/cache.json                     copied as it is
    OUT/<NAME>/<seq>/index.json               copied as it is
    OUT/<NAME>/<seq>/crops.mkv                the sequence's crops in frame order

and ``unpack`` restores ``OUT/<NAME>/<seq>/<frame>.jpg`` beside each index.json, the layout
``open_dataset("cache", OUT/<NAME>)`` reads. Consecutive crops follow the target, so they are
nearly the same picture too: ~3 KB a 448 px crop at CRF 28.

Frames are written as JPEG quality 95. Images with an odd width or height are padded (last
row/column repeated) to even size for yuv420p and cropped back on unpack. A video that yields a
different number of frames than the manifest records fails the unpack with a non-zero exit.

    python experiments/tools/device_data.py pack OUT_DIR [--crf 25] [--stills-crf 24] [--ffmpeg PATH]
    python experiments/tools/device_data.py pack-cache OUT_DIR NAME=CACHE_DIR ... [--crf 28] [--ffmpeg PATH]
    python experiments/tools/device_data.py unpack IN_DIR OUT_DIR [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from lighttrack.io import file_sha256

REPO = Path(__file__).resolve().parents[2]  # experiments/tools/ -> the repository
DEFAULT_DAVIS = REPO.parent / "shared" / "data" / "davis2016"
DEFAULT_STILLS = REPO / "runs" / "demo_pretrained_data"
STILL_SETS = ("aquarium", "coco_mini", "thermal_dogs_people")

DAVIS_SPLITS = ("train", "val")
DAVIS_ROOT_FILES = ("sequences.json",)  # plus every README* at the root
GT_NAME = "groundtruth.txt"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
FRAME_RATE = 25
JPEG_QUALITY = 95
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def default_ffmpeg() -> str:
    """The ffmpeg of the ``imageio-ffmpeg`` wheel (``pip install imageio-ffmpeg``: a static build
    with libx264, from the package registry) when installed, else ``ffmpeg`` on the PATH."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return "ffmpeg"


class PackError(RuntimeError):
    """Anything that makes a pack or unpack unusable; reported as one clear line."""


@dataclass
class Video:
    """One encoded stream and where its frames go on unpack (paths relative to the pack root)."""

    video: str
    out_dir: str
    names: list[str]
    width: int  # the frames' own size; the stream is this padded to even numbers
    height: int
    frames: int


# ------------------------------------------------------------------------------------- pack


def _read_bgr(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise PackError(f"cannot decode image {path}")
    return image


def _pad_even(image: np.ndarray) -> np.ndarray:
    """Repeat the last row / column so both sides are even (yuv420p needs it)."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def _encode(ffmpeg: str, paths: list[Path], size: tuple[int, int], crf: int, out: Path) -> None:
    """Stream the images as raw BGR into one libx264 yuv420p .mkv."""
    width, height = size
    pw, ph = width + width % 2, height + height % 2
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{pw}x{ph}", "-framerate", str(FRAME_RATE),
        "-i", "-",
        # exact rounding in the BGR -> YUV step: +3.7 dB at crf 0 and ~1.5 grey levels less bias
        "-sws_flags", "bicubic+accurate_rnd+full_chroma_int",
        "-an", "-c:v", "libx264", "-preset", "slow", "-crf", str(crf), "-pix_fmt", "yuv420p",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        for path in paths:
            image = _read_bgr(path)
            if image.shape[:2] != (height, width):
                raise PackError(f"{path}: size {image.shape[1]}x{image.shape[0]}, expected {width}x{height}")
            proc.stdin.write(np.ascontiguousarray(_pad_even(image)).tobytes())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        raise PackError(f"ffmpeg failed on {out}: {err.strip()}")


def _image_size(path: Path) -> tuple[int, int]:
    h, w = _read_bgr(path).shape[:2]
    return w, h


def _pack_davis(src: Path, out: Path, ffmpeg: str, crf: int, files: list[str]) -> list[Video]:
    if not src.is_dir():
        raise PackError(f"DAVIS-2016 not found at {src}")
    dst = out / "davis2016"
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.iterdir()):
        if path.is_file() and (path.name in DAVIS_ROOT_FILES or path.name.startswith("README")):
            shutil.copyfile(path, dst / path.name)
            files.append(f"davis2016/{path.name}")
    videos: list[Video] = []
    for split in DAVIS_SPLITS:
        seqs = sorted(p for p in (src / split).iterdir() if (p / GT_NAME).is_file())
        if not seqs:
            raise PackError(f"no sequences in {src / split}")
        for seq in seqs:
            frames = sorted(p for p in (seq / "img").iterdir() if p.suffix.lower() in IMAGE_EXTS)
            if not frames:
                raise PackError(f"no frames in {seq / 'img'}")
            rel = f"davis2016/{split}/{seq.name}"
            size = _image_size(frames[0])
            _encode(ffmpeg, frames, size, crf, out / rel / "frames.mkv")
            shutil.copyfile(seq / GT_NAME, out / rel / GT_NAME)
            files.append(f"{rel}/{GT_NAME}")
            videos.append(Video(f"{rel}/frames.mkv", f"{rel}/img", [p.name for p in frames], *size, len(frames)))
            print(f"  {rel}: {len(frames)} frames", flush=True)
    return videos


def _pack_stills(root: Path, out: Path, ffmpeg: str, crf: int, files: list[str]) -> list[Video]:
    videos: list[Video] = []
    for name in STILL_SETS:
        src = root / name
        ann = src / "annotations.json"
        if not ann.is_file():
            raise PackError(f"{ann} not found")
        data = json.loads(ann.read_text())
        file_names = sorted({str(img["file_name"]) for img in data["images"]})
        groups: dict[tuple[int, int], list[str]] = defaultdict(list)
        for file_name in file_names:  # group by the file's real size, not the JSON's
            groups[_image_size(src / "images" / file_name)].append(file_name)
        rel = f"stills/{name}"
        (out / rel).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ann, out / rel / "annotations.json")
        files.append(f"{rel}/annotations.json")
        for (w, h), group in sorted(groups.items()):
            video = f"{rel}/{w}x{h}.mkv"
            _encode(ffmpeg, [src / "images" / f for f in group], (w, h), crf, out / video)
            videos.append(Video(video, f"{rel}/images", group, w, h, len(group)))
        print(f"  {rel}: {len(file_names)} images in {len(groups)} size groups", flush=True)
    return videos


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _write_manifest(out: Path, videos: list[Video], files: list[str], encoding: dict) -> None:
    """manifest.json: every video, every copied file, and each one's byte count and sha256."""
    checked = {rel: {"bytes": (out / rel).stat().st_size, "sha256": file_sha256(out / rel)}
               for rel in files + [v.video for v in videos]}
    manifest = {
        "version": MANIFEST_VERSION,
        "encoding": {**encoding, "preset": "slow", "pix_fmt": "yuv420p"},
        "videos": [asdict(v) for v in videos],
        "copies": sorted(files),
        "checksums": checked,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))


def pack(out: Path, davis: Path, stills: Path, ffmpeg: str, crf: int, stills_crf: int) -> None:
    if not Path(ffmpeg).is_file() and shutil.which(ffmpeg) is None:
        raise PackError(f"ffmpeg not found: {ffmpeg}")
    if out.exists() and any(out.iterdir()):
        raise PackError(f"{out} is not empty; pack into a fresh folder (stale files would be uploaded)")
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    files: list[str] = []
    print(f"DAVIS-2016 from {davis} (crf {crf})", flush=True)
    videos = _pack_davis(davis, out, ffmpeg, crf, files)
    print(f"stills from {stills} (crf {stills_crf})", flush=True)
    videos += _pack_stills(stills, out, ffmpeg, stills_crf, files)
    _write_manifest(out, videos, files, {"crf": crf, "stills_crf": stills_crf})
    print(f"packed {len(videos)} videos, {sum(v.frames for v in videos)} frames "
          f"in {time.perf_counter() - start:.1f} s")
    parts = [out / "davis2016"] + [out / "stills" / s for s in STILL_SETS]
    for part in parts:
        print(f"  {part.relative_to(out)}: {_tree_bytes(part) / 1e6:.2f} MB")
    print(f"total {_tree_bytes(out) / 1e6:.2f} MB in {out}")


def pack_cache(out: Path, caches: dict[str, Path], ffmpeg: str, crf: int) -> None:
    """Encode each crop cache's sequences as one libx264 stream each, plus the indexes."""
    if not Path(ffmpeg).is_file() and shutil.which(ffmpeg) is None:
        raise PackError(f"ffmpeg not found: {ffmpeg}")
    if out.exists() and any(out.iterdir()):
        raise PackError(f"{out} is not empty; pack into a fresh folder (stale files would be uploaded)")
    start = time.perf_counter()
    files: list[str] = []
    videos: list[Video] = []
    for name, src in caches.items():
        manifest_path = src / "cache.json"
        if not manifest_path.is_file():
            raise PackError(f"{manifest_path} not found; is {src} a crop cache (lighttrack data cache)?")
        cache = json.loads(manifest_path.read_text())
        if not cache.get("complete"):
            raise PackError(f"{src}: the cache is incomplete; run lighttrack data cache again to finish it")
        size = int(cache["settings"]["crop_size"])
        (out / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest_path, out / name / "cache.json")
        files.append(f"{name}/cache.json")
        for seq in cache["sequences"]:
            index = json.loads((src / seq / "index.json").read_text())
            names = [f for f in index["files"] if f]
            rel = f"{name}/{seq}"
            (out / rel).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / seq / "index.json", out / rel / "index.json")
            files.append(f"{rel}/index.json")
            if names:
                _encode(ffmpeg, [src / seq / f for f in names], (size, size), crf, out / rel / "crops.mkv")
                videos.append(Video(f"{rel}/crops.mkv", rel, names, size, size, len(names)))
        print(f"  {name}: {len(cache['sequences'])} sequences, "
              f"{sum(v.frames for v in videos if v.video.startswith(name + '/'))} crops", flush=True)
    _write_manifest(out, videos, files, {"crf": crf, "kind": "crop caches"})
    print(f"packed {len(videos)} videos, {sum(v.frames for v in videos)} crops in "
          f"{time.perf_counter() - start:.1f} s; total {_tree_bytes(out) / 1e6:.2f} MB in {out}")


# ------------------------------------------------------------------------------------- unpack


def _worker_init() -> None:
    cv2.setNumThreads(1)  # one process per core already


def _unpack_video(task: tuple[str, str, dict]) -> tuple[str, int, str | None]:
    """Decode one stream into JPEGs; returns (video, frames written, error or None)."""
    src, dst, entry = task
    video = Video(**entry)
    path = Path(src) / video.video
    out_dir = Path(dst) / video.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        return video.video, 0, f"OpenCV cannot open {path}"
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    count = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if count >= video.frames:
                return video.video, count, f"{path} has more frames than the {video.frames} in the manifest"
            frame = frame[: video.height, : video.width]
            if frame.shape[:2] != (video.height, video.width):
                return video.video, count, (f"{path} frame {count} is {frame.shape[1]}x{frame.shape[0]}, "
                                            f"expected {video.width}x{video.height}")
            if not cv2.imwrite(str(out_dir / video.names[count]), frame, params):
                return video.video, count, f"cannot write {out_dir / video.names[count]}"
            count += 1
    finally:
        cap.release()
    if count != video.frames:
        return video.video, count, f"{path} decoded to {count} frames; the manifest says {video.frames}"
    return video.video, count, None


def _check_files(src: Path, manifest: dict) -> None:
    bad = []
    for rel, want in manifest["checksums"].items():
        path = src / rel
        if not path.is_file():
            bad.append(f"missing {rel}")
        elif path.stat().st_size != want["bytes"] or file_sha256(path) != want["sha256"]:
            bad.append(f"corrupt {rel} (size or sha256 differs from the manifest)")
    if bad:
        raise PackError(f"{len(bad)} file(s) in {src} do not match the manifest: " + "; ".join(bad[:10]))


def unpack(src: Path, dst: Path, jobs: int) -> None:
    start = time.perf_counter()
    manifest_path = src / MANIFEST
    if not manifest_path.is_file():
        raise PackError(f"{manifest_path} not found; is {src} a pack folder?")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("version") != MANIFEST_VERSION:
        raise PackError(f"{manifest_path}: version {manifest.get('version')}, this script reads {MANIFEST_VERSION}")
    _check_files(src, manifest)
    videos = manifest["videos"]
    targets = sorted({str(Path(v["out_dir"]).parent) for v in videos})
    clash = [t for t in targets if (dst / t).exists()]
    if clash:
        raise PackError(f"{dst} already holds {', '.join(clash[:5])}; remove them first "
                        "(stale frames would mix with the new ones)")
    for rel in manifest["copies"]:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, dst / rel)
    tasks = [(str(src), str(dst), v) for v in sorted(videos, key=lambda v: -v["frames"])]
    errors: list[str] = []
    frames = 0
    with multiprocessing.Pool(max(1, jobs), initializer=_worker_init) as pool:
        for _, count, error in pool.imap_unordered(_unpack_video, tasks):
            frames += count
            if error:
                errors.append(error)
    seconds = time.perf_counter() - start
    if errors:
        raise PackError(f"{len(errors)} of {len(videos)} videos failed:\n  " + "\n  ".join(errors))
    print(f"unpacked {len(videos)} videos, {frames} frames into {dst} in {seconds:.1f} s "
          f"({frames / max(seconds, 1e-9):.0f} frames/s, {max(1, jobs)} jobs)")


# ------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="encode the data sets as H.264 videos + manifest")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--crf", type=int, default=25, help="x264 CRF for DAVIS (higher: smaller, worse)")
    p.add_argument("--stills-crf", type=int, default=24, help="x264 CRF for the still-image sets")
    p.add_argument("--ffmpeg", help="an ffmpeg built with libx264 (default: imageio-ffmpeg's, else ffmpeg on the PATH)")
    p.add_argument("--davis", type=Path, default=DEFAULT_DAVIS, help="DAVIS-2016 folder root")
    p.add_argument("--stills", type=Path, default=DEFAULT_STILLS,
                   help=f"folder holding the still sets ({', '.join(STILL_SETS)})")
    c = sub.add_parser("pack-cache", help="encode crop caches (lighttrack data cache) as H.264 videos + manifest")
    c.add_argument("out_dir", type=Path)
    c.add_argument("caches", nargs="+", metavar="NAME=CACHE_DIR", help="a crop cache folder and its name in the pack")
    c.add_argument("--crf", type=int, default=28, help="x264 CRF (higher: smaller, worse)")
    c.add_argument("--ffmpeg", help="an ffmpeg built with libx264 (default: imageio-ffmpeg's, else ffmpeg on the PATH)")
    u = sub.add_parser("unpack", help="decode a pack into the readers' layouts (OpenCV only)")
    u.add_argument("in_dir", type=Path)
    u.add_argument("out_dir", type=Path)
    u.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="decoder processes")
    args = parser.parse_args(argv)
    try:
        if args.command == "pack":
            pack(args.out_dir, args.davis, args.stills, args.ffmpeg or default_ffmpeg(), args.crf, args.stills_crf)
        elif args.command == "pack-cache":
            caches = {}
            for item in args.caches:
                name, sep, folder = item.partition("=")
                if not sep or not name or not folder:
                    raise PackError(f"expected NAME=CACHE_DIR, got {item!r}")
                caches[name] = Path(folder)
            pack_cache(args.out_dir, caches, args.ffmpeg or default_ffmpeg(), args.crf)
        else:
            unpack(args.in_dir, args.out_dir, args.jobs)
    except PackError as err:
        print(f"device_data {args.command}: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
