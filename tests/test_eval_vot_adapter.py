"""lighttrack.eval.vot_adapter, the one vot-toolkit adapter: golden boxes through it, several
objects in one call, any --tracker spec through create(), the region and frame forms the
toolkit sends, and the status form it reads back."""

from __future__ import annotations

import numpy as np
import pytest
from golden import FIXTURE, GOLDEN_TOLERANCE_PX, HAVE_FIXTURE, golden_backend, golden_frames, rows

from lighttrack.errors import InputError
from lighttrack.eval.vot_adapter import VOTTracker, create, frame_image, region_to_box
from lighttrack.tracker import Tracker

needs_fixture = pytest.mark.skipif(not HAVE_FIXTURE, reason=f"golden fixture missing: {FIXTURE}")


@pytest.fixture(scope="module")
def frames():
    return golden_frames(5)


@pytest.fixture(scope="module")
def backend():
    return golden_backend()


@needs_fixture
def test_golden_boxes_and_several_objects(backend, frames):
    ref = rows("vot2019")
    vot = VOTTracker(Tracker(backend, preset="vot2019"))
    assert vot.multiobject
    vot.initialize(str(FIXTURE / "frames" / "0000.png"), [150, 113, 20, 14])
    region, properties = vot.update(str(FIXTURE / "frames" / "0001.png"), [], {})
    np.testing.assert_allclose(region, ref[1, 1:5], atol=GOLDEN_TOLERANCE_PX)
    assert len(region) == 4 and 0 <= properties["confidence"] <= 1
    # several objects (the runtime's multi-object mode): a list in, a list out
    statuses = vot.init({"color": str(FIXTURE / "frames" / "0000.png")}, [[150, 113, 20, 14], [1, 1, 61, 1, 61, 41, 1, 41]])
    assert len(statuses) == 2 and statuses[1][0][2] == 60
    assert len(vot.update(frames[1])) == 2
    with pytest.raises(InputError):
        vot.update(frames[2], [[1, 1, 5, 5]])
    with pytest.raises(InputError):
        vot.update(str(FIXTURE / "missing.png"))


@needs_fixture
def test_what_the_toolkit_sends_and_reads_back(backend, frames):
    """vot-toolkit 0.9's python runtime sends (encoded region, properties) pairs, one or in a list,
    and decodes a status as (4-tuple rectangle, properties dict); multi-object mode wants a list."""
    ref = rows("vot2019")
    vot = VOTTracker(Tracker(backend, preset="vot2019"))
    statuses = vot.init(str(FIXTURE / "frames" / "0000.png"), [((150.0, 113.0, 20.0, 14.0), {})])
    assert isinstance(statuses, list) and len(statuses) == 1
    statuses = vot.init(str(FIXTURE / "frames" / "0000.png"), ((150.0, 113.0, 20.0, 14.0), {}))
    assert isinstance(statuses, list)
    (status,) = vot.update(str(FIXTURE / "frames" / "0001.png"), [], {})
    region, properties = status
    assert type(region) is tuple and len(region) == 4 and isinstance(properties, dict)
    np.testing.assert_allclose(region, ref[1, 1:5], atol=GOLDEN_TOLERANCE_PX)
    polygon = [(150.0, 113.0), (170.0, 113.0), (170.0, 127.0), (150.0, 127.0)]
    (status,) = vot.init(str(FIXTURE / "frames" / "0000.png"), [(polygon, {})])
    np.testing.assert_allclose(status[0], [150, 113, 20, 14])


def test_any_tracker_spec_through_create(frames, monkeypatch):
    monkeypatch.delenv("LIGHTTRACK_VOT_TRACKER", raising=False)
    vot = create()  # the default spec: KCF
    assert not vot.multiobject
    region, properties = vot.init(frames[0], ((150.0, 113.0, 20.0, 14.0), {}))
    assert region == (150.0, 113.0, 20.0, 14.0) and properties == {}
    region, _ = vot.update({"color": frames[1]})
    assert len(region) == 4 and all(np.isfinite(region))
    with pytest.raises(InputError, match="follows one object"):
        vot.init(frames[0], [[1, 1, 5, 5], [10, 10, 5, 5]])
    monkeypatch.setenv("LIGHTTRACK_VOT_TRACKER", "static")
    vot = create()
    vot.init(frames[0], [10, 20, 30, 40])
    assert vot.update(frames[1])[0] == (10.0, 20.0, 30.0, 40.0)


def test_regions_and_frames():
    assert region_to_box([1, 1, 5, 1, 5, 4, 1, 4]).tolist() == [1, 1, 4, 3]
    assert region_to_box([(1, 1), (5, 1), (5, 4), (1, 4)]).tolist() == [1, 1, 4, 3]
    assert region_to_box((2.5, 3, 4, 5)).tolist() == [2.5, 3, 4, 5]

    class Rect:  # a vot.region.Rectangle
        x, y, width, height = 1.0, 2.0, 3.0, 4.0

    assert region_to_box(Rect()).tolist() == [1, 2, 3, 4]
    with pytest.raises(InputError):
        region_to_box([1, 2, 3])
    image = np.zeros((4, 6, 3), np.uint8)
    assert frame_image({"color": image, "depth": None}).shape == (4, 6, 3)
    assert frame_image({"ir": image}).shape == (4, 6, 3)
