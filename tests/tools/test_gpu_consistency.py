"""tools/analysis/gpu_consistency.py: the CPU-vs-device check tolerates what
differs legitimately between devices (float32 log1p / cos / sin in the
Box–Muller normals, a few ulps) and nothing else (the uniforms are exact
integer hashes)."""
import json

import pytest
import torch

from finetec_mm.functional.sequence_random import SequenceRandom
from tests.utils import ROOT, load_tool


def _off_by_ulps(method, ulps):
    """Wrap ``SequenceRandom.<method>`` so that every second call with a
    1-element ``like`` (the "device" side of the stream check) returns
    values moved by ``ulps`` float32 ulps, as another device's libm would."""
    original = getattr(SequenceRandom, method)
    calls = []

    def shifted(self, shape, like):
        out = original(self, shape, like)
        if like.numel() == 1:
            calls.append(1)
            if len(calls) % 2 == 0:
                for _ in range(ulps):
                    out = torch.nextafter(out, torch.full_like(out, 10.))
        return out
    return shifted


@pytest.mark.parametrize('method,ulps,passes', [
    ('normal', 4, True),  # libm rounding: within tolerance
    ('normal', 1000, False),  # ~5e-4 at |z| ~ 4: a real fault
    ('uniform', 1, False),  # uniforms must be bit-identical
])
def test_stream_check_tolerance(monkeypatch, tmp_path, method, ulps, passes):
    tool = load_tool('tools/analysis/gpu_consistency.py')
    monkeypatch.setattr(SequenceRandom, method, _off_by_ulps(method, ulps))
    out = tmp_path / 'consistency.json'
    code = tool.main(['--device', 'cpu', '--num-samples', '2', '--config',
                      f'{ROOT}/configs/finetec_demo_severe.py', '--json',
                      str(out)])
    result = json.loads(out.read_text())
    assert result['checks']['inputs'] and result['checks']['scores']
    assert result['checks']['streams'] is passes
    assert code == (0 if passes else 1)
