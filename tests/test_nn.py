import pytest
import torch

import lighttrack
from lighttrack import Arch, SearchSpace
from lighttrack.errors import ArchError, CheckpointError, InputError
from lighttrack.nn.net import SuperNet, TrackerNet, extract
from lighttrack.nn.ops import MBConv, make_divisible, pixelwise_correlation

MOBILE = "back_04502514044521042540+cls_211000022+reg_100000111_ops_32"


def test_make_divisible():
    assert [make_divisible(v) for v in (64, 96, 144, 0.25 * 144, 0.25 * 480, 4)] == [64, 96, 144, 40, 120, 8]
    assert make_divisible(0.25 * 16) == 8


def test_mbconv_shapes_and_se_width():
    block = MBConv(80, 96, kernel=7, expansion=6, stride=1)
    assert block.conv_pw.out_channels == 480 and block.se.conv_reduce.out_channels == 120
    assert not block.residual
    assert block(torch.randn(1, 80, 16, 16)).shape == (1, 96, 16, 16)
    assert MBConv(24, 40, 3, 4, 2)(torch.randn(1, 24, 32, 32)).shape == (1, 40, 16, 16)


def test_pixelwise_correlation_channel_order():
    zf, xf = torch.randn(2, 5, 3, 3), torch.randn(2, 5, 4, 4)
    corr = pixelwise_correlation(zf, xf)
    assert corr.shape == (2, 9, 4, 4)
    # channel k = template position k (row-major) dotted with every search position
    assert torch.allclose(corr[1, 5, 2, 3], (zf[1, :, 1, 2] * xf[1, :, 2, 3]).sum(), atol=1e-6)


def test_trackernet_shapes_for_mobile():
    net = lighttrack.build("lighttrack-mobile")
    with torch.no_grad():
        for tsize in (127, 128):
            zf = net.template(torch.randn(1, 3, tsize, tsize))
            assert zf.shape == (1, 96, 8, 8)
        for size, s in ((256, 16), (288, 18)):
            cls, reg = net.track(zf, torch.randn(1, 3, size, size))
            assert cls.shape == (1, 1, s, s) and reg.shape == (1, 4, s, s)
            assert (reg >= 0).all()


def test_bad_input_sizes_are_named():
    net = lighttrack.build("lighttrack-mobile")
    with torch.no_grad():
        with pytest.raises(InputError, match="needs 8x8"):
            net.template(torch.randn(1, 3, 160, 160))
        zf = net.template(torch.randn(1, 3, 128, 128))
        with pytest.raises(InputError, match="multiple of 16"):
            net.track(zf, torch.randn(1, 3, 250, 250))
        with pytest.raises(InputError, match=r"\(B, 3, H, W\)"):
            net.track(zf, torch.randn(1, 4, 256, 256))
        with pytest.raises(InputError, match="template feature"):
            net.track(zf[:, :80], torch.randn(1, 3, 256, 256))


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ArchError, match="unknown architecture 'lighttrack-huge'"):
        lighttrack.build("lighttrack-huge")


def _path_parameters(supernet, arch):
    return {id(p) for m in supernet.path_modules(arch) for p in m.parameters()}


@pytest.fixture(scope="module")
def supernet():
    torch.manual_seed(0)
    return SuperNet(SearchSpace())


def test_supernet_gradients_reach_exactly_the_path(supernet):
    arch = SearchSpace().sample(3)
    supernet.train().zero_grad(set_to_none=True)
    z, x = torch.randn(2, 3, 128, 128), torch.randn(2, 3, 256, 256)
    cls, reg = supernet(z, x, arch)
    (cls.sum() + reg.sum()).backward()
    on_path = _path_parameters(supernet, arch)
    for name, p in supernet.named_parameters():
        if id(p) in on_path:
            assert p.grad is not None and p.grad.abs().sum() > 0, f"{name} is on the path but got no gradient"
        else:
            assert p.grad is None, f"{name} is off the path but got a gradient"
    # the reg branch trains its own towers (the official supernet ran the cls towers there)
    reg_tower = supernet.reg_head.towers[arch.reg.channel][0][arch.reg.ops[0]]
    assert reg_tower.pointwise.weight.grad is not None


