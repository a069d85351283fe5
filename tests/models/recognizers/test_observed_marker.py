"""The observed marker: after completion the score channel tells restored
frames (negative) from observed ones (positive), in the hosted and the
pipeline paths alike; off, the inputs are the unmarked ones bit for bit.

The marker is applied to what ``ICLCompletionModel.complete_sequences``
returns, so these tests run both paths on a stand-in completion model that
keeps that contract (``LinearCompletion``: linear interpolation instead of
the network) and do not depend on the completion network or its
checkpoint. ``test_hosted_path.py`` checks the same with the shipped
configs and the real network.
"""
import numpy as np
import pytest
import torch
from torch import nn
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from finetec_mm.datasets.transforms import ICLCompletion
from finetec_mm.datasets.transforms import icl_completion
from finetec_mm.functional.gap_filling import linear_fill
from finetec_mm.models.recognizers import finetec_recognizer
from finetec_mm.models.recognizers.finetec_recognizer import \
    mark_restored_frames
from mmaction.registry import MODELS

B, NC, M, T, V = 2, 3, 2, 16, 17
MISSING_JOINT = 4  # missing in every frame of sample 1, person 0


class LinearCompletion(nn.Module):
    """The ``complete_sequences`` contract of ``ICLCompletionModel``:
    observed = any score > 0; sequences with an observed frame get their
    other frames filled (here: linearly, plus an offset so that filled
    coords differ from a plain interpolation) and their scores linearly
    interpolated; sequences without one stay as they are."""

    class net:
        clip_len = T

    def __init__(self):
        super().__init__()
        self.register_buffer('offset', torch.tensor(0.01))

    def complete_sequences(self, coords, scores=None):
        observed = scores.gt(0).any(dim=-1)
        todo = observed.any(dim=1) & ~observed.all(dim=1)
        coords, scores = coords.clone(), scores.clone()
        n = int(todo.sum())
        filled = linear_fill(coords[todo].reshape(n, T, -1), observed[todo])
        filled = torch.where(observed[todo][..., None], filled,
                             filled + self.offset)
        coords[todo] = filled.reshape(coords[todo].shape)
        scores[todo] = linear_fill(scores[todo], observed[todo])
        return coords, scores, observed


@pytest.fixture(autouse=True)
def stub_completion(monkeypatch, tmp_path):
    """Both paths build ``LinearCompletion``; returns a checkpoint path
    (the transform checks that the file exists)."""
    def fake_build(checkpoint, model=None, device='cpu'):
        return LinearCompletion().to(device).eval()
    monkeypatch.setattr(finetec_recognizer, 'build_completion_model',
                        fake_build)
    monkeypatch.setattr(icl_completion, 'build_completion_model',
                        fake_build)
    path = tmp_path / 'completion.pth'
    path.write_bytes(b'')
    return str(path)


def build(marker=True, **kwargs):
    init_default_scope('mmaction')
    completion = dict(checkpoint='stub.pth')
    if marker is not None:
        completion['observed_marker'] = marker
    cfg = dict(type='FineTecRecognizer',
               backbone=dict(type='STGCN',
                             graph_cfg=dict(layout='coco',
                                            mode='stgcn_spatial'),
                             num_stages=2, inflate_stages=[],
                             down_stages=[]),
               cls_head=dict(type='GCNHead', num_classes=5, in_channels=64),
               completion=completion, streams=('base', ))
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg).eval()


def raw_batch():
    """(B, nc, M, T, V, 3) corrupted inputs and their known observed-frame
    mask (B, nc, M, T): clip 0 keeps frames {0, 5, 9, 15}, clip 1 {2, 3,
    11}, clip 2 all; sample 0 has no second person (all zero); joint 4 of
    sample 1, person 0 is missing in every frame (coords and score 0)."""
    g = torch.Generator().manual_seed(0)
    t = torch.linspace(0, 1, T)[:, None, None]
    coords = 0.2 * torch.sin(3 * t + torch.rand(B, NC, M, 1, V, 2,
                                                  generator=g))
    scores = 0.5 + 0.5 * torch.rand(B, NC, M, T, V, generator=g)
    mask = torch.ones(B, NC, M, T, dtype=torch.bool)
    mask[:, 0] = False
    mask[:, 0, :, [0, 5, 9, 15]] = True
    mask[:, 1] = False
    mask[:, 1, :, [2, 3, 11]] = True
    mask[0, :, 1] = False  # absent second person
    coords = torch.where(mask[..., None, None], coords, 0.)  # +0.0
    scores = torch.where(mask[..., None], scores, 0.)
    coords[1, :, 0, :, MISSING_JOINT] = 0
    scores[1, :, 0, :, MISSING_JOINT] = 0
    return torch.cat([coords, scores[..., None]], dim=-1), mask


def check_marked(score, plain_score, mask):
    """``score`` (..., T, V) marked, ``plain_score`` unmarked, ``mask``
    (..., T) the observed frames."""
    # exactly the observed frames carry a positive score
    assert torch.equal((score > 0).any(-1), mask)
    # restored frames (in sequences with an observed frame) are negative
    restored = ~mask & mask.any(-1, keepdim=True)
    assert restored.any()
    assert (score[restored] <= 0).all()
    assert (score[restored] < 0).any(-1).all()
    # same magnitudes as without the marker, zeros stay +0.0
    assert torch.equal(score.abs(), plain_score)
    assert not torch.signbit(score[score == 0]).any()


