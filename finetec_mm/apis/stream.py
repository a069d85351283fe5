# Copyright (c) FineTec authors. All rights reserved.
"""Online recognition over a live pose stream (frames one by one, some
never arriving)::

    from finetec_mm.apis import StreamRecognizer
    stream = StreamRecognizer('configs/finetec_demo_severe.py', 'epoch_16.pth')
    for pose, timestamp in pose_estimator_output:   # seconds
        pred = stream.push(pose, timestamp)
        if pred is not None:
            print(timestamp, pred['topk_names'][0], pred['num_observed'])

How a push is read (docs/streaming.md):

* **Frame grid.** Timestamps are mapped onto the model's frame grid,
  ``fps`` frames per second from the stream's start (:func:`grid_index`,
  rounding to the nearest frame, so jitter below half a frame period does
  not move a frame). A grid frame that no pose reached is a *missing*
  frame, exactly as a frame the corruption protocol drops.
* **Window.** The prediction reads the last ``window`` grid frames up to
  the newest one seen (:func:`window_bounds`, :func:`assemble_window`),
  never a frame after it. A late frame (older than the newest) is put in
  its place if that place is still in the window, else ignored; a second
  pose for a grid frame that already has one (a duplicate, or a camera
  faster than the grid) is ignored, so neither can overwrite the window.
* **Person.** One person is followed with the rule of
  :mod:`finetec_mm.apis.tracking` (``person='auto'``: the largest person
  first, then the candidate overlapping the last tracked box most; or
  ``person=N``), one frame at a time. Two additions for a stream, which has
  no end: a frame is continued from the tracked person of the nearest
  earlier frame (a late frame too), and when nobody was tracked in the
  whole window the next person seen starts a new track (largest first).
* **Recognition.** The window is one sample for the config's test pipeline
  with **one** clip (``UniformSampleFrames(num_clips=1)``): missing frames
  marked, gaps filled or completed (FineTec's hosted completion) on the
  window only, then the recognizer; the same code path as
  :func:`~finetec_mm.apis.inference_skeletons`, so with a window covering a
  whole complete sequence the prediction equals the offline 1-clip one.

:func:`replay` feeds a sequence through a recognizer frame by frame (the
protocol of ``tools/analysis/stream_eval.py``), :func:`protocol_keep`
drops its frames by the project's sequence-consistent rule or a burst
model.
"""
import math
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .readers.mmpose import frame_people
from .readers.ours import json_frame
from .tracking import Person, Track, follow_step

#: Defaults of :class:`StreamRecognizer` (why: docs/streaming.md#options).
DEFAULT_FPS = 30.0
DEFAULT_WINDOW = '3s'
DEFAULT_HOP = 1
DEFAULT_MIN_OBSERVED = 4
DEFAULT_SMOOTHING = 0.0


# --------------------------------------------------------------------------
# pure helpers
# --------------------------------------------------------------------------
def grid_index(timestamp: float, origin: float, fps: float) -> int:
    """Grid frame of ``timestamp`` (seconds): ``floor((timestamp - origin)
    * fps + 0.5)``, the nearest frame of a grid with frame 0 at ``origin``
    (round half up, as everywhere in the protocol)."""
    return int(math.floor((float(timestamp) - float(origin)) * fps + 0.5))


def parse_window(window: Union[int, float, str], fps: float) -> int:
    """Window length in grid frames: an int is frames, a float seconds, a
    string ``'16'`` / ``'16f'`` frames or ``'3s'`` / ``'2.5s'`` seconds
    (``round(seconds * fps)``); at least 1."""
    if isinstance(window, str):
        text = window.strip().lower()
        try:
            if text.endswith('s'):
                window = float(text[:-1])
            else:
                window = int(text[:-1] if text.endswith('f') else text)
        except ValueError:
            raise ValueError(f"window {window!r} is neither frames ('16', "
                             "'16f') nor seconds ('3s')") from None
    if isinstance(window, bool) or not isinstance(
            window, (int, float, np.integer, np.floating)):
        raise ValueError(f'window must be frames (int) or seconds (float), '
                         f'got {window!r}')
    frames = int(window) if isinstance(window, (int, np.integer)) else \
        int(math.floor(float(window) * fps + 0.5))
    if frames < 1:
        raise ValueError(f'window {window!r} is under one frame at {fps} '
                         'fps')
    return frames


