"""The official LightTrack-Mobile from its OpenVINO IR (issue 23): our IR reader, the conversion
against OpenVINO running the IR itself on real crops, and every bad input refused with the file
and layer named and nothing written.

Tests that read the IR need ``../shared/peers/lighttrack-official`` (beside the repository; absent
in a fresh clone) and skip with that reason; the comparison with OpenVINO also needs the
``openvino`` package (the test extra)."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

import lighttrack
from benchmark_helpers import load_benchmark
from conftest import SHARED
from lighttrack.cli import main as cli_main
from lighttrack.nn.from_openvino import MOBILE_ARCH, convert_openvino
from lighttrack.nn.openvino_ir import IRError, read_ir

IR = SHARED / "peers" / "lighttrack-official"
needs_ir = pytest.mark.skipif(not (IR / "head.xml").is_file(),
                              reason=f"the official IR is not here ({IR}; ../shared is beside the repository only)")
VIDEO = Path(lighttrack.__file__).parent / "assets" / "demo" / "videos" / "bigbuckbunny.mp4"


# ---- the IR reader, on a tiny hand-written IR (runs everywhere) -----------------------------------
TINY_XML = """<?xml version="1.0"?>
<net name="tiny" version="11">
 <layers>
  <layer id="0" name="w" type="Const" version="opset1">
   <data element_type="{kind}" shape="2, 3" offset="0" size="{size}"/>
   <output><port id="0" precision="FP16"><dim>2</dim><dim>3</dim></port></output>
  </layer>
  <layer id="1" name="w_f32" type="Convert" version="opset1">
   <data destination_type="f32"/>
   <input><port id="0"><dim>2</dim><dim>3</dim></port></input>
   <output><port id="1"><dim>2</dim><dim>3</dim></port></output>
  </layer>
  <layer id="2" name="out" type="Result" version="opset1">
   <input><port id="0"><dim>2</dim><dim>3</dim></port></input>
  </layer>
 </layers>
 <edges>
  <edge from-layer="0" from-port="0" to-layer="1" to-port="0"/>
  <edge from-layer="1" from-port="1" to-layer="2" to-port="0"/>
 </edges>
