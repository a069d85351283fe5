"""tools/analysis/gpu_check.sh --device cpu: the dry run of the one-GPU
check runs every step (benchmark, one-epoch torchrun training, test, infer,
CPU-vs-device consistency by tools/analysis/gpu_consistency.py) at tiny
sizes, so the script cannot rot. ``--data`` trains on the session's tiny
demo pickle instead of generating one more."""
import json
import os
import sys

from tests.utils import run_tool


def test_gpu_check_dry_run(tiny_demo_pkl, tmp_path):
    out = tmp_path / 'gpu_check'
    proc = run_tool('bash', 'tools/analysis/gpu_check.sh', '--device', 'cpu',
                    '--out', str(out), '--data', tiny_demo_pkl,
                    env=dict(PYTHON=sys.executable, PORT='29571'),
                    timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert f'using {tiny_demo_pkl}' in proc.stdout
    for step in ('device and versions', 'benchmark, batch 4 fp32',
                 'demo data', 'one epoch through tools/dist_train.sh',
                 'tools/test.py', 'tools/infer.py --device cpu', 'CPU vs cpu'):
        assert f'== {step}' in proc.stdout, step
    bench = json.loads((out / 'benchmark_cpu_b4.json').read_text())
    assert bench['device'] == 'cpu' and bench['errors'] == []
    assert bench['batch_size'] == 4 and bench['train_step_ratio'] > 0
    assert (out / 'train' / 'epoch_1.pth').is_file()
    infer = json.loads((out / 'infer.json').read_text())
    assert len(infer['results']) == 24  # the dry run's test split
    consistency = json.loads((out / 'consistency.json').read_text())
    assert consistency['passed'] is True
    # on the CPU against itself every difference is exactly zero
    assert consistency['inputs_max_abs_diff'] == 0
    assert consistency['scores_max_abs_diff'] == 0
    assert consistency['inputs_shape'][1:] == [10, 1, 16, 17, 7]
    assert all(os.path.getsize(out / f) > 0 for f in os.listdir(out)
               if f.endswith('.json'))