def window_bounds(head: int, first: int, length: int) -> Tuple[int, int]:
    """(start, end) grid frames, inclusive, of the window ending at the
    newest frame ``head``: ``length`` frames, but none before the stream's
    first frame ``first``."""
    return max(first, head - length + 1), head


def assemble_window(frames: Dict[int, Tuple[np.ndarray, np.ndarray]],
                    start: int, end: int, num_joints: int
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The window's arrays from the observed poses per grid frame.

    Args:
        frames: grid frame -> (xy (V, 2), score (V, )) of the followed
            person; frames not in it (or outside [start, end]) are missing.
        start, end (int): The window, inclusive.

    Returns:
        tuple: xy (W, V, 2) float32 pixels and score (W, V) float32, both
        zero in missing frames, and observed (W, ) bool.
    """
    W = end - start + 1
    xy = np.zeros((W, num_joints, 2), np.float32)
    score = np.zeros((W, num_joints), np.float32)
    observed = np.zeros(W, bool)
    for slot, (p, s) in frames.items():
        if start <= slot <= end:
            xy[slot - start], score[slot - start] = p, s
            observed[slot - start] = bool((s != 0).any())
    return xy, score, observed


def frame_candidates(pose, num_joints: int,
                     prefix: str = 'push') -> List[Person]:
    """The persons of one pushed frame.

    Accepted: None or ``[]`` (nobody); a (V, 3) array / list of ``[x, y,
    score]`` joints (one person, the per-frame form of our JSON); a (N, V,
    3) array (N persons); what the MMPose reader takes per frame (a list of
    instance dicts, ``{"instances": [...]}``, a ``pose_inference`` dict of
    arrays); :class:`~finetec_mm.apis.tracking.Person` objects.
    """
    if pose is None:
        return []
    if isinstance(pose, Person):
        return [pose]
    if isinstance(pose, np.ndarray):
        if pose.ndim == 2:
            pose = pose[None]
        if pose.ndim != 3 or pose.shape[1:] != (num_joints, 3):
            raise ValueError(f'{prefix}: array of shape {pose.shape}, '
                             f'expected ({num_joints}, 3) or (N, '
                             f'{num_joints}, 3) of (x, y, score)')
        if not np.isfinite(pose).all():
            raise ValueError(f'{prefix}: pose holds NaN/inf')
        return [Person(p[:, :2].astype(np.float64), p[:, 2].astype(
            np.float64)) for p in pose]
    if isinstance(pose, (list, tuple)):
        if not pose:
            return []
        if all(isinstance(p, Person) for p in pose):
            return list(pose)
        if not isinstance(pose[0], dict):  # one person, [[x, y, s], ...]
            joints = json_frame(list(map(list, pose)) if isinstance(
                pose[0], (list, tuple)) else list(pose), 0, num_joints,
                prefix)
            if not np.isfinite(joints).all():
                raise ValueError(f'{prefix}: pose holds NaN/inf')
            return [Person(joints[:, :2], joints[:, 2])]
        return frame_people(list(pose), num_joints, prefix)
    if isinstance(pose, dict):
        return frame_people(pose, num_joints, prefix)
    raise ValueError(f'{prefix}: a {type(pose).__name__} is not a pose '
                     '(expected None, a (V, 3) array, a list of MMPose '
                     'instances or a pose_inference dict)')


def one_clip_config(cfg):
    """A copy of ``cfg`` whose ``test_pipeline`` template samples one clip
    (the stream's recognition and the offline reference it equals)."""
    import copy
    cfg = copy.deepcopy(cfg)
    steps = []
    for step in cfg.get('test_pipeline', None) or []:
        step = dict(step)
        if step.get('type') == 'UniformSampleFrames':
            step['num_clips'] = 1
        steps.append(step)
    if steps:
        cfg.test_pipeline = steps
    return cfg


# --------------------------------------------------------------------------
# the recognizer
# --------------------------------------------------------------------------
class StreamRecognizer:
    """Causal recognition over a live pose stream (module docstring).

    Args:
        config (str | Config | nn.Module): Config (with ``checkpoint``, as
            :func:`~finetec_mm.apis.init_recognizer`), or a model it built.
        checkpoint (str, optional): Weights for a config.
        device (str): Defaults to ``'cpu'``.
        fps (float): Model frame grid, frames per second. Default 30, the
            frame rate of the data the models are trained on (demo 25-32
            fps, Bandai 30 fps).
        window (int | float | str): Window length: frames (int, ``'16f'``)
            or seconds (float, ``'3s'``). Default ``'3s'`` (90 frames at
            30 fps): about one action; the models are trained on clips
            sampled over whole actions (demo median 77 frames, Bandai 130).
        hop (int): Grid frames between predictions. Default 1: a
            prediction per frame (a push costs well under a frame period on
            a 2-core CPU, docs/streaming.md#latency).
        min_observed (int): Observed frames the window needs before a
            prediction. Default 4: the fewest a clip keeps under the severe
            protocol (4 of 16) the models are trained on.
        smoothing (float): Exponential smoothing of scores over hops,
            ``s = smoothing * s_prev + (1 - smoothing) * s_new`` in [0, 1).
            Default 0 (off): the window already spans seconds, and
            smoothing delays a change of label; 0.5-0.8 steadies a display.
        topk (int): Classes per prediction. Default 5.
        person ('auto' | int): Whom to follow (module docstring).
        img_shape ((h, w), optional): Image size (default:
            ``PreNormalize2D``'s 1080 x 1920).
        label_map (str | list, optional): Class names (default: the
            config's ``label_map.txt``, as offline).
        cfg_options (dict, optional): Config overrides.
        name (str): Sample id the pipeline sees (``frame_dir``).
    """

    def __init__(self, config, checkpoint: Optional[str] = None,
                 device: str = 'cpu', fps: float = DEFAULT_FPS,
                 window: Union[int, float, str] = DEFAULT_WINDOW,
                 hop: int = DEFAULT_HOP,
                 min_observed: int = DEFAULT_MIN_OBSERVED,
                 smoothing: float = DEFAULT_SMOOTHING, topk: int = 5,
                 person: Union[str, int] = 'auto',
                 img_shape: Optional[Sequence[int]] = None,
                 label_map=None, cfg_options: Optional[dict] = None,
                 allow_partial: bool = False, name: str = 'stream'):
        import torch.nn as nn

        from .inference import model_device, resolve_label_map
        from .model import init_recognizer
        from .pipeline import build_pipeline, graph_joints, inference_config
        if not fps > 0:
            raise ValueError(f'fps must be > 0, got {fps!r}')
        if int(hop) < 1:
            raise ValueError(f'hop must be >= 1, got {hop!r}')
        if int(min_observed) < 1:
            raise ValueError(f'min_observed must be >= 1, got '
                             f'{min_observed!r}')
        if not 0 <= smoothing < 1:
            raise ValueError(f'smoothing must be in [0, 1), got '
                             f'{smoothing!r}')
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        if person != 'auto' and not (isinstance(person, (int, np.integer))
                                     and person >= 0):
            raise ValueError(f"person must be 'auto' or an integer >= 0, "
                             f'got {person!r}')
        if isinstance(config, nn.Module):
            model = config
        else:
            model = init_recognizer(config, checkpoint, device,
                                    allow_partial, cfg_options)
        self.model = model
        self.cfg = model.cfg
        self.num_joints = graph_joints(self.cfg)
        self.fps = float(fps)
        self.window = parse_window(window, self.fps)
        self.hop = int(hop)
        self.min_observed = int(min_observed)
        self.smoothing = float(smoothing)
        self.topk = int(topk)
        self.person = person
        self.img_shape = None if img_shape is None else tuple(img_shape)
        self.name = str(name)
        _, self.names = resolve_label_map(self.cfg, label_map)
        self.pipeline = build_pipeline(
            inference_config(one_clip_config(self.cfg)), model_device(model))
        self.reset()

    # ---------------------------------------------------------------- state
    def reset(self, start: Optional[float] = None) -> None:
        """Forget the stream. ``start`` (seconds) is the stream's start and
        grid origin (default: the first pushed timestamp); frames between it
        and the first push are missing."""
        self.origin = None if start is None else float(start)
        self.first = None if start is None else 0
        self.head: Optional[int] = None
        self._frames: Dict[int, Tuple[np.ndarray, np.ndarray]] = {}
        self._arrived: Dict[int, Optional[int]] = {}  # slot -> chosen
        self._empty: set = set()
        self._people: Dict[int, Person] = {}  # slot -> followed person
        self._last_pred_head: Optional[int] = None
        self._smoothed: Optional[np.ndarray] = None
        self.last_prediction: Optional[dict] = None
        self.stats = dict(pushed=0, late=0, duplicate=0, too_old=0,
                          predictions=0)

    # ------------------------------------------------------------- tracking
    def _reference(self, slot: int) -> Optional[Person]:
        """The followed person of the nearest earlier grid frame, if it is
        within one window of ``slot`` (else a new track starts)."""
        earlier = [s for s in self._people if slot - self.window < s < slot]
        return self._people[max(earlier)] if earlier else None

    def _choose(self, people: List[Person], slot: int) -> Optional[int]:
        seen = [(i, p) for i, p in enumerate(people) if p.seen]
        if self.person == 'auto':
            pick = follow_step([p for _, p in seen], self._reference(slot))
            return None if pick is None else seen[pick][0]
        number = int(self.person)
        if any(p.track_id is not None for p in people):
            hits = [i for i, p in enumerate(people) if p.track_id == number]
            pick = hits[0] if hits else None
        else:
            pick = number if number < len(people) else None
        return pick if pick is not None and people[pick].seen else None

    # ----------------------------------------------------------------- push
    def push(self, pose, timestamp: float) -> Optional[dict]:
        """Feed one frame's pose result (:func:`frame_candidates`: None for
        nobody) taken at ``timestamp`` seconds.

        Returns:
            dict | None: A prediction when one is due (the newest grid
            frame advanced by ``hop`` since the last one and the window has
            ``min_observed`` observed frames), else None. Keys: ``time``
            (the timestamp), ``frame`` (newest grid frame), ``window``
            ([start, end] grid frames), ``num_frames``, ``num_observed``,
            ``observed`` (bool per window frame), ``topk_indices``,
            ``topk_names``, ``topk_scores``, ``scores`` (all classes,
            smoothed), ``track`` (:class:`Track` summary of the window:
            the candidate followed per frame).
        """
        timestamp = float(timestamp)
        if not math.isfinite(timestamp):
            raise ValueError(f'timestamp {timestamp!r} is not finite')
        people = frame_candidates(pose, self.num_joints,
                                  f'push at {timestamp:.3f} s')
        self.stats['pushed'] += 1
        if self.origin is None:
            self.origin, self.first = timestamp, 0
        slot = grid_index(timestamp, self.origin, self.fps)
        if self.head is not None and slot <= self.head - self.window:
            self.stats['too_old'] += 1
            return None
        if slot in self._arrived:
            self.stats['duplicate'] += 1
            return None
        self.first = min(self.first, slot)
        if self.head is not None and slot < self.head:
            self.stats['late'] += 1
        chosen = self._choose(people, slot)
        self._arrived[slot] = chosen
        if not any(p.seen for p in people):
            self._empty.add(slot)
        if chosen is not None:
            person = people[chosen]
            self._people[slot] = person
            self._frames[slot] = (np.asarray(person.xy, np.float32),
                                  np.asarray(person.score, np.float32))
        if self.head is None or slot > self.head:
            self.head = slot
            self._forget()
        return self._maybe_predict(timestamp)

    def _forget(self) -> None:
        """Drop what fell out of the window (tracking references need one
        window more)."""
        limit = self.head - 2 * self.window
        for store in (self._frames, self._arrived, self._people):
            for slot in [s for s in store if s <= limit]:
                del store[slot]
        self._empty = {s for s in self._empty if s > limit}

    def _maybe_predict(self, timestamp: float) -> Optional[dict]:
        if (self._last_pred_head is not None
                and self.head - self._last_pred_head < self.hop):
            return None
        start, end = window_bounds(self.head, self.first, self.window)
        if sum(1 for s in self._frames if start <= s <= end
               ) < self.min_observed:
            return None
        pred = self.predict_window(timestamp)
        self._last_pred_head = self.head
        return pred

    def predict_window(self, timestamp: Optional[float] = None) -> dict:
        """Classify the current window now (whether or not a prediction is
        due); updates the smoothed scores."""
        from .inference import forward, record
        if self.head is None:
            raise ValueError('nothing was pushed yet')
        start, end = window_bounds(self.head, self.first, self.window)
        xy, score, observed = assemble_window(self._frames, start, end,
                                              self.num_joints)
        anno = dict(frame_dir=self.name, keypoint=xy[None],
                    keypoint_score=score[None], total_frames=len(xy))
        if self.img_shape is not None:
            anno['img_shape'] = self.img_shape
        (out, ), _ = forward(self.model, self.pipeline, [anno], 1)
        scores = out.pred_scores.item.float().cpu().numpy()
        if self._smoothed is not None and self.smoothing > 0:
            scores = (self.smoothing * self._smoothed +
                      (1 - self.smoothing) * scores)
        self._smoothed = scores
        pred = record(0, anno, scores, min(self.topk, len(scores)),
                      self.names)
        del pred['id'], pred['index']
        slots = range(start, end + 1)
        track = Track(self.person, 'overlap' if self.person == 'auto' else
                      'index', [self._arrived.get(s) for s in slots],
                      [s - start for s in slots if s in self._empty])
        pred.update(time=timestamp, frame=end, window=[start, end],
                    num_frames=len(observed),
                    num_observed=int(observed.sum()), observed=observed,
                    scores=scores, track=track.to_dict())
        self.stats['predictions'] += 1
        self.last_prediction = pred
        return pred


# --------------------------------------------------------------------------
# the causal protocol
# --------------------------------------------------------------------------
def protocol_keep(total_frames: int, sample_id: str, ratio: float,
                  pattern: str = 'consistent', clip_len: int = 16,
                  seed: int = 0, burst_len: Tuple[int, int] = (4, 16)
                  ) -> np.ndarray:
    """Keep-mask (T, ) of a sequence's raw frames for a stream.

    ``pattern='consistent'``: the project's sequence-consistent rule as
    the offline test applies it: the sequence is split into ``clip_len``
    segments as ``UniformSampleFrames`` splits it, and the positions the
    shared test mask of the sample drops (``corruption_masks`` keyed
    ``'<id>|shared|<seed>'``) drop their whole segment; sequences shorter
    than two clips drop raw frames by the short-sequence rule (key
    ``'short'``). The stream then sees exactly the part of the timeline the
    offline protocol reveals. ``pattern='burst'``: the raw-stage burst
    model of detector failures (``drop_mask(..., 'burst')`` on the raw
    timeline, key ``'raw'``). ``ratio`` 0 keeps everything.
    """
    from finetec_mm.functional.corruption import (corruption_masks,
                                                  drop_mask, sample_rng)
    T = int(total_frames)
    if ratio <= 0:
        return np.ones(T, bool)
    if pattern == 'burst':
        return drop_mask(T, ratio, 'burst', 1, tuple(burst_len),
                         sample_rng(sample_id, 'raw', seed))
    if pattern != 'consistent':
        raise ValueError(f"unknown pattern {pattern!r}, expected "
                         "'consistent' or 'burst'")
    if T < 2 * clip_len:
        return drop_mask(T, ratio, 'random', 1, tuple(burst_len),
                         sample_rng(sample_id, 'short', seed))
    keep_pos, _ = corruption_masks(clip_len, 1, ratio, 'random', 1,
                                   tuple(burst_len), sample_id=sample_id,
                                   seed=seed)
    bids = np.array([i * T // clip_len for i in range(clip_len + 1)])
    return np.repeat(keep_pos, np.diff(bids))


def seen_points(total_frames: int,
                fractions: Iterable[float]) -> Dict[float, int]:
    """Per fraction of the sequence the last frame index seen at that
    point: ``ceil(f * T) - 1`` (at least 0)."""
    return {f: max(int(math.ceil(f * total_frames - 1e-9)) - 1, 0)
            for f in fractions}


def replay(stream: StreamRecognizer, xyz: np.ndarray,
           keep: Optional[np.ndarray] = None, fps: Optional[float] = None,
           fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
           on_push=None) -> dict:
    """Feed one sequence through ``stream`` (reset first, start at 0 s),
    frame ``t`` at ``t / fps`` seconds; frames with ``keep`` False never
    arrive, except that a dropped last frame is pushed as nobody so the
    window ends where the sequence does. The sequence is one person's
    skeleton, followed by position (``person=0`` during the replay), as
    offline input of one person is: the box-overlap rule would lose a
    person who moved far during a gap of dropped frames.

    Args:
        xyz (np.ndarray): (T, V, 3) pixels and scores of one person.
        keep (np.ndarray, optional): (T, ) bool, default all.
        fps (float, optional): Default the recognizer's.
        on_push (callable, optional): ``on_push(t, prediction_or_None,
            seconds)`` after every push.

    Returns:
        dict: ``at`` (fraction -> the latest prediction at that point or
        None), ``predictions`` (all, in order), per push ``latency``
        (wall-clock seconds), ``cpu`` (process CPU seconds) and
        ``predicted`` (bool), ``keep``.
    """
    T = len(xyz)
    keep = np.ones(T, bool) if keep is None else np.asarray(keep, bool)
    fps = stream.fps if fps is None else float(fps)
    stream.reset(start=0.0)
    points = seen_points(T, fractions)
    at, preds, latency, cpu, predicted = {}, [], [], [], []
    person, stream.person = stream.person, 0
    try:
        for t in range(T):
            if keep[t] or t == T - 1:
                pose = xyz[t] if keep[t] else None
                tic, cpu_tic = time.perf_counter(), time.process_time()
                pred = stream.push(pose, t / fps)
                latency.append(time.perf_counter() - tic)
                cpu.append(time.process_time() - cpu_tic)
                predicted.append(pred is not None)
                if pred is not None:
                    preds.append(pred)
                if on_push is not None:
                    on_push(t, pred, latency[-1])
            for f, last in points.items():
                if last == t:
                    at[f] = stream.last_prediction
    finally:
        stream.person = person
    return dict(at=at, predictions=preds, latency=latency, cpu=cpu,
                predicted=predicted, keep=keep)


def early_recognition(stream: StreamRecognizer, annos: Sequence[dict],
                      ratio: float = 0.0, pattern: str = 'consistent',
                      seed: int = 0, clip_len: int = 16,
                      fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
                      offline: bool = True, progress=None) -> dict:
    """The causal protocol over labelled annotations (a PoseDataset split).

    Every sequence is replayed with its frames dropped by
    :func:`protocol_keep`; accuracy (top-1, no prediction yet counts as
    wrong) at each fraction of the sequence seen; ``offline``: also the
    1-clip prediction on the whole sequence with the same frames (the
    offline reference the end-of-sequence prediction equals when the
    window covers the sequence); latency per push (median, p99, ms).
    """
    hits = {f: 0 for f in fractions}
    answered = {f: 0 for f in fractions}
    off_hits, latency, observed = 0, [], []
    for n, anno in enumerate(annos):
        xyz = np.concatenate([anno['keypoint'][0],
                              anno['keypoint_score'][0][..., None]], -1)
        keep = protocol_keep(len(xyz), anno['frame_dir'], ratio, pattern,
                             clip_len, seed)
        stream.img_shape = tuple(anno['img_shape']) if anno.get(
            'img_shape') is not None else None
        out = replay(stream, xyz, keep, fractions=fractions)
        latency += out['latency']
        observed.append(float(keep.mean()))
        for f in fractions:
            pred = out['at'].get(f)
            answered[f] += pred is not None
            hits[f] += (pred is not None and pred['topk_indices'][0] ==
                        int(anno['label']))
        if offline:
            off_hits += offline_top1(stream, xyz, keep) == int(anno['label'])
        if progress is not None:
            progress(n + 1, len(annos))
    N = max(len(annos), 1)
    lat = np.asarray(latency) * 1e3
    out = dict(num_samples=len(annos), ratio=ratio, pattern=pattern,
               seed=seed, observed_share=float(np.mean(observed or [0])),
               accuracy={str(f): hits[f] / N for f in fractions},
               answered={str(f): answered[f] / N for f in fractions},
               end_accuracy=hits[fractions[-1]] / N,
               latency_ms=dict(median=float(np.median(lat)),
                               p99=float(np.percentile(lat, 99)),
                               pushes=int(len(lat))) if len(lat) else {})
    if offline:
        out['offline_1clip_accuracy'] = off_hits / N
    return out


def offline_top1(stream: StreamRecognizer, xyz: np.ndarray,
                 keep: np.ndarray) -> int:
    """Top-1 class of the offline 1-clip prediction on the whole sequence
    with the frames ``keep`` drops missing (the stream's pipeline and
    model)."""
    from .inference import inference_skeletons
    arr = np.where(keep[:, None, None], xyz, 0).astype(np.float32)
    shape = stream.img_shape
    (res, ) = inference_skeletons(stream.model, [arr], img_shape=shape,
                                  topk=1, test_pipeline=stream.pipeline,
                                  label_map=stream.names)
    return res['topk_indices'][0]


def load_stream(path: str, num_joints: int = 17,
                split: Optional[str] = None) -> List[dict]:
    """The sequences of a file in any reader format as streams: per sample
    ``frame_dir``, ``frames`` (per frame the persons the file lists, as
    :func:`frame_candidates` takes them: all candidates of pose-estimator
    output, so that the stream tracks live; the person(s) of a skeleton
    file), ``img_shape``, ``label`` where known and ``tracked`` (True for
    pose-estimator output). The file is checked as
    :func:`~finetec_mm.apis.load_input` checks it."""
    from .readers import TRACKED_FORMATS, detect_format, load_input
    from .readers.coco import coco_people
    from .readers.mmpose import people_per_frame
    from .readers.openpose import openpose_people
    annos = load_input(path, num_joints, split)  # every check, one error
    kind, data = detect_format(path)
    out = []
    if kind in TRACKED_FORMATS:
        frames = (people_per_frame(data, num_joints, path) if kind ==
                  'mmpose' else coco_people(path, data, num_joints)
                  if kind == 'coco' else openpose_people(path, num_joints))
        anno = annos[0]
        out.append(dict(frame_dir=anno['frame_dir'], frames=frames,
                        img_shape=anno.get('img_shape'), tracked=True))
        return out
    for anno in annos:
        arr = np.concatenate([anno['keypoint'],
                              anno['keypoint_score'][..., None]], -1)
        frames = [[Person(p[:, :2], p[:, 2]) for p in arr[:, t]]
                  for t in range(arr.shape[1])]  # unseen ones stay in place
        out.append(dict(frame_dir=anno['frame_dir'], frames=frames,
                        img_shape=anno.get('img_shape'),
                        label=anno.get('label'), tracked=False))
    return out
