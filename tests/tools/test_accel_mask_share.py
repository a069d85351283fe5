"""tools/analysis/accel_mask_share.py: |â| on observed vs restored frames."""
import torch

from finetec_mm.models.heads.lagrangian_accel_head import (
    pseudo_acceleration, temporal_smooth)
from tests.utils import load_tool

tool = load_tool('tools/analysis/accel_mask_share.py')


class LinearFillModel:
    """Stands in for a hosted completion: missing frames linearly filled."""

    def hosted_inputs(self, raw):
        T = raw.shape[-3]
        obs = (raw[..., 2] > 0).any(-1).reshape(-1, T)[0]
        t_obs = obs.nonzero()[:, 0].float()
        x = raw[..., :2].clone()
        for t in range(T):
            if not obs[t]:
                hi = int((t_obs > t).nonzero()[0, 0])
                a, b = int(t_obs[hi - 1]), int(t_obs[hi])
                w = (t - a) / (b - a)
                x[..., t, :, :] = (1 - w) * x[..., a, :, :] + w * x[
                    ..., b, :, :]
        return torch.cat([x, x, x, raw[..., 2:]], -1)


def test_rows_split_observed_and_restored_frames():
    torch.manual_seed(0)
    T, V = 16, 17
    raw = torch.zeros(2, 1, 1, T, V, 3)
    raw[..., :2] = torch.randn(2, 1, 1, T, V, 2).cumsum(3) * 0.05
    observed = torch.tensor([t in (0, 5, 10, 15) for t in range(T)])
    raw[..., 2] = observed[:, None].float()
    raw[..., ~observed, :, :2] = 0
    rows = tool.accel_rows(LinearFillModel(), raw, [0, 1])
    base = LinearFillModel().hosted_inputs(raw)[..., :2].reshape(2, T, V, 2)
    for row, passes in zip(rows, (0, 1)):
        acc = pseudo_acceleration(temporal_smooth(base, passes)).norm(
            dim=-1).mean(-1)
        assert row['smoothing'] == passes
        assert abs(row['observed'] - acc[:, observed].mean().item()) < 1e-6
        assert abs(row['restored'] - acc[:, ~observed].mean().item()) < 1e-6
        assert abs(row['ratio'] - row['restored'] / row['observed']) < 1e-9
    # straight lines between observed frames: the raw second difference is
    # zero inside the gaps except next to a kink, so the restored frames'
    # acceleration is smaller than the observed ones', and smoothing
    # spreads the kinks and narrows the gap
    assert rows[0]['ratio'] < 1 and rows[1]['ratio'] > rows[0]['ratio']