</net>
"""


def _tiny(tmp_path: Path, kind: str = "f16", truncate: int = 0) -> Path:
    values = np.arange(6, dtype=np.float16).reshape(2, 3) / 4
    blob = values.tobytes()
    (tmp_path / "tiny.xml").write_text(TINY_XML.format(kind=kind, size=len(blob)))
    (tmp_path / "tiny.bin").write_bytes(blob[: len(blob) - truncate])
    return tmp_path / "tiny.xml"


def test_ir_reader_reads_float16_constants_through_convert(tmp_path):
    graph = read_ir(_tiny(tmp_path))
    value, kind = graph.value(1)
    assert kind == "f16" and value.dtype == np.float32
    np.testing.assert_array_equal(value, np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
    assert graph.topological_order() == [0, 1, 2]
    assert graph.inputs_of(2) == [1] and graph.consumers(0) == [1]


def test_ir_reader_names_the_truncated_bin_and_the_layer(tmp_path):
    graph = read_ir(_tiny(tmp_path, truncate=4))
    with pytest.raises(IRError, match=r"tiny\.bin.*layer 0 'w'.*truncated"):
        graph.value(1)


def test_ir_reader_refuses_unknown_element_types_and_bad_sizes(tmp_path):
    with pytest.raises(IRError, match="element type 'q4'"):
        read_ir(_tiny(tmp_path, kind="q4")).value(1)
    xml = _tiny(tmp_path)
    xml.write_text(xml.read_text().replace('size="12"', 'size="10"'))
    with pytest.raises(IRError, match="says 10 bytes for 6 values"):
        read_ir(xml).value(1)


def test_ir_reader_refuses_what_is_not_an_ir(tmp_path):
    (tmp_path / "a.xml").write_text("<html></html>")
    (tmp_path / "a.bin").write_bytes(b"")
    with pytest.raises(IRError, match="not an OpenVINO IR"):
        read_ir(tmp_path / "a.xml")
    (tmp_path / "b.xml").write_text("<net><layers>")
    (tmp_path / "b.bin").write_bytes(b"")
    with pytest.raises(IRError, match="b.xml: not a readable XML"):
        read_ir(tmp_path / "b.xml")
    with pytest.raises(IRError, match=r"c\.xml does not exist"):
        read_ir(tmp_path / "c.xml")


# ---- the conversion, against the IR itself ------------------------------------------------------
@pytest.fixture(scope="module")
def converted():
    if not (IR / "head.xml").is_file():
        pytest.skip(f"the official IR is not here ({IR})")
    return convert_openvino(IR)


@needs_ir
def test_conversion_fills_every_tensor_with_identity_batchnorm(converted):
    net = lighttrack.build("lighttrack-mobile", weights=converted.state_dict)
    assert converted.arch == MOBILE_ARCH and converted.convolutions == 103
    assert sum(p.numel() for p in net.parameters()) == 1_969_397
    bn = net.backbone.stem.bn
    assert torch.all(bn.running_mean == 0) and torch.all(bn.running_var == 1)
    # the folded scale lives in the convolution: BN only adds the folded bias
    x = torch.randn(1, 16, 4, 4)
    torch.testing.assert_close(bn.eval()(x), x + bn.bias.view(1, -1, 1, 1), rtol=0, atol=1e-6)


@needs_ir
def test_conversion_matches_openvino_on_real_crops_and_tracks_the_same(converted):
    pytest.importorskip("openvino", reason="the comparison runs the IR in OpenVINO (pip install openvino)")
    import cv2

    parity = load_benchmark("official_parity")
    net = lighttrack.build("lighttrack-mobile", weights=converted.state_dict)
    from lighttrack.tracker.backends import TorchBackend

    ours = TorchBackend(net)
    theirs = parity.OpenVinoBackend(IR)
    comparing = parity.ComparingBackend(ours, theirs)
    video = cv2.VideoCapture(str(VIDEO))
    frames = [video.read()[1] for _ in range(12)]
    video.release()
    box = (295, 255, 140, 200)
    boxes = {}
    for name, backend in (("comparing", comparing), ("ours", ours), ("ir", theirs)):
        tracker = lighttrack.Tracker(backend, preset="default", color="bgr")
        tracker.init(frames[0], box)
        boxes[name] = np.array([tracker.update(f).box for f in frames[1:]])
    d, s = comparing.diffs, comparing.scales
    tol = parity.TOLERANCE
    assert max(d["template_feature"]) <= tol["feature_rel"] * max(s["template_feature"])
    assert max(d["cls_prob"]) <= tol["cls_prob_abs"]
    assert max(d["reg_px"]) <= tol["reg_rel"] * max(s["reg_px"])
    np.testing.assert_allclose(boxes["ours"], boxes["ir"], atol=1e-2)


@needs_ir
def test_shipped_official_weights_are_this_conversion(converted):
    shipped = lighttrack.models.weights_file("lighttrack-mobile-official")
    data = torch.load(shipped, weights_only=True)
    assert data["arch"] == MOBILE_ARCH
    for key, value in converted.state_dict.items():
        torch.testing.assert_close(data["state_dict"][key].float(), value.float(), rtol=0, atol=0, msg=key)


# ---- bad input: one clear error naming file and layer, nothing written ------------------------------
@pytest.fixture
def ir_copy(tmp_path):
    if not (IR / "head.xml").is_file():
        pytest.skip(f"the official IR is not here ({IR})")
    folder = tmp_path / "ir"
    shutil.copytree(IR, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def _convert_cli(folder: Path, out: Path, *extra: str) -> int:
    return cli_main(["convert", "openvino", str(folder), "--out", str(out), *extra])


def test_cli_converts_and_writes_a_loadable_checkpoint(ir_copy, tmp_path, capsys):
    out = tmp_path / "official.pt"
    assert _convert_cli(ir_copy, out) == 0
    assert "103 convolutions" in capsys.readouterr().out
    net = lighttrack.load(out)
    assert str(net.arch) == MOBILE_ARCH


@pytest.mark.parametrize("case, expect", [
    ("missing_graph", r"head\.xml, head\.bin missing"),
    ("truncated_bin", r"z_feature\.bin: layer \d+ '.*' \(Const\) reads bytes .*truncated"),
    ("other_network", r"z_feature\.xml: layer \d+ '.*' \(Convolution\): weights of shape \(144, 24, 1, 1\), but backbone\.stages\.1\.1\.conv_pw"),
    ("other_element_type", r"x_feature\.xml: layer \d+ '.*' \(Convolution\): weights of element type 'i16'"),
    ("swapped_graphs", r"z_feature\.xml"),
    ("different_backbones", r"x_feature\.xml: layer \d+ .* differs from the template graph's"),
])
def test_bad_ir_is_refused_naming_file_and_layer_and_nothing_is_written(ir_copy, tmp_path, capsys, case, expect):
    extra: tuple[str, ...] = ()
    if case == "missing_graph":
        (ir_copy / "head.xml").unlink()
        (ir_copy / "head.bin").unlink()
    elif case == "truncated_bin":
        blob = (ir_copy / "z_feature.bin").read_bytes()
        (ir_copy / "z_feature.bin").write_bytes(blob[: len(blob) // 2])
    elif case == "other_network":
        extra = ("--arch", "back_04000224204000000000+cls_101200111+reg_012202221_ops_23")  # a network far from Mobile
    elif case == "other_element_type":  # same item size: only the declared type differs
        text = (ir_copy / "x_feature.xml").read_text()
        (ir_copy / "x_feature.xml").write_text(text.replace('element_type="f16"', 'element_type="i16"'))
    elif case == "swapped_graphs":
        for suffix in (".xml", ".bin"):
            shutil.copy(ir_copy / f"head{suffix}", ir_copy / f"z_feature{suffix}")
    elif case == "different_backbones":
        blob = bytearray((ir_copy / "x_feature.bin").read_bytes())
        graph = read_ir(ir_copy / "x_feature.xml")
        conv = graph.of_type("Convolution")[3]
        weight_const = graph.inputs_of(graph.inputs_of(conv.id)[1])[0]
        offset = int(graph.layers[weight_const].data["offset"])
        blob[offset:offset + 2] = struct.pack("<e", 7.0)
        (ir_copy / "x_feature.bin").write_bytes(bytes(blob))
    out = tmp_path / "out.pt"
    out.write_bytes(b"keep me")
    assert _convert_cli(ir_copy, out, *extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert __import__("re").search(expect, err), err
    assert out.read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.pt")] == []
