"""tools/dist_test.sh and the SLURM scripts, run for real on CPU processes.

SLURM is not installed here, so a stand-in ``srun`` on PATH records its
arguments and starts ``--ntasks`` copies of the command with the variables
SLURM sets (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NODELIST);
``tools/train.py --launcher slurm`` then builds its process group from them
exactly as on a cluster.
"""
import os
import os.path as osp
import stat

import pytest

from tests.utils import data_options, run_tool

CONFIG = 'configs/stgcn_demo_clean.py'

FAKE_SRUN = r'''#!/usr/bin/env bash
echo "$@" > "$SRUN_LOG"
NTASKS=1
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
    case "$1" in
        --ntasks=*) NTASKS=${1#--ntasks=} ;;
        -p) shift ;;
    esac
    shift
done
PIDS=()
for ((i = 0; i < NTASKS; i++)); do
    SLURM_PROCID=$i SLURM_NTASKS=$NTASKS SLURM_LOCALID=$i \
        SLURM_NODELIST=localhost MASTER_ADDR=127.0.0.1 "$@" &
    PIDS+=($!)
done
STATUS=0
for pid in "${PIDS[@]}"; do wait "$pid" || STATUS=1; done
exit $STATUS
'''


@pytest.fixture(scope='module')
def fake_slurm(tmp_path_factory):
    bin_dir = tmp_path_factory.mktemp('bin')
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN)
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    log = bin_dir / 'srun_args.txt'
    return dict(PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
                SRUN_LOG=str(log)), log


@pytest.fixture(scope='module')
def slurm_trained(fake_slurm, tiny_demo_pkl, tmp_path_factory):
    env, log = fake_slurm
    work_dir = tmp_path_factory.mktemp('slurm_train')
    proc = run_tool(
        'tools/slurm_train.sh', 'gpu-partition', 'finetec-job', CONFIG,
        '--work-dir', str(work_dir),
        *data_options(tiny_demo_pkl, **{
            'train_dataloader.batch_size': 8, 'train_cfg.max_epochs': 1}),
        env=dict(env, GPUS='2', GPUS_PER_NODE='2', MASTER_PORT='29741'))
    return proc, work_dir, log.read_text()


def test_slurm_train_runs_one_process_per_task(slurm_trained):
    proc, work_dir, srun_args = slurm_trained
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert '-p gpu-partition --job-name=finetec-job' in srun_args
    assert '--ntasks=2 --ntasks-per-node=2' in srun_args
    assert '--launcher slurm' in srun_args
    assert 'Distributed training: True' in proc.stdout
    # 48 samples, 8 per process, 2 processes -> 3 iterations per epoch
    assert 'Epoch(train) [1][3/3]' in proc.stdout
    assert osp.isfile(work_dir / 'epoch_1.pth')


def test_slurm_test_reports_metrics(slurm_trained, fake_slurm, tiny_demo_pkl,
                                    tmp_path):
    _, work_dir, _ = slurm_trained
    env, log = fake_slurm
    proc = run_tool(
        'tools/slurm_test.sh', 'gpu-partition', 'finetec-test', CONFIG,
        str(work_dir / 'epoch_1.pth'), '--work-dir', str(tmp_path),
        *data_options(tiny_demo_pkl, **{  # 2 test clips, not 10
            'test_dataloader.dataset.pipeline.1.num_clips': 2}),
        env=dict(env, GPUS='1', GPUS_PER_NODE='1', MASTER_PORT='29742'))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert '--ntasks=1' in log.read_text()
    assert 'acc/top1' in proc.stdout and 'acc/mean1' in proc.stdout


def test_dist_test_two_cpu_processes_match_one(tiny_stgcn, tmp_path):
    """Two ranks split the test set; the collected predictions and metrics
    equal the single-process ones (the session's tiny_stgcn checkpoint and
    the tools/test.py --dump it made of the same config and data)."""
    import pickle

    import torch
    from mmaction.evaluation import mean_class_accuracy, top_k_accuracy

    dump = str(tmp_path / 'two.pkl')
    dist = run_tool('tools/dist_test.sh', CONFIG, tiny_stgcn['checkpoint'],
                    '2', '--work-dir', str(tmp_path / 'two'), '--dump', dump,
                    *data_options(tiny_stgcn['pkl']), env={'PORT': '29743'})
    assert dist.returncode == 0, dist.stdout[-3000:]
    assert 'Distributed training: True' in dist.stdout

    with open(tiny_stgcn['dump'], 'rb') as f:
        single = pickle.load(f)
    with open(dump, 'rb') as f:
        split = pickle.load(f)
    assert len(split) == len(single) == 24
    for a, b in zip(split, single):
        assert a['gt_labels']['item'] == b['gt_labels']['item']
        torch.testing.assert_close(a['pred_scores']['item'],
                                   b['pred_scores']['item'])
    scores = [p['pred_scores']['item'].numpy() for p in single]
    labels = [int(p['gt_labels']['item']) for p in single]
    top1, top5 = top_k_accuracy(scores, labels, (1, 5))
    expected = dict(top1=top1, top5=top5,
                    mean1=mean_class_accuracy(scores, labels))

    # tools/test.py's closing 'Test metrics' block, one metric a line
    block = dist.stdout[dist.stdout.rindex('Test metrics ('):]
    printed = dict(ln.split() for ln in block.splitlines()[1:]
                   if ln.startswith('  acc/'))
    assert sorted(printed) == ['acc/mean1', 'acc/top1', 'acc/top5']
    for name, value in expected.items():
        assert float(printed[f'acc/{name}']) == pytest.approx(
            value, abs=5e-5), name
