"""Turn a training checkpoint into a weights-only release checkpoint.

    python tools/publish_checkpoint.py IN.pth OUT.pth [--trust-pickle]

Keeps the model weights and a small plain ``meta`` (epoch, iteration,
dataset_meta, source file), drops optimizer, scheduler and logging state,
and renames the output to ``OUT-<first 8 hex digits of SHA-256>.pth``; the
loader in ``finetec_mm/engine/safe_checkpoint.py`` verifies that hash.

``--trust-pickle`` reads a legacy checkpoint (e.g. written by plain mmengine
on torch < 2.6) with full unpickling. Only use it for files you trust: a
pickle can run arbitrary code. The output never needs it again.
"""
import argparse
import os
import os.path as osp

import torch

import _bootstrap  # noqa: F401  (source checkout on sys.path)
from finetec_mm.engine.safe_checkpoint import (DIGEST_KEY, content_digest,
                                               encode, load_from_local_safe,
                                               sha256_of)

KEEP_META = ('epoch', 'iter', 'dataset_meta', 'seed', 'mmengine_version',
             'cfg')


def publish(src, dst, trust_pickle=False):
    """Write the release checkpoint; return its final path."""
    checkpoint = load_from_local_safe(src, 'cpu', trust_pickle=trust_pickle)
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError(f'{src!r}: no state_dict of tensors found')
    meta = checkpoint.get('meta', {}) or {}
    release = dict(
        state_dict={k: v.cpu() for k, v in state_dict.items()},
        meta=encode(dict(
            {k: meta[k] for k in KEEP_META if k in meta},
            published_from=osp.basename(src))))
    release[DIGEST_KEY] = content_digest(release)
    stem = dst[:-4] if dst.endswith('.pth') else dst
    tmp = stem + '.tmp.pth'
    os.makedirs(osp.dirname(osp.abspath(tmp)), exist_ok=True)
    torch.save(release, tmp)
    final = f'{stem}-{sha256_of(tmp)[:8]}.pth'
    os.replace(tmp, final)
    return final


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='training checkpoint')
    parser.add_argument('dst', help='output path (hash is added to the name)')
    parser.add_argument(
        '--trust-pickle', action='store_true',
        help='fully unpickle a legacy checkpoint you trust')
    args = parser.parse_args()
    final = publish(args.src, args.dst, trust_pickle=args.trust_pickle)
    print(f'wrote {final} ({osp.getsize(final) / 1e6:.2f} MB)')


if __name__ == '__main__':
    main()
