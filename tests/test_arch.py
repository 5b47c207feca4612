import json

import pytest

from lighttrack import Arch
from lighttrack.arch import HeadArch
from lighttrack.errors import ArchError

MOBILE = "back_04502514044521042540+cls_211000022+reg_100000111_ops_32"


def test_official_string_round_trips():
    arch = Arch.parse(MOBILE)
    assert str(arch) == MOBILE
    assert arch.depths == (2, 4, 4, 4, 4)
    assert arch.backbone[0] == (4, 5) and arch.backbone[3] == (5, 2, 1, 0)
    assert arch.cls == HeadArch(2, (1, 1, 0, 0, 0, 0, 2, 2))
    assert arch.cls.kernels == (5, 5, 3, 3, 3, 3) and arch.cls.width == 256
    assert arch.reg.width == 192 and arch.reg.kernels == (3, 3, 3, 3, 3, 5, 5, 5)
    assert (arch.out_stage, arch.out_block, arch.out_channels, arch.stride) == (3, 2, 96, 16)


@pytest.mark.parametrize(
    "path",
    [
        "back_02041520113420343540+cls_212202200+reg_002221110_ops_33",
        "back_05513541131153553050+cls_000012010+reg_000002000_ops_10",
        "back_0114413213503544142140+cls_2021002000111+reg_0110021100200+ops_30",
    ],
)
def test_other_published_strings_round_trip(path):
    assert str(Arch.parse(path)).replace("_ops_", "+ops_") == path.replace("_ops_", "+ops_")


def test_stride8_output_position():
    assert Arch.parse("back_05513541131153553050+cls_000012010+reg_000002000_ops_10").stride == 8


def test_value_semantics_and_json():
    a, b = Arch.parse(MOBILE), Arch.parse(MOBILE)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.out_stage = 2  # frozen
    assert Arch.from_json(a.to_json()) == a
    assert Arch.from_dict(json.loads(a.to_json())) == a
    assert Arch.from_dict({"path": MOBILE}) == a


def test_canonical_zeroes_unbuilt_blocks():
    arch = Arch.parse(MOBILE)
    canon = arch.canonical()
    assert canon.backbone[3] == (5, 2, 1, 0) and canon.backbone[4] == (0, 0, 0, 0)
    assert len(arch.used_blocks()) == 13


@pytest.mark.parametrize(
    "text, message",
    [
        ("hello", "expected 'back_"),
        ("back_0450251404452104254+cls_211000022+reg_100000111_ops_32", "'back' part has 19 digits"),
        ("back_04502514044521042540+cls_2x1000022+reg_100000111_ops_32", "'cls' part"),
        ("back_04502514044521042540+cls_211000022+reg_100000111_ops_3", "'ops' part"),
        ("back_04502514044521042540+cls_311000022+reg_100000111_ops_32", "cls head: width index 3"),
        ("back_04502514044521042540+cls_221000022+reg_100000111_ops_32", "cls head layer 0 may not be a skip"),
        ("back_04502514044521042540+cls_211000022+reg_130000111_ops_32", "reg head layer 0: op 3"),
        ("back_04702514044521042540+cls_211000022+reg_100000111_ops_32", "stage 0 block 1: choice 7"),
        ("back_04502514044521042540+cls_211000022+reg_100000111_ops_07", "block 7 is not in 0..1"),
        ("back_14502514044521042540+cls_211000022+reg_100000111_ops_32", "placeholder 0"),
        ("back_04502514044521042540+cls_21100002+reg_100000111_ops_32", "different numbers of layers"),
    ],
)
def test_malformed_strings_name_the_wrong_part(text, message):
    with pytest.raises(ArchError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Arch.parse(text)


def test_bad_json():
    with pytest.raises(ArchError, match="not valid JSON"):
        Arch.from_json("{")
    with pytest.raises(ArchError, match="missing or has a malformed field"):
        Arch.from_dict({"backbone": [[0]]})
