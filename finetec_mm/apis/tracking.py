# Copyright (c) FineTec authors. All rights reserved.
"""Choosing one person per frame from pose-estimator output.

A pose estimator reports every person it sees in a frame; the recognizer
classifies one. :func:`select_person` turns per-frame candidate lists into
one sequence and says which candidate it took in every frame:

* ``person='auto'``: start from the largest person (box area) of the first
  frame that has anyone, then in every following frame take the candidate
  whose box overlaps the last tracked box most (IoU); equal IoUs go to the
  smaller keypoint distance to the last tracked pose. A frame in which no
  candidate overlaps the last tracked box (or that has nobody) is missing.
* ``person=N``: the candidate with track id ``N`` in every frame if the
  input carries track ids, else the ``N``-th candidate of every frame (0 is
  the first); a frame without it is missing.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

#: IoUs closer than this are equal (the keypoint distance decides).
IOU_TIE = 1e-6


@dataclass(eq=False)  # compared by identity
class Person:
    """One person found in one frame.

    Args:
        xy (np.ndarray): (V, 2) pixel coordinates.
        score (np.ndarray): (V, ) keypoint scores; a joint with score 0 was
            not seen.
        box (np.ndarray, optional): (4, ) x1, y1, x2, y2 in pixels; None (or
            an empty box) uses the hull of the seen joints.
        track_id (int, optional): Identity given by the pose estimator.
    """
    xy: np.ndarray
    score: np.ndarray
    box: Optional[np.ndarray] = None
    track_id: Optional[int] = None

    def __post_init__(self):
        if self.box is None or not _proper(self.box):
            self.box = hull_box(self.xy, self.score)

    @property
    def seen(self) -> bool:
        """Whether any joint has a score > 0."""
        return bool((self.score > 0).any())


def _proper(box) -> bool:
    box = np.asarray(box, dtype=np.float64)
    return (box.shape == (4, ) and np.isfinite(box).all()
            and box[2] > box[0] and box[3] > box[1])


def hull_box(xy: np.ndarray, score: np.ndarray) -> np.ndarray:
    """(4, ) box around the seen joints, widened by 10 % of its longer side
    plus 1 pixel on every side (so that it has an area)."""
    pts = xy[score > 0]
    if not len(pts):
        return np.zeros(4)
    lo, hi = pts.min(0), pts.max(0)
    pad = 0.1 * float((hi - lo).max()) + 1.0
    return np.concatenate([lo - pad, hi + pad]).astype(np.float64)


def box_area(box: np.ndarray) -> float:
    return float(max(box[2] - box[0], 0) * max(box[3] - box[1], 0))


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two (4, ) x1, y1, x2, y2 boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    union = box_area(a) + box_area(b) - inter
    return float(inter / union) if union > 0 else 0.0


def pose_distance(a: Person, b: Person) -> float:
    """Mean pixel distance over the joints seen in both (inf if none)."""
    both = (a.score > 0) & (b.score > 0)
    if not both.any():
        return float('inf')
    return float(np.linalg.norm(a.xy[both] - b.xy[both], axis=-1).mean())


@dataclass
class Track:
    """Which candidate was taken in every frame.

    Attributes:
        person: ``'auto'`` or the requested N.
        by (str): ``'overlap'`` (auto), ``'track_id'`` or ``'index'``.
        chosen (list): Per frame the index of the chosen candidate in that
            frame's list as the input gives it, or None (missing frame).
        empty (list): Frames in which nobody was found.
    """
    person: Union[str, int]
    by: str
    chosen: List[Optional[int]]
    empty: List[int] = field(default_factory=list)

    @property
    def missing(self) -> List[int]:
        return [t for t, c in enumerate(self.chosen) if c is None]

    def to_dict(self) -> dict:
        """JSON-ready summary (the ``track`` entry of a result)."""
        return dict(person=self.person, by=self.by,
                    num_frames=len(self.chosen),
                    num_missing=len(self.missing),
                    missing_frames=self.missing, empty_frames=self.empty,
                    chosen=self.chosen)

    @classmethod
    def from_dict(cls, data: dict) -> 'Track':
        """Inverse of :meth:`to_dict`."""
        return cls(data['person'], data['by'], list(data['chosen']),
                   list(data['empty_frames']))

    def describe(self) -> str:
        """One line: the rule, the start and the missing frames."""
        T, gone = len(self.chosen), self.missing
        kept = [t for t in range(T) if t not in set(gone)]
        if self.by == 'overlap':
            head = 'person auto (largest first, then box overlap)'
        else:
            head = f'person {self.person} (by {self.by.replace("_", " ")})'
        if kept:
            head += (f': started at frame {kept[0]} on candidate '
                     f'{self.chosen[kept[0]]}')
        line = f'{head}; {T - len(gone)} of {T} frames tracked'
        if gone:
            nobody = set(self.empty)
            shown = ', '.join(f'{t} ({"nobody" if t in nobody else "lost"})'
                              for t in gone[:20])
            more = ', ...' if len(gone) > 20 else ''
            line += f', {len(gone)} missing: {shown}{more}'
        return line


def follow_step(people: Sequence[Person],
                last: Optional[Person]) -> Optional[int]:
    """One step of the ``'auto'`` rule (module docstring): the index of the
    candidate (all seen) that continues ``last``, the largest one if
    ``last`` is None, or None (nobody, or no overlap with ``last``). Also
    used frame by frame by :class:`~finetec_mm.apis.stream.StreamRecognizer`.
    """
    if not people:
        return None
    if last is None:
        areas = [box_area(p.box) for p in people]
        return int(np.argmax(areas))  # first of equal areas
    ious = [box_iou(p.box, last.box) for p in people]
    best = max(ious)
    if best <= 0:
        return None
    ties = [i for i, v in enumerate(ious) if best - v <= IOU_TIE]
    return min(ties, key=lambda i: pose_distance(people[i], last))


def _follow(frames: Sequence[Sequence[Person]]) -> List[Optional[int]]:
    """The ``'auto'`` rule (module docstring) on candidates that are seen."""
    chosen: List[Optional[int]] = [None] * len(frames)
    last: Optional[Person] = None
    for t, people in enumerate(frames):
        chosen[t] = follow_step(people, last)
        if chosen[t] is not None:
            last = people[chosen[t]]
    return chosen


def _pick(frames: Sequence[Sequence[Person]],
          number: int) -> Tuple[List[Optional[int]], str]:
    """Candidate with track id ``number`` (if the input has track ids) or
    the ``number``-th candidate, per frame."""
    with_ids = any(p.track_id is not None for ps in frames for p in ps)
    chosen: List[Optional[int]] = []
    for people in frames:
        if with_ids:
            hits = [i for i, p in enumerate(people) if p.track_id == number]
            chosen.append(hits[0] if hits else None)
        else:
            chosen.append(number if number < len(people) else None)
    return chosen, 'track_id' if with_ids else 'index'


def select_person(frames: Sequence[Sequence[Person]], num_joints: int,
                  person: Union[str, int] = 'auto'
                  ) -> Tuple[np.ndarray, np.ndarray, Track]:
    """One person's sequence out of per-frame candidates.

    Candidates without any seen joint are not persons; their frame counts
    as empty if nobody else is there. Indices in the returned
    :class:`Track` refer to the frames' lists as given.

    Args:
        frames: Per frame the persons found (possibly none).
        num_joints (int): V, the joints of every candidate.
        person ('auto' | int): See the module docstring.

    Returns:
        tuple: xy (T, V, 2), score (T, V) (zeros in missing frames) and
        the :class:`Track`.
    """
    if person != 'auto' and not (isinstance(person, (int, np.integer))
                                 and person >= 0):
        raise ValueError(f"person must be 'auto' or an integer >= 0, got "
                         f'{person!r}')
    seen = [[(i, p) for i, p in enumerate(ps) if p.seen] for ps in frames]
    if person == 'auto':
        picked = _follow([[p for _, p in s] for s in seen])
        chosen = [None if c is None else s[c][0]
                  for c, s in zip(picked, seen)]
        by = 'overlap'
    else:
        chosen, by = _pick(frames, int(person))
        chosen = [c if c is not None and frames[t][c].seen else None
                  for t, c in enumerate(chosen)]
        person = int(person)
    T = len(frames)
    xy, score = np.zeros((T, num_joints, 2)), np.zeros((T, num_joints))
    for t, c in enumerate(chosen):
        if c is not None:
            xy[t], score[t] = frames[t][c].xy, frames[t][c].score
    empty = [t for t, s in enumerate(seen) if not s]
    return xy, score, Track(person, by, chosen, empty)
