"""The tracking-data layer: readers for every standard layout, checks, synthetic clips, pair
sampling, crops, labels and a crop cache. See docs/data.md."""

from lighttrack.data.datasets import FORMATS, Dataset, detect_format, open_dataset
from lighttrack.data.pairs import PairDataset
from lighttrack.data.sampler import PairSampler, PairSpec, Source
from lighttrack.data.sequence import Problem, Sequence, load_image
from lighttrack.data.synthetic import synthetic_sequence
from lighttrack.data.targets import make_targets
from lighttrack.data.transforms import AugmentConfig

__all__ = [
    "FORMATS", "Dataset", "detect_format", "open_dataset", "PairDataset", "PairSampler", "PairSpec",
    "Source", "Problem", "Sequence", "load_image", "synthetic_sequence", "make_targets", "AugmentConfig",
]