@pytest.mark.parametrize('kind', ['FineTecRecognizer', 'FineTecMultiGCN'])
def test_hosted_marker_marks_exactly_the_observed_frames(kind):
    extra = dict(type=kind, fusion=None) if kind == 'FineTecMultiGCN' else {}
    marked, plain = build(True, **extra), build(False, **extra)
    raw, mask = raw_batch()
    with torch.no_grad():
        on, off = marked.hosted_inputs(raw), plain.hosted_inputs(raw)
    assert on.shape == off.shape == (B, NC, M, T, V, 3)
    assert torch.equal(on[..., :2], off[..., :2])  # positions untouched
    check_marked(on[..., -1], off[..., -1], mask)
    # the absent person stays all zero; the always-missing joint stays 0
    assert torch.equal(on[0, :, 1], torch.zeros_like(on[0, :, 1]))
    assert not torch.signbit(on[0, :, 1]).any()
    assert (on[1, :, 0, ..., MISSING_JOINT, -1] == 0).all()
    # the model runs on the marked inputs (both variants)
    with torch.no_grad():
        feats, _ = marked.extract_feat(raw)
    assert torch.isfinite(feats).all()


def test_marker_off_is_the_unmarked_input_bit_for_bit():
    """``observed_marker=False`` and an absent key give what the recognizer
    gave before the marker: completed coords + interpolated scores."""
    raw, _ = raw_batch()
    model = build(False)
    with torch.no_grad():
        coords, scores, _ = model.completion.complete_sequences(
            raw[..., :2].reshape(-1, T, V, 2), raw[..., 2].reshape(-1, T, V))
        before = torch.cat([coords, scores[..., None]],
                           dim=-1).reshape(raw.shape)
        assert torch.equal(model.hosted_inputs(raw), before)
        assert torch.equal(build(None).hosted_inputs(raw), before)
    assert not build(None).observed_marker


def sample_of(raw, b):
    """Sample ``b`` of a (B, nc, M, T, V, 3) batch as the pipeline holds it:
    keypoint (M, nc·T, V, 2), keypoint_score (M, nc·T, V)."""
    x = raw[b].transpose(0, 1).reshape(M, NC * T, V, 3).numpy()
    return dict(frame_dir=f's{b}', keypoint=x[..., :2].copy(),
                keypoint_score=x[..., 2].copy(), clip_len=T, num_clips=NC,
                total_frames=NC * T)


@pytest.mark.parametrize('marker', [True, False])
def test_pipeline_transform_equals_hosted_with_clips_and_persons(
        marker, stub_completion):
    """ICLCompletion and the hosted completion give the same marked inputs
    for the same sample, with 3 clips and an absent second person."""
    raw, mask = raw_batch()
    with torch.no_grad():
        hosted = build(marker).hosted_inputs(raw)
    transform = ICLCompletion(checkpoint=stub_completion,
                              observed_marker=marker)
    for b in range(B):
        out = transform(sample_of(raw, b))
        x = np.concatenate([out['keypoint'], out['keypoint_score'][..., None]],
                           axis=-1)
        # (M, nc·T, V, 3) -> (nc, M, T, V, 3)
        x = torch.from_numpy(x).reshape(M, NC, T, V, 3).transpose(0, 1)
        torch.testing.assert_close(x, hosted[b], rtol=0, atol=1e-5)
        assert torch.equal(torch.sign(x[..., -1]),
                           torch.sign(hosted[b][..., -1]))
        if marker:
            assert torch.equal((x[..., -1] > 0).any(-1), mask[b])
        else:
            assert (x[..., -1] >= 0).all()
        filled = torch.from_numpy(out['filled_mask']).reshape(M, NC, T)
        assert torch.equal(filled.transpose(0, 1), ~mask[b])
        if b == 0:  # the absent second person stays all zero
            assert not out['keypoint'][1].any()
            assert not out['keypoint_score'][1].any()
            assert not np.signbit(out['keypoint_score'][1]).any()


class _StubCompletion:
    """Stands in for the completion model: returns given outputs."""

    class net:
        clip_len = T

    def __init__(self, scores, observed):
        self.scores, self.observed = scores, observed

    def complete_sequences(self, coords, scores):
        return coords, self.scores.clone(), self.observed.clone()


def test_transform_and_hosted_marking_rules_agree(stub_completion):
    """The transform's marking and :func:`mark_restored_frames` agree on
    random masks, including
    all-observed and all-missing sequences and zero scores."""
    g = torch.Generator().manual_seed(3)
    n = 40  # M = 40 persons, one clip each
    observed = torch.rand(n, T, generator=g) < 0.4
    observed[0], observed[1] = True, False
    scores = torch.rand(n, T, V, generator=g)
    scores[torch.rand(n, T, V, generator=g) < 0.2] = 0
    expected = mark_restored_frames(scores, observed)
    transform = ICLCompletion(checkpoint=stub_completion,
                              observed_marker=True)
    transform._model = _StubCompletion(scores, observed)
    out = transform(dict(frame_dir='stub', keypoint=np.ones((n, T, V, 2),
                                                             np.float32),
                         keypoint_score=np.ones((n, T, V), np.float32),
                         clip_len=T, num_clips=1, total_frames=T))
    assert np.array_equal(out['keypoint_score'], expected.numpy())
    assert np.array_equal(np.signbit(out['keypoint_score']),
                          np.signbit(expected.numpy()))
    assert torch.equal(expected[1], scores[1])  # nothing observed: as is
    assert torch.equal(expected[0], scores[0])  # nothing restored


def test_clear_errors(stub_completion):
    with pytest.raises(ValueError, match='observed_markers'):
        build(None, completion=dict(checkpoint='stub.pth',
                                    observed_markers=True))
    raw, _ = raw_batch()
    results = sample_of(raw, 0)
    del results['keypoint_score']
    with pytest.raises(ValueError, match='observed_marker.*keypoint_score'):
        ICLCompletion(checkpoint=stub_completion,
                      observed_marker=True)(results)