def test_extract_gives_identical_outputs(supernet):
    supernet.eval()
    z, x = torch.randn(1, 3, 128, 128), torch.randn(1, 3, 256, 256)
    for seed in (1, 2):
        arch = SearchSpace().sample(seed)
        # make BN statistics non-trivial so that inheriting them matters
        for m in supernet.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        net = extract(supernet, arch).eval()
        assert isinstance(net, TrackerNet) and net.arch == arch
        with torch.no_grad():
            a, b = supernet(z, x, arch), net(z, x)
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_extract_rejects_archs_outside_the_space(supernet):
    with pytest.raises(ArchError):
        extract(supernet, Arch.parse("back_05513541131153553050+cls_000012010+reg_000002000_ops_10"))


def test_official_checkpoint_outputs_match(official_fixture):
    from lighttrack.imaging import normalize_uint8

    net = lighttrack.build("lighttrack-mobile", official_fixture / "state_dict.pt")
    ref = torch.load(official_fixture / "reference_outputs.pt", weights_only=True)

    def image(key):
        return normalize_uint8(ref[key].permute(2, 0, 1).unsqueeze(0))

    with torch.no_grad():
        zf = net.template(image("input.z_uint8_hwc_rgb"))
        assert torch.allclose(zf, ref["template.zf"], rtol=1e-4, atol=1e-4)
        for size in ("x256", "x288"):
            cls, reg = net.track(zf, image(f"input.{size}_uint8_hwc_rgb"))
            assert (cls - ref[f"{size}.cls"]).abs().max() <= 1e-4
            assert (reg - ref[f"{size}.reg"]).abs().max() <= 1e-3


def test_every_official_key_maps(official_fixture):
    from lighttrack.nn.official import convert_official_state_dict

    lines = (official_fixture / "keys_and_shapes.txt").read_text().splitlines()[1:]
    official = {line.split()[1]: line.split()[2] for line in lines}
    ours = lighttrack.build("lighttrack-mobile").state_dict()
    converted = convert_official_state_dict({k: torch.empty(0) for k in official})
    assert len(converted) == len(official) == len(ours) == 426
    for (old, shape), new in zip(official.items(), converted):
        assert new in ours, f"{old} maps to unknown {new}"
        assert ("x".join(map(str, ours[new].shape)) or "scalar") == shape, old


def test_checkpoint_for_another_arch_names_the_key(official_fixture, tmp_path):
    other = "back_04502514044521042540+cls_111000022+reg_100000111_ops_32"  # cls width 192, not 256
    with pytest.raises(CheckpointError, match=r"key 'cls_head.tower.0.pointwise.weight' has shape 256x128x1x1 in the checkpoint but 192x128x1x1"):
        lighttrack.build(other, official_fixture / "state_dict.pt")
    ours = tmp_path / "mobile.pt"
    from lighttrack.nn.checkpoint import save_trackernet

    save_trackernet(lighttrack.build("lighttrack-mobile"), ours)
    with pytest.raises(CheckpointError, match="was made for architecture"):
        lighttrack.build(other, ours)
    assert str(lighttrack.load(ours).arch) == MOBILE


def test_checkpoints_refuse_pickled_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    bad = tmp_path / "evil.pt"
    torch.save({"state_dict": Evil()}, bad)
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        lighttrack.build("lighttrack-mobile", bad)
    with pytest.raises(CheckpointError, match="does not exist"):
        lighttrack.build("lighttrack-mobile", tmp_path / "missing.pt")


def test_profile_reproduces_the_paper():
    from lighttrack.profile import profile_net

    prof = profile_net(lighttrack.build("lighttrack-mobile"), 256, latency_runs=0)
    assert prof.params == 1_969_397  # paper: 1.97 M
    assert abs(prof.macs - 510.6e6) / 510.6e6 < 0.01
    assert abs(prof.thop_macs - 530e6) / 530e6 < 0.02  # paper: 530 M "FLOPs"
    assert prof.correlation_macs == 64 * 96 * 256
