"""The model registry: one entry per shipped model, its file's hash checked, one loader."""

import shutil

import pytest

import lighttrack
from lighttrack.errors import CheckpointError
from lighttrack.io import file_sha256
from lighttrack.models import ASSETS_DIR, default_weights, load_weights, weights_file
from lighttrack.tracker.tracker import carried_preset


def test_every_shipped_model_is_one_entry_with_file_hash_preset_and_terms():
    shipped = [m for m in lighttrack.list_models() if m.weights]
    assert [m.name for m in shipped] == ["lighttrack-mobile", "lighttrack-mobile-official", "lighttrack-mobile-ours", "lighttrack-m300",
                                         "lighttrack-m200"]
    # the default is the official trained Mobile (issue 23); both names read one file
    assert lighttrack.get_model("lighttrack-mobile").weights == lighttrack.get_model("lighttrack-mobile-official").weights
    for entry in shipped:
        path = ASSETS_DIR / entry.weights
        assert file_sha256(path) == entry.sha256
        assert carried_preset(entry.name).name == entry.preset
        if entry.weights == "lighttrack-mobile-official.pt":  # the authors' weights: their licence, shipped beside them
            assert "MIT" in entry.terms and "Multimedia Research" in entry.terms
            assert "Copyright (c) 2021 Multimedia Research" in (ASSETS_DIR / "LICENSE-lighttrack-official").read_text()
        else:
            assert "research use" in entry.terms
        net, data = load_weights(entry.name)
        assert str(net.arch) == entry.arch == data["arch"]
    assert lighttrack.get_model("LightTrack-Mobile").arch == str(lighttrack.resolve_arch("lighttrack-mobile"))


def test_a_shipped_name_whose_file_differs_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "lighttrack-mobile-official.pt"  # the file the default name reads
    shutil.copy(ASSETS_DIR / "lighttrack-m300.pt", fake)  # a real checkpoint, but not the registered file
    monkeypatch.setenv("LIGHTTRACK_WEIGHTS_DIR", str(tmp_path))
    assert default_weights("lighttrack-mobile") == fake
    with pytest.raises(CheckpointError, match="SHA-256"):
        weights_file("lighttrack-mobile")
    with pytest.raises(CheckpointError, match="SHA-256"):
        lighttrack.Tracker.from_weights("lighttrack-mobile")
    assert weights_file(fake) == fake  # given as a file, it is the user's own checkpoint


def test_unknown_weights_name_the_shipped_ones():
    with pytest.raises(CheckpointError, match="lighttrack-mobile, lighttrack-mobile-official, lighttrack-mobile-ours, lighttrack-m300, lighttrack-m200"):
        weights_file("lighttrack-huge")


def test_registered_architectures_have_no_weights():
    entry = lighttrack.register("my-found", "back_04000224204000000000+cls_101200111+reg_012202221_ops_23")
    try:
        assert entry.weights is None and default_weights("my-found") is None
        assert str(lighttrack.resolve_arch("my-found")) == entry.arch
    finally:
        lighttrack.models.MODELS.pop("my-found")
