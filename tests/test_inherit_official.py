"""A supernet inheriting the official LightTrack-Mobile (BN folded: placeholder statistics).

The official weights keep every BatchNorm with running mean 0 / variance 1 and the folded affine;
``lighttrack.nn.bnfold`` re-expresses them with measured statistics before inheritance, so the
Mobile path is the official network in eval mode and stays close to it in train mode and after
BN recalibration (which the folded form does not).
"""

import copy

import pytest
import torch

from lighttrack.errors import CheckpointError, ConfigError
from lighttrack.imaging import normalize_uint8
from lighttrack.models import load_weights, resolve_arch
from lighttrack.nn.batchnorm import calibration_batches, recalibrate
from lighttrack.nn.bnfold import placeholder_batchnorms, unfold_batchnorms
from lighttrack.nn.net import extract
from lighttrack.train import checkpoint as ckpt
from lighttrack.train.testing import FakePairs
from lighttrack.train.trainer import Trainer

MOBILE = resolve_arch("lighttrack-mobile-official")


@pytest.fixture(scope="module")
def official():
    net, _ = load_weights("lighttrack-mobile-official")
    return net.eval()


def batches(n=2, size=2, seed=0):
    return calibration_batches(FakePairs(length=n * size, search_size=256, seed=seed), n, size)


def inputs(seed=5):
    z, x = batches(1, 2, seed)[0]
    return normalize_uint8(z), normalize_uint8(x)


def mean_diff(a, b):
    return [float((p - q).abs().mean()) for p, q in zip(a, b)]


def test_official_weights_have_placeholder_statistics_and_unfolding_keeps_the_eval_function(official):
    assert len(placeholder_batchnorms(official)) == sum(isinstance(m, torch.nn.BatchNorm2d) for m in official.modules())
    net = copy.deepcopy(official)
    changed = unfold_batchnorms(net, batches())
    assert len(changed) == len(placeholder_batchnorms(official)) and not placeholder_batchnorms(net)
    z, x = inputs()
    with torch.no_grad():
        want = official(z, x)
        got = net.eval()(z, x)
        folded_train = copy.deepcopy(official).train()(z, x)
        unfolded_train = copy.deepcopy(net).train()(z, x)
        folded_recal = recalibrate(copy.deepcopy(official), batches(seed=1))(z, x)
        unfolded_recal = recalibrate(copy.deepcopy(net), batches(seed=1))(z, x)
    torch.testing.assert_close(got[0], want[0], atol=2e-5, rtol=1e-5)
    torch.testing.assert_close(got[1], want[1], atol=2e-4, rtol=1e-5)
    # train mode / recalibration: the folded form computes another network, the unfolded one nearly this one
    for folded, unfolded in ((folded_train, unfolded_train), (folded_recal, unfolded_recal)):
        f, u = mean_diff(folded, want), mean_diff(unfolded, want)
        assert u[0] < f[0] / 5 and u[1] < f[1] / 5, (f, u)


def cfg_for(tmp_path, *extra):
    from test_train_supernet import cfg_for as base  # the tiny supernet run of the supernet tests

    return base(tmp_path, "data.search_size=256", "model.unfold_batches=2", "train.steps_per_epoch=1", *extra)


def fake(length=2):
    return FakePairs(length=length, search_size=256, seed=0)


def test_supernet_inherits_the_official_mobile_by_name(tmp_path, capsys, official):
    trainer = Trainer(cfg_for(tmp_path / "sn", "model.init=lighttrack-mobile-official"), dataset=fake())
    assert "BatchNorms unfolded first" in capsys.readouterr().err
    report = trainer.init_report
    assert report["backbone"]["exact"] == 15 and report["backbone"]["random"] == 6
    z, x = inputs()
    supernet = trainer.model.eval()
    with torch.no_grad():
        want = official(z, x)
        child = extract(supernet, MOBILE).eval()(z, x)
        path = supernet(z, x, MOBILE)  # the supernet's own forward pass along the Mobile path
        for got in (child, path):
            torch.testing.assert_close(got[0], want[0], atol=2e-5, rtol=1e-5)
            torch.testing.assert_close(got[1], want[1], atol=2e-4, rtol=1e-5)
        for seed in range(3):  # other paths run
            cls, reg = supernet(z, x, supernet.space.sample(seed))
            assert torch.isfinite(cls).all() and torch.isfinite(reg).all() and cls.shape[-1] == 16
    summary = trainer.fit()
    assert summary["steps"] == 1 and summary["counters"]["skipped_steps"] == 0


