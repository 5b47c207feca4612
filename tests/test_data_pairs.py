"""Crops, labels and training pairs: labels decode back into the box on the tracker's grid."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from lighttrack.data import AugmentConfig, PairDataset, PairSampler, Source, make_targets, open_dataset
from lighttrack.data.targets import centre_cell
from lighttrack.data.transforms import CropParams, warp_patch
from lighttrack.geometry import context_size, grid_points, ltrb_to_boxes, score_size

NO_JITTER = AugmentConfig(template_shift=0, template_scale=0, search_shift=0, search_scale=0, color_prob=0)


def _synthetic(n=4, length=20, seed=0):
    return open_dataset("synthetic", None, num_sequences=n, length=length, seed=seed, size=(160, 120))


@pytest.mark.parametrize("search_size", [256, 288])
def test_targets_decode_back_into_the_box(search_size):
    box = np.array([101.3, 90.2, 170.9, 140.4])
    t = make_targets(box, search_size)
    size = score_size(search_size)
    assert t["cls_label"].shape == (size, size) and t["reg_target"].shape == (4, size, size)
    decoded = ltrb_to_boxes(t["reg_target"], search_size)
    inside = t["reg_weight"] > 0
    assert inside.sum() > 0
    assert np.allclose(decoded[:, inside].T, box, atol=1e-3)
    gx, gy = grid_points(search_size)
    assert np.all((gx[inside] > box[0]) & (gx[inside] < box[2]) & (gy[inside] > box[1]) & (gy[inside] < box[3]))


def test_classification_diamond_follows_the_shift():
    t = make_targets([100, 100, 156, 156], 256)  # centred: shift 0
    rows, cols = np.nonzero(t["cls_label"])
    assert len(rows) == 5 and (rows.mean(), cols.mean()) == (8, 8)
    # target 40 px right of and 20 px above the centre: int(40/16) = 2 cells right, int(-20/16) = -1 row
    r, c = centre_cell([140, 80, 196, 136], 256)
    assert (r, c) == (7, 10)
    assert make_targets([140, 80, 196, 136], 256)["cls_label"][7, 10] == 1
    neg = make_targets([100, 100, 156, 156], 256, negative=True)
    assert neg["cls_label"].sum() == 0 and neg["reg_weight"].sum() == 0


def test_single_warp_crop_is_target_centred_at_the_template_scale():
    image = np.zeros((200, 300, 3), np.uint8)
    image[50:90, 100:160] = 255  # a white 60x40 target at x=100, y=50
    box = (100, 50, 60, 40)
    k = 128 / context_size(60, 40)
    patch, xyxy = warp_patch(image, box, CropParams(128, k), fill=(0, 0, 0))
    assert np.allclose(xyxy, [64 - 30 * k, 64 - 20 * k, 64 + 30 * k, 64 + 20 * k])
    ys, xs = np.nonzero(patch[..., 0] > 127)
    assert abs(xs.min() - xyxy[0]) <= 1 and abs(xs.max() + 1 - xyxy[2]) <= 1
    assert abs(ys.min() - xyxy[1]) <= 1 and abs(ys.max() + 1 - xyxy[3]) <= 1
    flipped, fbox = warp_patch(image, box, CropParams(128, k, shift=(10, 0), flip=True), fill=(0, 0, 0))
    assert np.allclose(fbox, [128 - (54 + 30 * k), 64 - 20 * k, 128 - (54 - 30 * k), 64 + 20 * k])


def test_out_of_image_fill_is_the_given_colour():
    image = np.full((20, 20, 3), 200, np.uint8)
    patch, _ = warp_patch(image, (0, 0, 10, 10), CropParams(64, 0.5), fill=(1, 2, 3))
    assert patch[0, 0].tolist() == [1, 2, 3] and patch[63, 63].tolist() == [1, 2, 3]


def test_pair_items_have_the_agreed_shapes_and_exact_labels():
    sampler = PairSampler([Source(_synthetic(), 40, frame_range=5)], seed=3)
    ds = PairDataset(sampler)
    item = ds[0]
    assert item["template"].shape == (3, 128, 128) and item["template"].dtype == torch.uint8
    assert item["search"].shape == (3, 256, 256) and item["search"].dtype == torch.uint8
    assert item["cls_label"].shape == (16, 16) and item["cls_label"].sum() == 5
    assert item["reg_target"].shape == (4, 16, 16) and item["reg_weight"].dtype == torch.float32
    assert item["box"].shape == (4,) and item["negative"] is False
    decoded = ltrb_to_boxes(item["reg_target"].numpy(), 256)[:, item["reg_weight"].numpy() > 0]
    assert np.allclose(decoded.T, item["box"].numpy(), atol=1e-3)
    big = PairDataset(sampler, AugmentConfig(search_size=288))[0]
    assert big["search"].shape == (3, 288, 288) and big["cls_label"].shape == (18, 18)


def test_no_jitter_puts_the_target_in_the_middle_at_scale():
    sampler = PairSampler([Source(_synthetic(), 10, frame_range=0)], seed=1)
    item = PairDataset(sampler, NO_JITTER)[0]
    spec = sampler.sample(0, 0)
    seq = sampler.sources[0].dataset[spec.sequence]
    w, h = seq.boxes[spec.search_frame, 2:]
    k = 128 / context_size(w, h)
    assert np.allclose(item["box"].numpy(), [128 - k * w / 2, 128 - k * h / 2, 128 + k * w / 2, 128 + k * h / 2], atol=1e-3)


def test_pairs_are_a_pure_function_of_seed_epoch_index():
    a = PairDataset(PairSampler([Source(_synthetic(), 30, 5)], negative_prob=0.3, seed=7))
    b = PairDataset(PairSampler([Source(_synthetic(), 30, 5)], negative_prob=0.3, seed=7))
    for i in (5, 0, 17):  # any order, any process
        x, y = a[i], b[i]
        assert torch.equal(x["search"], y["search"]) and torch.equal(x["template"], y["template"])
    b.set_epoch(1)
    assert not torch.equal(a[5]["search"], b[5]["search"])
    assert torch.equal(b[5]["search"], a.item(1, 5)["search"])


def test_sampler_mix_frame_range_visibility_and_negatives():
    seqs = _synthetic(n=3, length=30)
    other = _synthetic(n=2, length=30, seed=5)
    sampler = PairSampler([Source(seqs, 300, frame_range=3), Source(other, 100, frame_range=0)],
                          negative_prob=0.25, seed=0)
    specs = [sampler.sample(2, i) for i in range(400)]
    assert sum(s.source == 0 for s in specs) == 300  # exact pairs per data set per epoch
    negatives = [s for s in specs if s.negative]
    assert 60 < len(negatives) < 140
    for s in specs:
        seq = sampler.sources[s.source].dataset[s.sequence]
        assert seq.visible[s.template_frame]
        if not s.negative:
            assert abs(s.search_frame - s.template_frame) <= sampler.sources[s.source].frame_range
            assert seq.visible[s.search_frame]
        else:
            assert (s.search_source, s.search_sequence) != (s.source, s.sequence)
    ds = PairDataset(sampler)
    neg_index = next(i for i, s in enumerate(specs) if s.negative)
    item = ds.item(2, neg_index)
    assert item["negative"] and item["cls_label"].sum() == 0 and item["reg_weight"].sum() == 0


def test_bad_samples_are_redrawn_and_counted(tmp_path):
    import data_helpers as h

    root = tmp_path / "clips"
    for name in ("good", "bad"):
        for i in range(3):
            h.write_jpg(root / name / "img" / f"{i:04d}.jpg", w=64, h=48, seed=i)
        h.write_text(root / name / "groundtruth.txt", h.boxes_text([[10, 10, 20, 15]] * 3))
    for i in range(3):  # every frame of "bad" truncated
        p = root / "bad" / "img" / f"{i:04d}.jpg"
        p.write_bytes(p.read_bytes()[:100])
    ds = PairDataset(PairSampler([Source(open_dataset("folder", root), 20, 2)], seed=0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = [ds[i] for i in range(20)]
    assert ds.skipped > 0 and sum(it["redraws"] for it in items) == ds.skipped
    assert sum("skipping bad training sample" in str(w.message) for w in caught) == 1  # warned once
    assert all(it["template"].shape == (3, 128, 128) for it in items)


def test_dataloader_workers_reproduce_the_main_process():
    from lighttrack.data.pairs import worker_init

    ds = PairDataset(PairSampler([Source(_synthetic(n=2, length=10), 8, 3)], seed=11))
    ds[0]  # OpenCV's thread pool is live in the parent before the workers fork
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=2, worker_init_fn=worker_init, timeout=120)
    batches = list(loader)
    assert torch.equal(batches[1]["search"][2], ds[6]["search"])


def test_sampler_skips_unusable_sequences_with_one_counted_warning(tmp_path):
    import data_helpers as h

    root = tmp_path / "clips"
    for name in ("good", "empty_gt", "all_nan", "short_gt"):
        for i in range(3):
            h.write_jpg(root / name / "img" / f"{i:04d}.jpg", w=64, h=48, seed=i)
    h.write_text(root / "good" / "groundtruth.txt", h.boxes_text([[10, 10, 20, 15]] * 3))
    h.write_text(root / "empty_gt" / "groundtruth.txt", "")
    h.write_text(root / "all_nan" / "groundtruth.txt", "nan,nan,nan,nan\n" * 3)
    h.write_text(root / "short_gt" / "groundtruth.txt", "10,10,20,15\n")
    with pytest.warns(RuntimeWarning, match="2 sequence"):
        sampler = PairSampler([Source(open_dataset("folder", root), 10, 5)], seed=0)
    assert sampler.dropped == [2] and sampler.repaired == [2]  # empty_gt, short_gt repaired
    names = {sampler.sources[0].dataset[sampler.sample(0, i).sequence].name for i in range(10)}
    assert names <= {"good", "short_gt"}
