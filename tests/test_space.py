import pytest

from lighttrack import Arch, SearchSpace
from lighttrack.errors import ArchError
from lighttrack.profile import CostTable

MOBILE = Arch.parse("back_04502514044521042540+cls_211000022+reg_100000111_ops_32")


def test_sampling_is_deterministic_and_legal():
    space = SearchSpace()
    archs = [space.sample(seed) for seed in range(200)]
    assert archs == [space.sample(seed) for seed in range(200)]
    assert len(set(archs)) == 200
    for arch in archs:
        space.check(arch)
        assert arch.cls.ops[0] != 2 and arch.reg.ops[0] != 2
    positions = {(a.out_stage, a.out_block) for a in archs}
    assert positions == set(space.output_positions) and len(positions) == 8
    assert {a.stride for a in archs} == {16}


def test_official_code_space_has_stride8_positions():
    space = SearchSpace.official_code()
    assert len(space.output_positions) == 12
    assert {space.sample(s).stride for s in range(200)} == {8, 16}


def test_mutation_probability():
    space = SearchSpace()
    assert space.mutate(MOBILE, 0, prob=0.0) == MOBILE
    changed = sum(space.mutate(MOBILE, seed, prob=0.1) != MOBILE for seed in range(100))
    assert 70 < changed < 100  # ~36 genes at 0.1 each: almost always at least one change
    everything = space.mutate(MOBILE, 1, prob=1.0)
    space.check(everything)


def test_crossover_takes_whole_stages_from_parents():
    space = SearchSpace()
    a, b = space.sample(1), space.sample(2)
    for seed in range(20):
        child = space.crossover(a, b, seed)
        space.check(child)
        for s, stage in enumerate(child.backbone):
            assert stage in (a.backbone[s], b.backbone[s])
        assert (child.out_stage, child.out_block) in {(a.out_stage, a.out_block), (b.out_stage, b.out_block)}


def test_space_size_matches_the_paper_and_the_code_rule():
    size = SearchSpace().size()
    assert size["backbone"] == 6**14
    assert size["head"] == (3 * 2 * 3**7) ** 2
    assert size["output_positions"] == 8


def test_membership_check():
    space = SearchSpace()
    assert MOBILE in space
    stride8 = Arch.parse("back_05513541131153553050+cls_000012010+reg_000002000_ops_10")
    assert stride8 not in space
    with pytest.raises(ArchError, match="ops_10 is not in this search space"):
        space.check(stride8)


@pytest.fixture(scope="module")
def costs():
    return CostTable.build()


def test_cost_table_matches_lighttrack_mobile(costs):
    assert costs.params(MOBILE) == 1_969_397
    assert costs.macs(MOBILE) == 510_606_848


def test_sampling_under_limits(costs):
    space = SearchSpace()
    accept = costs.within(max_params=1.5e6, max_macs=400e6)
    for seed in range(5):
        arch = space.sample_under(seed, accept)
        assert costs.params(arch) <= 1.5e6 and costs.macs(arch) <= 400e6
    with pytest.raises(ArchError, match="infeasible"):
        space.sample_under(0, costs.within(max_macs=1e6), max_tries=50)


def test_largest_and_smallest_bracket_the_space(costs):
    space = SearchSpace()
    big, small = costs.macs(space.largest()), costs.macs(space.smallest())
    for seed in range(20):
        assert small <= costs.macs(space.sample(seed)) <= big
