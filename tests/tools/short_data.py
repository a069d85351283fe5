"""A PoseDataset pickle of short sequences (2, 10 and 40 frames), cut from
the tiny demo data, as FineGym-skeleton V2 has them (2 to 725 frames)."""
import pickle

import numpy as np

LENGTHS = (2, 10, 40)


def cut(anno: dict, length: int, name: str) -> dict:
    """``anno`` with only its first ``length`` frames, renamed."""
    out = dict(anno, frame_dir=name, total_frames=length)
    out['keypoint'] = np.ascontiguousarray(anno['keypoint'][:, :length])
    out['keypoint_score'] = np.ascontiguousarray(
        anno['keypoint_score'][:, :length])
    return out


def write_short_dataset(src_pkl: str, out: str, per_split=None) -> dict:
    """Write splits ``train`` / ``val`` / ``test`` holding, per repeat, one
    sample of each of :data:`LENGTHS` frames (cut from the same split of
    ``src_pkl``, so labels are real). Sample names: ``{split}_{T}f_{i}``.

    Returns:
        dict: The written data.
    """
    per_split = per_split or dict(train=2, val=1, test=1)
    with open(src_pkl, 'rb') as f:
        src = pickle.load(f)
    by_name = {a['frame_dir']: a for a in src['annotations']}
    annotations, split = [], {}
    for name, repeats in per_split.items():
        sources = iter(src['split'][name])
        split[name] = []
        for i in range(repeats):
            for length in LENGTHS:
                sample = cut(by_name[next(sources)], length,
                             f'{name}_{length}f_{i}')
                annotations.append(sample)
                split[name].append(sample['frame_dir'])
    data = dict(split=split, annotations=annotations)
    with open(out, 'wb') as f:
        pickle.dump(data, f)
    return data
