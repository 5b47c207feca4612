"""Training pairs as a torch ``Dataset``: sample -> two warped patches -> labels.

Items are a pure function of ``(seed, epoch, index)`` (call ``set_epoch`` before each epoch, and
do not use ``persistent_workers``, or call ``item(epoch, index)`` directly), which makes a resumed
run see exactly the pairs it would have seen. A bad sample (unreadable or truncated frame,
invalid box) is replaced by a deterministic redraw and counted in ``skipped``; a worker never
raises because of the data.
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np
import torch

from lighttrack.data.sampler import PairSampler, PairSpec
from lighttrack.data.sequence import Sequence
from lighttrack.data.targets import make_targets
from lighttrack.data.transforms import AugmentConfig, draw_crop, photometric, warp_patch
from lighttrack.errors import LightTrackError
from lighttrack.geometry import is_valid_box
from lighttrack.imaging import hwc_to_chw_tensor

_RECOVERABLE = (LightTrackError, OSError, ValueError, IndexError, KeyError, cv2.error)


def frame_fill(seq: Sequence, index: int, image: np.ndarray) -> tuple[float, float, float]:
    """Colour for pixels outside the image: the stored frame mean (crop cache) or this image's."""
    fill = seq.meta.get("fill")
    if fill is not None:
        return tuple(float(v) for v in np.asarray(fill)[index])
    return tuple(float(v) for v in cv2.mean(image)[:3])


class PairDataset(torch.utils.data.Dataset):
    """``len`` = the sampler's pairs per epoch; ``ds[i]`` -> dict of template/search/labels."""

    def __init__(self, sampler: PairSampler, config: AugmentConfig | None = None, epoch: int = 0,
                 max_redraws: int = 20) -> None:
        self.sampler = sampler
        self.config = config or AugmentConfig()
        self.epoch = int(epoch)
        self.max_redraws = int(max_redraws)
        self.skipped = 0
        self._warned = False

    def __len__(self) -> int:
        return self.sampler.pairs_per_epoch

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> dict:
        return self.item(self.epoch, int(index))

    def item(self, epoch: int, index: int) -> dict:
        for attempt in range(self.max_redraws):
            spec = self.sampler.sample(epoch, index, attempt)
            rng = np.random.default_rng([self.sampler.seed, epoch, index, attempt, 1])
            try:
                out = self.make_pair(spec, rng)
            except _RECOVERABLE as err:
                self.skipped += 1
                if not self._warned:
                    self._warned = True
                    warnings.warn(f"skipping bad training sample ({err}); further ones are only counted "
                                  "in PairDataset.skipped / item['redraws']", RuntimeWarning)
                continue
            out["redraws"] = attempt
            return out
        warnings.warn(f"{self.max_redraws} bad samples in a row for pair {index}: returning a blank negative",
                      RuntimeWarning)
        return self._blank()

    def _frame(self, src: int, seq_index: int, frame: int) -> tuple[Sequence, np.ndarray, np.ndarray]:
        seq = self.sampler.sources[src].dataset[seq_index]
        box = seq.boxes[frame]
        if not is_valid_box(box):
            raise ValueError(f"invalid box {box.tolist()} in {seq.name} frame {frame}")
        return seq, seq.frame(frame), box

    def make_pair(self, spec: PairSpec, rng: np.random.Generator) -> dict:
        cfg = self.config
        zseq, zimg, zbox = self._frame(spec.source, spec.sequence, spec.template_frame)
        same = (spec.search_source, spec.search_sequence, spec.search_frame) == (
            spec.source, spec.sequence, spec.template_frame)
        if same:
            xseq, ximg, xbox = zseq, zimg, zbox
        else:
            xseq, ximg, xbox = self._frame(spec.search_source, spec.search_sequence, spec.search_frame)
        zp = draw_crop(rng, zbox, cfg.template_size, cfg.template_size, cfg.context,
                       cfg.template_shift, cfg.template_scale, cfg.flip_prob)
        xp = draw_crop(rng, xbox, cfg.search_size, cfg.template_size, cfg.context,
                       cfg.search_shift, cfg.search_scale, cfg.flip_prob)
        template, _ = warp_patch(zimg, zbox, zp, frame_fill(zseq, spec.template_frame, zimg))
        search, box = warp_patch(ximg, xbox, xp, frame_fill(xseq, spec.search_frame, ximg))
        template = photometric(rng, template, cfg)
        search = photometric(rng, search, cfg)
        targets = make_targets(box, cfg.search_size, negative=spec.negative)
        return {
            "template": hwc_to_chw_tensor(template),
            "search": hwc_to_chw_tensor(search),
            "cls_label": torch.from_numpy(targets["cls_label"]),
            "reg_target": torch.from_numpy(targets["reg_target"]),
            "reg_weight": torch.from_numpy(targets["reg_weight"]),
            "box": torch.tensor(box, dtype=torch.float32),
            "negative": bool(spec.negative),
        }

    def _blank(self) -> dict:
        cfg = self.config
        t = make_targets([0, 0, 1, 1], cfg.search_size, negative=True)
        return {
            "template": torch.full((3, cfg.template_size, cfg.template_size), 114, dtype=torch.uint8),
            "search": torch.full((3, cfg.search_size, cfg.search_size), 114, dtype=torch.uint8),
            "cls_label": torch.from_numpy(t["cls_label"]),
            "reg_target": torch.zeros_like(torch.from_numpy(t["reg_target"])),
            "reg_weight": torch.from_numpy(t["reg_weight"]),
            "box": torch.zeros(4, dtype=torch.float32),
            "negative": True,
            "redraws": self.max_redraws,
        }


def worker_init(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: one torch thread per worker (workers are the parallelism).

    It deliberately does not call ``cv2.setNumThreads``: after a fork, OpenCV's thread pool
    belongs to the parent, and reconfiguring it in the child waits forever on threads that do not
    exist there. Call ``cv2.setNumThreads`` in the parent, before the workers start, if needed.
    """
    torch.set_num_threads(1)
