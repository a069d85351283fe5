"""Small constant tensors (index tables, identity, region membership,
kinematic chains, root-joint index) are built once per device, not in
every call: a repeated call runs no tensor factory or host copy for them
(recorded at the aten level), and the cached values are the ones a fresh
build gives."""
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from finetec_mm.functional import (SequenceRandom, bone_rescale, clip_frame,
                                   region_scores)
from finetec_mm.functional.constants import device_constant
from finetec_mm.functional.decomposition import SKELETON_LAYOUTS
from finetec_mm.models.heads import LagrangianAccelHead, triu_to_sym


class Ops(TorchDispatchMode):
    """Records (aten op name, dtypes of its tensor arguments)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        dtypes = [a.dtype for a in args if isinstance(a, torch.Tensor)]
        self.seen.append((func.overloadpacket.__name__, dtypes))
        return func(*args, **(kwargs or {}))

    def names(self):
        return {name for name, _ in self.seen}


def second_call_ops(fn):
    fn()
    with Ops() as ops:
        fn()
    return ops


def test_head_builds_its_tables_once():
    head = LagrangianAccelHead(vec_hidden=(8, ), mat_hidden=(8, ),
                               gate_hidden=(4, ))
    S = torch.randn(2, 5, 17, 2)
    ops = second_call_ops(lambda: head(S))
    assert not ops.names() & {'eye', 'triu_indices', 'index_put_',
                              'index_put'}, ops.names()


def test_head_constant_first_made_in_inference_mode_trains():
    """A table first built under inference_mode must still be savable for
    backward by a later training step."""
    head = LagrangianAccelHead(num_joints=3, vec_hidden=(8, ),
                               mat_hidden=(8, ), gate_hidden=(4, ))
    with torch.inference_mode():
        head(torch.randn(2, 5, 3, 2))
    head.loss(head(torch.randn(2, 5, 3, 2))).backward()
    assert head.m_net[-1].weight.grad is not None


def test_triu_to_sym_matches_a_fresh_table():
    D = 6
    vec = torch.randn(3, D * (D + 1) // 2)
    rows, cols = torch.triu_indices(D, D)
    ref = torch.zeros(3, D, D)
    ref[:, rows, cols] = vec
    ref[:, cols, rows] = vec
    assert torch.equal(triu_to_sym(vec, D), ref)
    assert torch.equal(triu_to_sym(vec, D), ref)  # cached table


def test_region_scores_and_bone_rescale_copy_no_constant():
    motion = torch.rand(4, 17)
    ops = second_call_ops(lambda: region_scores(motion, 'coco'))
    assert '_to_copy' not in ops.names(), ops.seen

    S = torch.randn(2, 3, 17, 2)
    parents = SKELETON_LAYOUTS['coco']['parents']
    keys = [11, 12]
    rng = SequenceRandom(keys)  # keys are per batch, not constants
    ops = second_call_ops(lambda: bone_rescale(S, rng, 0.2, parents))
    assert not ops.names() & {'lift_fresh', 'lift_fresh_copy'}, ops.seen
    assert not [op for op in ops.seen
                if op[0] == '_to_copy' and torch.bool in op[1]], ops.seen
    # same numbers as the chain built by hand: S'_v = S'_p + s_v (S_v - S_p)
    s = 1 + 0.2 * (2 * SequenceRandom(keys).uniform((17, ), S) - 1)
    out = bone_rescale(S, SequenceRandom(keys), 0.2, parents)
    ref = S.clone()
    for v, p in enumerate(parents):  # parents precede children in COCO
        if p >= 0:
            ref[:, :, v] = ref[:, :, p] + s[:, None, v, None] * (
                S[:, :, v] - S[:, :, p])
    torch.testing.assert_close(out, ref, rtol=1e-6, atol=1e-6)


def test_clip_frame_indexes_roots_with_a_cached_tensor():
    coords = torch.randn(2, 4, 17, 2)
    mask = torch.ones(2, 4, dtype=torch.bool)
    ops = second_call_ops(lambda: clip_frame(coords, mask, (11, 12)))
    assert not ops.names() & {'lift_fresh', 'lift_fresh_copy'}, ops.seen
    centre, _ = clip_frame(coords, mask, (11, 12))
    ref = coords[:, :, 11:13].mean(2).mean(1)
    torch.testing.assert_close(centre[:, 0, 0], ref)


def test_device_constant_caches_per_key_and_device():
    calls = []

    @device_constant
    def ramp(n):
        calls.append(n)
        return torch.arange(n)

    with torch.inference_mode():
        a = ramp(3)
    assert not a.is_inference()
    assert ramp(3) is a and ramp(3, device='cpu') is a
    meta = ramp(3, device='meta')
    assert meta.device.type == 'meta' and ramp(3, device='meta') is meta
    assert calls == [3, 3]  # once per device


def test_sequence_random_copies_its_state_once_per_device():
    rng = SequenceRandom([1, 2, 3])
    like = torch.empty(0, device='meta')
    rng.uniform((4, ), like)
    state = rng._state_on(like.device)
    rng.uniform((4, ), like)
    assert rng._state_on(like.device) is state
    assert state[0].device.type == 'meta'
