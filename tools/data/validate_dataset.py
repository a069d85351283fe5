"""Check a PoseDataset pickle and print a summary of it.

``python tools/data/validate_dataset.py PKL [--split NAME] [--num-classes N]
[--num-joints 17] [--label-map FILE] [--config CONFIG | --clip-len 16]``

Runs every check of :mod:`finetec_mm.datasets.validation` (errors, warnings,
infos; see its docstring), prints the splits, class histogram, sequence
lengths (with a text histogram, bins in frames), persons per sample, fraction
of fully missing frames and dtypes, then the problems (the first
``--max-listed`` of each kind and the count). Samples shorter than the clip
(``clip_len`` of ``--config``'s test pipeline, else ``--clip-len``) are
flagged as ``short_sequence`` warnings. Exit status 1 if the file is missing,
cannot be read or has errors (one line ``error: ...`` naming the file for the
first two), else 0.
"""
import argparse
import os.path as osp
import sys
from collections import Counter, defaultdict

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from finetec_mm.cli import load_config, report  # noqa: E402
from finetec_mm.datasets.annotation_io import (  # noqa: E402
    AnnotationError, load_annotation_file)
from finetec_mm.datasets.sequence_lengths import (  # noqa: E402
    DEFAULT_CLIP_LEN, check_short, clip_len_of, length_histogram,
    sample_lengths)
from finetec_mm.datasets.validation import (check_dataset,  # noqa: E402
                                            summarize)

LEVELS = ('error', 'warning', 'info')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Validate and summarize an MMAction2 PoseDataset pickle.')
    parser.add_argument('pkl', help='PoseDataset annotation file (.pkl)')
    parser.add_argument('--split', help='check only this split')
    parser.add_argument('--num-classes', type=int,
                        help='labels must be in [0, N) (default: the number '
                        'of lines of --label-map, else only label >= 0)')
    parser.add_argument('--num-joints', type=int, default=17,
                        help='expected joints per person (17 = COCO); 0 '
                        'skips the check')
    parser.add_argument('--label-map', help='text file, one class name per '
                        'line (line i = label i)')
    parser.add_argument('--max-listed', type=int, default=20,
                        help='problems listed per kind (default 20)')
    clip = parser.add_mutually_exclusive_group()
    clip.add_argument('--config', help='read the clip length from this '
                      "config's test pipeline (UniformSampleFrames)")
    clip.add_argument('--clip-len', type=int, help='clip length in frames '
                      f'(default {DEFAULT_CLIP_LEN}); shorter samples are '
                      'flagged')
    return parser.parse_args(argv)


def read_label_map(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'label map {path!r} does not exist')
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def class_name(label, names):
    if names and isinstance(label, int) and 0 <= label < len(names):
        return f'{label:4d} {names[label]}'
    return f'{label!s:>4}'


def print_summary(s, names, num_classes, top=5):
    splits = ', '.join(f'{k} {v}' for k, v in s['splits'].items()) or 'none'
    print(f'samples: {s["num_samples"]}   splits: {splits}')
    counts = Counter(s['class_counts'])
    if counts:
        print(f'classes: {len(counts)} labels present')
        ranked = counts.most_common()
        print('  most frequent:')
        for label, n in ranked[:top]:
            print(f'    {class_name(label, names)}: {n}')
        if len(ranked) > top:
            print('  least frequent:')
            for label, n in ranked[-top:]:
                print(f'    {class_name(label, names)}: {n}')
        if num_classes:
            empty = [c for c in range(num_classes) if c not in counts]
            if empty:
                more = ' ...' if len(empty) > 10 else ''
                print(f'  {len(empty)} of {num_classes} classes have no '
                      f'sample: {empty[:10]}{more}')
    if s['T']:
        t = s['T']
        print(f'frames per sample T: min {t["min"]}, median '
              f'{t["median"]:g}, max {t["max"]}')
    print(f'persons per sample M: {s["M"]}   joints V: {s["V"]}')
    print(f'fully missing frames: {s["missing_frames"]} / '
          f'{s["total_frames"]} ({100 * s["missing_fraction"]:.2f}%)')
    print(f'keypoint dtypes: {s["dtypes"]}')


def print_histogram(lengths, clip_len, width=40):
    """Text histogram of sequence lengths; bins ``lo-hi`` in frames."""
    bins = length_histogram(lengths, clip_len)
    if not bins:
        return
    most = max(n for _, _, n in bins) or 1
    print(f'sequence lengths (frames; clip {clip_len}):')
    for lo, hi, n in bins:
        label = f'{lo}' if hi == lo + 1 else f'{lo}-{hi - 1}'
        bar = '#' * max(int(round(width * n / most)), 1 if n else 0)
        mark = '< clip' if hi <= clip_len else ''
        print(f'  {label:>9} {n:7d} ' + ' '.join(filter(None, (bar, mark))))


def print_problems(problems, max_listed):
    by_kind = defaultdict(list)
    for q in problems:
        by_kind[(LEVELS.index(q.level), q.kind)].append(q)
    n = Counter(q.level for q in problems)
    print(f'problems: {n["error"]} errors, {n["warning"]} warnings, '
          f'{n["info"]} infos')
    for (lvl, kind), qs in sorted(by_kind.items()):
        print(f'[{LEVELS[lvl]}] {kind} ({len(qs)}):')
        for q in qs[:max_listed]:
            print(f'  {q.message}')
        if len(qs) > max_listed:
            print(f'  ... and {len(qs) - max_listed} more')


def resolve_clip_len(args):
    """``--clip-len``, else the clip length of ``--config``, else 16."""
    if args.config:
        return clip_len_of(load_config(args.config))
    return args.clip_len or DEFAULT_CLIP_LEN


def main(argv=None):
    args = parse_args(argv)
    try:
        names = read_label_map(args.label_map) if args.label_map else None
        clip_len = resolve_clip_len(args)
        sys.stderr.write(f'loading {args.pkl} ...\n')
        data = load_annotation_file(args.pkl)
    except (FileNotFoundError, AnnotationError, ValueError) as e:
        return report(e)
    num_classes = args.num_classes or (len(names) if names else None)

    def progress(done, total):
        if done % 5000 == 0 or done == total:
            sys.stderr.write(f'\rchecked {done}/{total} samples')
            if done == total:
                sys.stderr.write('\n')
            sys.stderr.flush()

    problems = check_dataset(data, num_classes=num_classes,
                             num_joints=args.num_joints or None,
                             split=args.split, file=args.pkl,
                             progress=progress)
    problems += check_short(data, clip_len, args.split, args.pkl)
    print(f'file: {args.pkl}' + (f'   split: {args.split}'
                                 if args.split else ''))
    if isinstance(data, dict) and isinstance(data.get('annotations'), list):
        view = data
        if args.split and args.split in data.get('split', {}):
            wanted = {str(n) for n in data['split'][args.split]}
            view = dict(split={args.split: data['split'][args.split]},
                        annotations=[
                            a for a in data['annotations']
                            if isinstance(a, dict)
                            and str(a.get('frame_dir')) in wanted
                        ])
        print_summary(summarize(view), names, num_classes)
        print_histogram([t for _, t in sample_lengths(view)], clip_len)
    print_problems(problems, args.max_listed)
    bad = any(q.level == 'error' for q in problems)
    print('FAILED' if bad else 'OK')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