def test_bad_inheritance_sources_are_refused_before_work(tmp_path):
    # a source whose architecture is not in the configured space (no ops_32 output)
    with pytest.raises(CheckpointError, match="not in this search space"):
        Trainer(cfg_for(tmp_path / "a", "model.init=lighttrack-mobile-official", "model.output_positions=ops_20,ops_30"),
                dataset=fake())
    # a supernet checkpoint of another space
    small = Trainer(cfg_for(tmp_path / "b", "model.depths=[1,1,1,1,1]", "model.output_positions=ops_20",
                            "model.head_layers=2"), dataset=fake())
    path = ckpt.save_supernet(small.model, tmp_path / "b" / "supernet.pt")
    with pytest.raises(CheckpointError, match="supernet of another search space"):
        Trainer(cfg_for(tmp_path / "c", f"model.init={path}"), dataset=fake())
    # no batches to unfold folded BatchNorms with
    with pytest.raises(CheckpointError, match="placeholder statistics"):
        Trainer(cfg_for(tmp_path / "d", "model.init=lighttrack-mobile-official", "model.unfold_batches=0"), dataset=fake())
    # an unknown name
    with pytest.raises(CheckpointError, match="unknown model or weights file"):
        Trainer(cfg_for(tmp_path / "e", "model.init=lighttrack-nothing"), dataset=fake())


def test_frozen_bn_supernet_scores_the_mobile_path_as_the_official_network(tmp_path, official):
    """A supernet trained with frozen BN (train.bn: frozen) and scored without recalibration
    (fitness.calibration_batches: 0): the Mobile path's fitness is the official network's.
    Recalibrating (train-mode statistics of template and search batches apart) scores another function."""
    from lighttrack.data.synthetic import synthetic_sequence
    from lighttrack.search.fitness import SupernetFitness, score_sequences

    trainer = Trainer(cfg_for(tmp_path / "sn", "model.init=lighttrack-mobile-official", "train.bn=frozen",
                              "train.max_steps=0"), dataset=fake())
    trainer.fit()
    seqs = [synthetic_sequence(seed=3, index=i, length=8) for i in range(2)]
    want = score_sequences(copy.deepcopy(official), seqs)
    supernet = trainer.model
    assert SupernetFitness(supernet, [], seqs).evaluate(MOBILE)["fitness"] == pytest.approx(want["fitness"], abs=1e-6)
    with torch.no_grad():  # and the outputs themselves, not only the tracking score
        z, x = inputs()
        cls, reg = extract(supernet, MOBILE).eval()(z, x)
        ref = official(z, x)
        torch.testing.assert_close(cls, ref[0], atol=2e-5, rtol=1e-5)
        recal = recalibrate(extract(supernet, MOBILE), batches(2, 4, seed=9), None)(z, x)
    assert float((recal[1] - ref[1]).abs().max()) > 100 * float((reg - ref[1]).abs().max())


def test_fixed_inherited_statistics_keep_the_mobile_path_official_in_every_mode(tmp_path, official):
    """model.fix_inherited_bn: the Mobile path's BNs keep their statistics in train mode, in
    recalibration and through checkpoints, so that path computes the official network throughout;
    the other BNs train and recalibrate as before."""
    from lighttrack.nn.batchnorm import fixed_batchnorm_names

    out = tmp_path / "sn"
    trainer = Trainer(cfg_for(out, "model.init=lighttrack-mobile-official", "model.fix_inherited_bn=true"), dataset=fake())
    supernet = trainer.model
    fixed = fixed_batchnorm_names(supernet)
    assert 50 < len(fixed) < len([m for m in supernet.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    z, x = inputs()
    with torch.no_grad():
        want = official(z, x)
        supernet.train()
        trainer._set_modes()
        got = supernet(z, x, MOBILE)  # train mode: the fixed BNs still use their statistics
        torch.testing.assert_close(got[1], want[1], atol=2e-4, rtol=1e-5)
        net = recalibrate(extract(supernet, MOBILE), batches(2, 4, seed=9), None)
        torch.testing.assert_close(net(z, x)[1], want[1], atol=2e-4, rtol=1e-5)
        other = supernet.space.sample(1)
        assert set(fixed_batchnorm_names(extract(supernet, other))) != set(fixed_batchnorm_names(extract(supernet, MOBILE)))
    trainer.fit()
    for path in (out / "supernet.pt", out / "last.pt"):
        assert fixed_batchnorm_names(ckpt.load_supernet(path)) == fixed
    resumed = Trainer(cfg_for(out, "model.init=lighttrack-mobile-official", "model.fix_inherited_bn=true",
                              "train.max_steps=2"), dataset=fake(), resume=out / "last.pt")
    assert fixed_batchnorm_names(resumed.model) == fixed
    with pytest.raises(ConfigError, match="fix_inherited_bn"):
        Trainer(cfg_for(tmp_path / "x", "model.fix_inherited_bn=true"), dataset=fake())
