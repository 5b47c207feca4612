"""Template alignment (``Preset.align``): the network's box refined by matching the target's
first-frame appearance, and left alone where that appearance is gone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lighttrack.errors import ConfigError
from lighttrack.eval.metrics import iou
from lighttrack.tracker import Tracker
from lighttrack.tracker.align import TemplateAligner, crop_region, peak_offset
from lighttrack.tracker.presets import get_preset, preset_from_dict


def _texture(height=480, width=640, seed=0):
    """A smooth random texture: a rigid 'photo' with structure at several scales."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width), np.float32)
    for cells in (8, 24, 64):
        coarse = rng.uniform(0, 255, (cells * height // width + 1, cells)).astype(np.float32)
        image += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC) / 3
    grey = np.clip(image, 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _view(photo, cx, cy, zoom, out=(320, 240)):
    """The photo seen by a camera centred on (cx, cy) at ``zoom`` (output pixels per photo pixel)."""
    w, h = out
    matrix = np.array([[zoom, 0, w / 2 - zoom * cx], [0, zoom, h / 2 - zoom * cy]], np.float64)
    return cv2.warpAffine(photo, matrix, out, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _box_in_view(box, cx, cy, zoom, out=(320, 240)):
    x, y, w, h = box
    return np.array([(x - cx) * zoom + out[0] / 2, (y - cy) * zoom + out[1] / 2, w * zoom, h * zoom])


def test_peak_offset_finds_a_parabolas_vertex():
    vertex = 0.3
    f = lambda x: 1.0 - (x - vertex) ** 2  # noqa: E731
    assert peak_offset(f(-1), f(0), f(1)) == pytest.approx(vertex)
    assert peak_offset(1.0, 1.0, 1.0) == 0.0  # flat: no sub-sample information
    assert peak_offset(0.0, 1.0, 5.0) == 0.0  # not a maximum: no offset


def test_crop_region_replicates_the_edges_and_reports_its_corner():
    image = np.arange(20 * 30, dtype=np.uint8).reshape(20, 30)
    inside, x0, y0 = crop_region(image, 5, 4, 15, 10)
    assert inside.shape == (6, 10) and (x0, y0) == (5, 4) and inside[0, 0] == image[4, 5]
    hanging, x0, y0 = crop_region(image, -3.5, -2, 4, 5)
    assert hanging.shape == (7, 8) and (x0, y0) == (-4, -2)
    assert hanging[0, 0] == image[0, 0] and hanging[2, 4] == image[0, 0] and hanging[6, 7] == image[4, 3]
    assert crop_region(image, 40, 0, 50, 10) is None  # wholly outside


def test_aligner_finds_a_moved_and_zoomed_target_to_the_pixel():
    photo = _texture()
    box = np.array([280.0, 200.0, 60.0, 40.0])  # a region of the photo
    first = _view(photo, 310, 220, 1.0)
    aligner = TemplateAligner(first, _box_in_view(box, 310, 220, 1.0), threshold=0.6, margin=0.3)
    for cx, cy, zoom in ((300, 225, 1.0), (318, 214, 1.05), (305, 222, 0.95)):
        frame = _view(photo, cx, cy, zoom)
        truth = _box_in_view(box, cx, cy, zoom)
        center = truth[:2] + truth[2:] / 2
        # the network's guess: 6 px off and 4 % too small
        found = aligner.align(frame, center + [6.0, -5.0], truth[2:] * 0.96)
        assert found is not None and found.correlation > 0.9
        assert np.abs(found.center - center).max() < 0.6
        assert found.size[0] / truth[2] == pytest.approx(1.0, abs=0.02)
        assert found.size[1] / found.size[0] == pytest.approx(box[3] / box[2])


def test_aligner_stands_aside_where_the_target_looks_different():
    photo = _texture()
    first = _view(photo, 310, 220, 1.0)
    box = _box_in_view(np.array([280.0, 200.0, 60.0, 40.0]), 310, 220, 1.0)
    aligner = TemplateAligner(first, box, threshold=0.6)
    other = _view(_texture(seed=7), 310, 220, 1.0)  # another scene altogether
    assert aligner.align(other, box[:2] + box[2:] / 2, box[2:]) is None
    flat = np.full((240, 320, 3), 90, np.uint8)
    assert not TemplateAligner(flat, box).usable
    assert TemplateAligner(flat, box).align(first, box[:2] + box[2:] / 2, box[2:]) is None
    assert aligner.align(first, [np.nan, 10.0], box[2:]) is None  # a lost state is not aligned


def test_align_preset_fields_are_validated_and_read_from_files():
    assert get_preset("default").align is False
    for bad in ({"align_threshold": 1.5}, {"align_margin": -0.1}, {"align": "yes"}):
        with pytest.raises(ConfigError):
            get_preset("default").replace(**bad)
    loaded = preset_from_dict({"base": "default_even", "align": True, "align_threshold": 1, "align_margin": 0.5})
    assert loaded.align and loaded.align_threshold == 1.0 and loaded.align_margin == 0.5


@pytest.fixture(scope="module")
def clip():
    """A shipped photo under the handheld virtual camera (zoom, blur, exposure drift, an
    occluder) and the shipped Mobile network."""
    from lighttrack.data.clipsets import DemoStills

    clips = DemoStills(24, None, "handheld")
    seq = clips[clips.names[0]]
    return [seq.frame(i) for i in range(len(seq))], np.asarray(seq.boxes, np.float64), Tracker.from_weights("lighttrack-mobile")


def _overlaps(tracker, frames, truth):
    tracker.init(frames[0], truth[0])
    return iou(np.array([tracker.update(f).box for f in frames[1:]]), truth[1:])


def test_alignment_tightens_the_networks_boxes_on_a_rigid_clip(clip):
    frames, truth, shipped = clip
    plain = Tracker(shipped.backend, preset=shipped.preset.replace(align=False))
    aligned = Tracker(shipped.backend, preset=shipped.preset.replace(align=True))
    before, after = _overlaps(plain, frames, truth), _overlaps(aligned, frames, truth)
    assert after.mean() > before.mean() + 0.03
    assert after.mean() > 0.85


def test_each_target_keeps_its_own_reference(clip):
    frames, truth, shipped = clip
    preset = shipped.preset.replace(align=True)
    single = Tracker(shipped.backend, preset=preset)
    single.init(frames[0], truth[0])
    alone = [single.update(f).box for f in frames[1:6]]
    multi = Tracker(shipped.backend, preset=preset)
    decoy = truth[0] + [truth[0][2], 0, 0, 0]  # a second target beside the first
    multi.init_many(frames[0], [truth[0], decoy])
    together = [multi.update_many(f)[0].box for f in frames[1:6]]
    assert np.allclose(alone, together, atol=1e-6)


def test_alignment_can_be_switched_per_tracker_and_on_the_command_line():
    import argparse

    from lighttrack.cli.track import build_tracker

    assert Tracker.from_weights("lighttrack-mobile", preset="default_even", align=True).preset.align
    assert not Tracker.from_weights("lighttrack-mobile", preset="default_even").preset.align
    base = dict(onnx=None, int8=False, weights=None, arch="lighttrack-mobile", preset="default_even", device="cpu",
                threads=1, spin=False, fast=False)
    assert build_tracker(argparse.Namespace(**base, align=True)).preset.align
    assert not build_tracker(argparse.Namespace(**base, align=False)).preset.align
    assert not build_tracker(argparse.Namespace(**base, align=None)).preset.align  # the preset's own choice


def test_alignment_fields_are_tunable():
    from lighttrack.eval.tune import search_space

    assert set(search_space(["align_threshold", "align_margin"])) == {"align_threshold", "align_margin"}


def test_network_only_turns_every_refiner_off_and_says_so():
    from lighttrack.tracker.presets import network_only

    aligned = get_preset("aligned")
    assert aligned.align and aligned.calibration == 1.0 and aligned.vote_radius == 1
    alone = network_only(aligned)
    assert not alone.align and alone.calibration == 0 and alone.vote_radius == 0 and alone.name == "aligned-network-only"
    assert alone.replace(align=True, calibration=1.0, vote_radius=1, name="aligned") == aligned and network_only(alone) == alone


def test_alignment_recovers_the_exact_boxes_of_a_rigid_target_behind_a_random_network():
    """The golden fixture clip (a rigid checkerboard moving over a static background) tracked by
    the fixture's random-weight network: its own boxes lag the target, the aligned ones are
    exact to a fraction of a pixel. What the network must still do is keep the search near."""
    from pathlib import Path

    import lighttrack

    fixture = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
    if not (fixture / "state_dict.pt").is_file():
        pytest.skip(f"golden fixture missing: {fixture}")
    frames = [cv2.cvtColor(cv2.imread(str(fixture / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(8)]
    truth = np.loadtxt(fixture / "frames_groundtruth.txt", delimiter=",")[:8]
    net = lighttrack.build("lighttrack-mobile", weights=fixture / "state_dict.pt")
    errors = {}
    for align in (False, True):
        tracker = Tracker(net, preset="aligned", align=align)
        tracker.init(frames[0], truth[0])
        boxes = np.array([tracker.update(f).box for f in frames[1:]])
        errors[align] = np.abs(boxes - truth[1:]).max()
    assert errors[False] > 5.0
    assert errors[True] < 0.5
