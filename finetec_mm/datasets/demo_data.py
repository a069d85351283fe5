"""Procedural generator of fine-grained, gymnastics-like 2D skeleton sequences.

This is the small embedded *demo dataset* of FineTec.  Every sample is built
from a simple 3D kinematic body (bone lengths + joint angles over time), moved
as a rigid whole (run-up, ballistic flight, landing; rotation about the
longitudinal axis for turns/twists and about the lateral axis for saltos),
and projected to 2D COCO-17 keypoints (in pixels) with a per-sample
perspective camera.  Pose-estimator-like keypoint jitter, confidence scores
and occasional left/right swaps are added on top.

Classes come in *families* that share the same base element and differ in a
subtle, physically meaningful detail (number of turns, body shape in a
salto, leg action in a leap, arm position in a jump, ...), mimicking the
fine-grained structure of FineGym.  Whether e.g. a jump has 1 or 2 turns is
only visible through indirect 2D cues (left/right ordering of the joints over
the flight, flight duration, final facing direction).

The output follows MMAction2's ``PoseDataset`` annotation format.  Every frame
of every sample is present: missing frames are produced later by a corruption
transform.

Only numpy (+ scipy) is used; everything is vectorised over time.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
import sys
import time
from typing import Dict, List, Tuple

import numpy as np
from scipy.ndimage import uniform_filter1d

__all__ = [
    'CLASS_NAMES', 'FAMILIES', 'CLASS_FAMILY', 'DIFFICULTY',
    'simulate_sequence', 'make_demo_annotations', 'write_demo_dataset'
]

# ---------------------------------------------------------------------------
# Class list
# ---------------------------------------------------------------------------
#: ``family name -> list of class names`` (order defines the labels).
FAMILIES: Dict[str, List[str]] = {
    'turning jump': [
        'straight jump 0.5 turn', 'straight jump 1 turn',
        'straight jump 1.5 turn', 'straight jump 2 turn'
    ],
    'salto backward': [
        'salto backward tucked', 'salto backward piked',
        'salto backward stretched', 'salto backward stretched 1 turn'
    ],
    'salto forward': [
        'salto forward tucked', 'salto forward piked',
        'salto forward stretched', 'salto forward tucked 0.5 turn'
    ],
    'leap': [
        'split leap', 'switch leap', 'split leap 0.5 turn',
        'switch leap 0.5 turn'
    ],
    'pirouette': [
        'turn 1 passe', 'turn 1.5 passe', 'turn 2 passe',
        'turn 1 leg horizontal'
    ],
    'jump shape': [
        'tuck jump arms up', 'tuck jump arms side', 'straddle pike jump',
        'split jump'
    ],
}

CLASS_NAMES: List[str] = [c for cs in FAMILIES.values() for c in cs]
#: label -> family name
CLASS_FAMILY: List[str] = [f for f, cs in FAMILIES.items() for _ in cs]

#: Knobs controlling how hard the data is (documented in
#: ``tools/data/calibrate_demo_data.py``).
DIFFICULTY = dict(
    jitter_frac=0.010,  # keypoint jitter std as a fraction of body height (px)
    angle_noise_deg=5.0,  # smooth random joint-angle wobble amplitude
    amp_var=0.15,  # relative variation of shape amplitudes
    swap_prob=0.25,  # prob. that a sample contains a short left/right swap
    elev_max_deg=25.0,  # max camera elevation
)

# COCO-17
_FLIP_IDX = np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15])
_G = 9.81
_SIDE = np.array([-1.0, 1.0])  # [left, right]; +x is the body's right

# angle channels (degrees in specs): trunk pitch (+ = bend forward) and per
# side [L, R]: hip flexion (+ = leg forward/up), hip abduction, knee flexion,
# arm elevation (0 down, 90 horizontal, 180 up; negative = backwards),
# arm plane (0 = frontal/side plane, 90 = sagittal/forward), elbow flexion.
_BASE = dict(trunk=3.0, hip=(0.0, 0.0), abd=(4.0, 4.0), knee=(5.0, 5.0),
             elev=(12.0, 12.0), plane=(20.0, 20.0), elbow=(15.0, 15.0))


def _spec(name: str) -> dict:
    """Physical description of one class (lead side = right)."""
    s = dict(kind='jump', run=0.0, height=0.42, twist=0.0, twist_win=(0.05,
                                                                      0.9),
             salto=0.0, travel=0.1, switch=False, shape={}, arms_turn=False)
    # shape: absolute target angles held in the middle of the flight; pairs
    # are (left/trail, right/lead).
    if name.startswith('straight jump'):
        turns = float(name.split()[2])
        s.update(twist=turns, height=0.33 + 0.06 * turns,
                 shape=dict(trunk=0.0, hip=(0, 0), abd=(2, 2), knee=(0, 0),
                            elev=(25, 25), plane=(85, 85), elbow=(125, 125)))
    elif name.startswith('salto'):
        backward = 'backward' in name
        s.update(salto=1.0 if backward else -1.0, height=0.85,
                 travel=-0.4 if backward else 0.8,
                 run=0.0 if backward else 0.7, twist_win=(0.1, 0.85))
        if 'tucked' in name:
            s['shape'] = dict(trunk=35.0, hip=(105, 105), abd=(8, 8),
                              knee=(135, 135), elev=(55, 55), plane=(85, 85),
                              elbow=(70, 70))
        elif 'piked' in name:
            s['shape'] = dict(trunk=40.0, hip=(105, 105), abd=(4, 4),
                              knee=(5, 5), elev=(75, 75), plane=(88, 88),
                              elbow=(10, 10))
        else:  # stretched
            s['shape'] = dict(trunk=-8.0, hip=(-8, -8), abd=(2, 2),
                              knee=(0, 0), elev=(15, 15), plane=(10, 10),
                              elbow=(10, 10))
        if name.endswith('1 turn'):
            s['twist'] = 1.0
            s['shape'].update(elev=(25, 25), plane=(85, 85),
                              elbow=(125, 125))
        elif name.endswith('0.5 turn'):
            s['twist'] = 0.5
            s['twist_win'] = (0.5, 0.9)
    elif 'leap' in name:
        s.update(run=1.0, height=0.5, travel=0.0, switch='switch' in name,
                 shape=dict(trunk=8.0, hip=(-60, 95), abd=(5, 5), knee=(5, 5),
                            elev=(100, 110), plane=(15, 80), elbow=(15, 15)))
        if '0.5 turn' in name:
            s.update(twist=0.5, twist_win=(0.0, 0.45))
    elif name.startswith('turn'):
        turns = float(name.split()[1])
        s.update(kind='turn', twist=turns, height=0.0, travel=0.0)
        if 'passe' in name:
            s['shape'] = dict(trunk=2.0, hip=(0, 55), abd=(2, 50),
                              knee=(0, 140), elev=(70, 70), plane=(75, 75),
                              elbow=(60, 60))
        else:  # free leg at horizontal
            s['shape'] = dict(trunk=6.0, hip=(0, 90), abd=(2, 5),
                              knee=(0, 5), elev=(70, 70), plane=(75, 75),
                              elbow=(60, 60))
    elif name.startswith('tuck jump'):
        s.update(height=0.45)
        if name.endswith('arms up'):
            arms = dict(elev=(165, 165), plane=(25, 25), elbow=(10, 10))
        else:
            arms = dict(elev=(95, 95), plane=(5, 5), elbow=(10, 10))
        s['shape'] = dict(trunk=15.0, hip=(110, 110), abd=(8, 8),
                          knee=(130, 130), **arms)
    elif name == 'straddle pike jump':
        s.update(height=0.45)
        s['shape'] = dict(trunk=35.0, hip=(95, 95), abd=(45, 45), knee=(3, 3),
                          elev=(95, 95), plane=(70, 70), elbow=(5, 5))
    elif name == 'split jump':
        s.update(height=0.45)
        s['shape'] = dict(trunk=6.0, hip=(-65, 90), abd=(5, 5), knee=(5, 5),
                          elev=(120, 120), plane=(15, 15), elbow=(10, 10))
    else:  # pragma: no cover
        raise KeyError(name)
    return s


_SPECS = [_spec(n) for n in CLASS_NAMES]

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _window(t, a, b, ramp_in, ramp_out=None):
    """1 inside [a, b] with smooth ramps inside the interval."""
    ramp_out = ramp_in if ramp_out is None else ramp_out
    return (_smoothstep((t - a) / max(ramp_in, 1e-6)) *
            (1.0 - _smoothstep((t - (b - ramp_out)) / max(ramp_out, 1e-6))))


def _bump(t, c, w):
    """Smooth bump centred at c with half-width w (peak 1)."""
    x = np.clip(np.abs(t - c) / w, 0.0, 1.0)
    return 1.0 - _smoothstep(x)


def _rot_z(a):
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, -s, z], -1),
                     np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def _rot_x(a):
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([o, z, z], -1),
                     np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def _forward_kinematics(ang: dict, P: dict) -> np.ndarray:
    """Body-frame joints (T, 17, 3); origin at the hip centre, x = right,
    y = forward, z = up.  ``ang`` holds radians; paired channels are (2, T)
    arrays ordered [left, right]."""
    tp = ang['trunk']
    T = tp.shape[0]
    zero, one = np.zeros(T), np.ones(T)
    ex = np.array([1.0, 0.0, 0.0])
    up = np.stack([zero, np.sin(tp), np.cos(tp)], -1)  # (T,3)
    fw = np.stack([zero, np.cos(tp), -np.sin(tp)], -1)
    sh_c = up * P['trunk']
    head = sh_c + up * P['neck']
    hs = P['head']
    face = np.stack([
        head + fw * (1.0 * hs),  # nose
        head + fw * (0.8 * hs) + up * (0.35 * hs) - ex * (0.35 * hs),
        head + fw * (0.8 * hs) + up * (0.35 * hs) + ex * (0.35 * hs),
        head + up * (0.15 * hs) - ex * (0.8 * hs),
        head + up * (0.15 * hs) + ex * (0.8 * hs),
    ], 1)  # (T,5,3)
    side = _SIDE[:, None, None]  # (2,1,1)
    sho = sh_c[None] + side * ex * P['shoulder']  # (2,T,3)
    e, p, k = ang['elev'][..., None], ang['plane'][..., None], ang['elbow'][...,
                                                                           None]
    ua = np.sin(e) * (np.cos(p) * side * ex + np.sin(p) * fw[None]) \
        - np.cos(e) * up[None]
    n = fw[None] - np.sum(fw[None] * ua, -1, keepdims=True) * ua
    n2 = up[None] - np.sum(up[None] * ua, -1, keepdims=True) * ua
    nn = np.linalg.norm(n, axis=-1, keepdims=True)
    n = np.where(nn > 1e-3, n, n2)
    n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)
    fa = np.cos(k) * ua + np.sin(k) * n
    elb = sho + ua * P['uarm']
    wri = elb + fa * P['farm']
    hip = np.zeros((2, T, 3)) + side * ex * P['hip']
    h, a, kn = ang['hip'][..., None], ang['abd'][..., None], ang['knee'][...,
                                                                         None]
    ey, ez = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    th = np.sin(a) * side * ex + np.cos(a) * (np.sin(h) * ey - np.cos(h) * ez)
    hk = h - kn
    sh = np.sin(a) * side * ex + np.cos(a) * (np.sin(hk) * ey -
                                              np.cos(hk) * ez)
    kne = hip + th * P['thigh']
    ank = kne + sh * P['shin']
    del one
    limbs = np.stack([sho, elb, wri, hip, kne, ank], 0)  # (6,2,T,3)
    limbs = limbs.transpose(2, 0, 1, 3).reshape(T, 12, 3)
    return np.concatenate([face, limbs], 1)


# ---------------------------------------------------------------------------
# one sample
# ---------------------------------------------------------------------------


def simulate_sequence(label: int,
                      rng: np.random.Generator,
                      img_shape: Tuple[int, int] = (1080, 1920),
                      return_3d: bool = False) -> dict:
    """Simulate one sample of class ``label``.

    Returns a dict with ``keypoint`` (T, 17, 2) float32 pixels,
    ``keypoint_score`` (T, 17) float32 and, if ``return_3d``, the world
    joints ``joints3d`` (T, 17, 3) in metres, the rotation angles
    ``twist``/``salto`` (T,) in radians, ``fps`` and the event frames.
    """
    spec = _SPECS[label]
    D = DIFFICULTY
    u = rng.uniform
    # ---- body -------------------------------------------------------------
    H = u(1.45, 1.75)
    pr = lambda m: m * H * u(0.94, 1.06)  # noqa: E731
    P = dict(trunk=pr(0.29), neck=pr(0.10), head=pr(0.055), shoulder=pr(0.11),
             uarm=pr(0.17), farm=pr(0.15), hip=pr(0.055), thigh=pr(0.245),
             shin=pr(0.245))
    ankle_h = 0.04 * H
    # ---- timing (seconds) ---------------------------------------------------
    fps = u(25.0, 32.0)
    speed = u(0.85, 1.15)  # tempo of the voluntary parts
    pre = u(0.15, 1.0)
    amp = 1.0 + D['amp_var'] * rng.uniform(-1, 1)
    if spec['kind'] == 'jump':
        run_t = spec['run'] * u(0.6, 1.2) * speed
        crouch = u(0.22, 0.32) * speed
        height = spec['height'] * u(0.85, 1.15)
        flight = 2.0 * np.sqrt(2.0 * height / _G)
        land = u(0.25, 0.4) * speed
        t_run = pre
        t_to = pre + run_t + crouch
        t_ld = t_to + flight
        core_end = t_ld + land
    else:
        turns = spec['twist']
        prep = u(0.35, 0.55) * speed
        rise = u(0.2, 0.3) * speed
        per_turn = u(0.42, 0.6)
        spin = per_turn * turns
        t_run = pre
        t_to = pre + prep + rise  # start of the spin
        t_ld = t_to + spin  # end of the spin
        core_end = t_ld + u(0.35, 0.5) * speed
        flight = t_ld - t_to
        height = 0.0
    post = u(0.15, 0.9)
    T = int(round((core_end + post) * fps))
    if T > 150:  # keep within range by raising the frame rate cut / post pad
        T = 150
    T = max(T, 40)
    t = np.arange(T) / fps
    # ---- joint angles (degrees) ----------------------------------------------
    ang = {k: np.array(v, dtype=float)[..., None] + np.zeros(T)
           for k, v in _BASE.items()}
    mirror = rng.random() < 0.5
    shape = spec['shape']

    def add(key, env, target, scale=1.0):
        target = np.asarray(target, dtype=float)
        base = np.asarray(_BASE[key], dtype=float)
        delta = (target - base) * scale
        ang[key] = ang[key] + (delta[..., None] * env if delta.ndim else
                               delta * env)

    # preparation arm wobble
    if spec['kind'] == 'jump':
        # run-up: alternating legs and arms
        if spec['run'] > 0:
            run_env = _window(t, t_run, t_to - crouch * 0.5, 0.15, 0.1)
            step_f = u(1.6, 2.1)
            ph = 2 * np.pi * step_f * (t - t_run) + u(0, 2 * np.pi)
            sw = np.sin(ph)
            ang['hip'] = ang['hip'] + run_env * 32 * np.stack([sw, -sw])
            ang['knee'] = ang['knee'] + run_env * (
                35 + 30 * np.stack([np.cos(ph), -np.cos(ph)]))
            ang['elev'] = ang['elev'] + run_env * 28 * np.stack([-sw, sw])
            ang['plane'] = ang['plane'] + run_env * 60
            ang['elbow'] = ang['elbow'] + run_env * 60
            ang['trunk'] = ang['trunk'] + run_env * 8
        # take-off crouch with arm swing back
        c_to = _bump(t, t_to - crouch * 0.5, crouch * 0.6)
        add('knee', c_to, (55, 55))
        add('hip', c_to, (40, 40))
        add('trunk', c_to, 25)
        add('elev', c_to, (-35, -35))
        add('plane', c_to, (90, 90))
        # flight shape
        s_env = _window(t, t_to, t_ld, flight * u(0.25, 0.35),
                        flight * u(0.2, 0.3))
        for key, val in shape.items():
            if key == 'hip' and spec['switch']:
                continue
            add(key, s_env, val, amp)
        if spec['switch']:
            sw_env = _smoothstep((t - (t_to + 0.12 * flight)) /
                                 (0.3 * flight))
            trail = 55 * (1 - sw_env) + shape['hip'][0] * sw_env
            lead = -25 * (1 - sw_env) + shape['hip'][1] * sw_env
            ang['hip'] = ang['hip'] + s_env * amp * np.stack([trail, lead])
        # landing: absorb and open arms
        c_ld = _bump(t, t_ld + land * 0.35, land * 0.6)
        add('knee', c_ld, (45, 45))
        add('hip', c_ld, (35, 35))
        add('trunk', c_ld, 18)
        a_ld = _window(t, t_ld, t[-1] + 1.0, land * 0.5)
        add('elev', a_ld, (95, 95), u(0.6, 1.0))
        add('plane', a_ld, (10, 10))
        add('elbow', a_ld, (10, 10))
        in_air = (t > t_to) & (t < t_ld)
    else:
        plie = _bump(t, t_to - 0.5 * (t_to - t_run) * 0.6, (t_to - t_run) * 0.3)
        add('knee', plie, (35, 35))
        add('hip', plie, (20, 20))
        s_env = _window(t, t_to - 0.15, t_ld + 0.15, 0.2)
        for key, val in shape.items():
            add(key, s_env, val, amp)
        in_air = np.zeros(T, bool)
    # smooth random wobble on every channel
    n_ch = 13
    A = D['angle_noise_deg'] * rng.uniform(0.3, 1.0, (n_ch, 2))
    F = rng.uniform(0.3, 1.5, (n_ch, 2))
    PH = rng.uniform(0, 2 * np.pi, (n_ch, 2))
    wob = np.sum(A[..., None] * np.sin(2 * np.pi * F[..., None] * t + PH[...,
                                                                         None]),
                 1)
    i = 0
    for key in ('trunk', 'hip', 'abd', 'knee', 'elev', 'plane', 'elbow'):
        k = 1 if key == 'trunk' else 2
        ang[key] = ang[key] + (wob[i] if k == 1 else wob[i:i + 2])
        i += k
    ang['knee'] = np.maximum(ang['knee'], 0.0)
    ang['elbow'] = np.maximum(ang['elbow'], 0.0)
    rad = {k: np.deg2rad(v) for k, v in ang.items()}
    body = _forward_kinematics(rad, P)  # (T,17,3)
    if mirror:  # exact mirror image of the performance
        body = body[:, _FLIP_IDX] * np.array([-1.0, 1.0, 1.0])
    # ---- whole-body rotation ----------------------------------------------------
    tw0, tw1 = spec['twist_win']
    if spec['kind'] == 'jump':
        tw_env = _smoothstep((t - (t_to + tw0 * flight)) /
                             ((tw1 - tw0) * flight))
        lin = np.clip((t - t_to + 0.04) / (flight * u(0.9, 0.97)), 0, 1)
        salto = 2 * np.pi * spec['salto'] * (0.5 * lin + 0.5 *
                                             _smoothstep(lin))
    else:
        tw_env = 0.6 * _smoothstep((t - t_to) / flight) + 0.4 * np.clip(
            (t - t_to) / flight, 0, 1)
        salto = np.zeros(T)
    twist = 2 * np.pi * spec['twist'] * tw_env * (-1.0 if mirror else 1.0)
    heading = u(0, 2 * np.pi)
    R = _rot_z(np.full(T, heading)) @ _rot_x(salto) @ _rot_z(twist)
    com = body.mean(1, keepdims=True)
    rel = np.einsum('tij,tvj->tvi', R, body - com)  # (T,17,3)
    # ---- root trajectory --------------------------------------------------------
    if spec['kind'] == 'jump':
        v_run = u(3.0, 4.5) * spec['run']
        v = np.where(t < t_to, v_run * _smoothstep((t - t_run) / 0.4), 0.0)
        v = np.where(in_air, v_run + spec['travel'] / flight, v)
        v = np.where(t >= t_ld, (v_run + spec['travel'] / flight) *
                     np.exp(-(t - t_ld) / 0.12), v)
        dist = np.cumsum(v) / fps
        relev = np.zeros(T)
    else:
        dist = np.zeros(T)
        relev = _window(t, t_to - 0.2, t_ld + 0.2, 0.15)
    ground = ankle_h + relev * 0.05 * H - rel[:, 15:17, 2].min(1)
    if spec['kind'] == 'jump':
        i_to = min(int(np.searchsorted(t, t_to)), T - 1)
        i_ld = min(int(np.searchsorted(t, t_ld)), T - 1)
        uu = np.clip((t - t_to) / flight, 0, 1)
        z = np.where(in_air,
                     ground[i_to] + (ground[i_ld] - ground[i_to]) * uu +
                     4 * height * uu * (1 - uu), ground)
    else:
        z = ground
    hdir = np.array([-np.sin(heading), np.cos(heading)])
    root = np.stack([dist * hdir[0], dist * hdir[1], z], -1)
    world = rel + root[:, None]
    # ---- camera -------------------------------------------------------------------
    h_img, w_img = img_shape
    cam_yaw = u(0, 2 * np.pi)
    cam_el = np.deg2rad(u(0.0, D['elev_max_deg']))
    dist_cam = u(6.0, 20.0)
    target = np.array([root[:, 0].mean(), root[:, 1].mean(), 0.9])
    cdir = np.array([np.cos(cam_el) * np.cos(cam_yaw),
                     np.cos(cam_el) * np.sin(cam_yaw), np.sin(cam_el)])
    C = target + dist_cam * cdir
    fwd = -cdir
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    upc = np.cross(right, fwd)
    roll = np.deg2rad(u(-3, 3))
    right, upc = (np.cos(roll) * right + np.sin(roll) * upc,
                  -np.sin(roll) * right + np.cos(roll) * upc)
    d = world - C
    X, Y, Z = d @ right, d @ upc, d @ fwd
    person_px = h_img * u(0.2, 0.42)
    f = person_px / H * dist_cam
    kp = np.stack([f * X / Z, -f * Y / Z], -1)  # (T,17,2) centred
    # camera panning that follows the athlete
    track = u(0.0, 1.0)
    c2d = kp[:, [11, 12]].mean(1)
    c2d = uniform_filter1d(c2d, size=9, axis=0, mode='nearest')
    kp = kp - track * (c2d - c2d.mean(0))[:, None]
    # fit into the image
    lo, hi = kp.reshape(-1, 2).min(0), kp.reshape(-1, 2).max(0)
    ext = hi - lo
    lim = np.array([w_img, h_img]) * 0.92
    sc = min(1.0, float(np.min(lim / np.maximum(ext, 1e-6))))
    kp = kp * sc
    lo, hi = lo * sc, hi * sc
    ctr = np.array([w_img * u(0.3, 0.7), h_img * u(0.4, 0.6)])
    lo_ok = np.array([w_img, h_img]) * 0.04 - lo
    hi_ok = np.array([w_img, h_img]) * 0.96 - hi
    ctr = np.clip(ctr, lo_ok, np.maximum(hi_ok, lo_ok))
    kp = kp + ctr
    body_px = person_px * sc
    # ---- confidence scores ----------------------------------------------------------
    base = u(0.8, 0.97)
    joint_off = np.array([0.02, 0.0, 0.0, -0.05, -0.05, 0.02, 0.02, -0.03,
                          -0.03, -0.07, -0.07, 0.0, 0.0, -0.02, -0.02, -0.05,
                          -0.05])
    vel = np.linalg.norm(np.gradient(kp, axis=0), axis=-1)  # px/frame
    fast = np.clip(vel / (0.12 * body_px), 0, 1)
    depth = Z - Z[:, 5:13].mean(1, keepdims=True)
    occl = np.clip(depth / (0.12 * H), 0, 1)
    inverted = np.clip(-(R[:, 2, 2]), 0, 1)[:, None]  # upside down
    score = (base + joint_off - 0.3 * fast - 0.2 * occl - 0.15 * inverted +
             rng.normal(0, 0.04, (T, 17)))
    score = np.clip(score, 0.05, 1.0)
    # ---- keypoint jitter and left/right swaps ------------------------------------
    sig = D['jitter_frac'] * body_px * (1.0 + 2.0 * (1.0 - score))
    kp = kp + rng.normal(0, 1, (T, 17, 2)) * sig[..., None]
    if rng.random() < D['swap_prob']:
        s0 = int(rng.integers(0, T - 4))
        ln = int(rng.integers(1, 5))
        seg = slice(s0, s0 + ln)
        kp[seg] = kp[seg][:, _FLIP_IDX]
        score[seg] = score[seg][:, _FLIP_IDX] * 0.8
    out = dict(keypoint=kp.astype(np.float32),
               keypoint_score=score.astype(np.float32))
    if return_3d:
        fr = lambda x: int(min(max(round(x * fps), 0), T - 1))  # noqa: E731
        out.update(joints3d=world, twist=twist, salto=salto, fps=fps,
                   event_frames=(fr(t_to), fr(t_ld)), mirror=mirror)
    return out


# ---------------------------------------------------------------------------
# dataset
# ---------------------------------------------------------------------------


def _sample_rng(seed: int, split: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, split, index]))


def make_demo_annotations(num_per_class_train: int = 60,
                          num_per_class_val: int = 20,
                          seed: int = 0,
                          num_per_class_test: int = 20,
                          img_shape: Tuple[int, int] = (1080, 1920),
                          progress: bool = False) -> dict:
    """Build the demo dataset in MMAction2 ``PoseDataset`` format.

    Three disjoint splits, each drawn from its own random streams: ``train``
    (training and the completion bank), ``val`` (checkpoint selection; the
    generator's calibration used it too) and ``test`` (reported numbers
    only: nothing is tuned or selected on it)."""
    img_shape = (int(img_shape[0]), int(img_shape[1]))
    n_cls = len(CLASS_NAMES)
    plan = [('train', 0, num_per_class_train), ('val', 1, num_per_class_val),
            ('test', 2, num_per_class_test)]
    plan = [step for step in plan if step[2] > 0]
    total = n_cls * sum(npc for _, _, npc in plan)
    annotations, split = [], {}
    done, last = 0, -1
    for name, sid, npc in plan:
        names = []
        for i in range(n_cls * npc):
            label = i % n_cls  # interleave classes
            rng = _sample_rng(seed, sid, i)
            s = simulate_sequence(label, rng, img_shape)
            fd = f'demo_{name}_{i:05d}'
            T = s['keypoint'].shape[0]
            annotations.append(
                dict(frame_dir=fd, label=label, img_shape=img_shape,
                     original_shape=img_shape, total_frames=T,
                     keypoint=s['keypoint'][None],
                     keypoint_score=s['keypoint_score'][None]))
            names.append(fd)
            done += 1
            pct = 100 * done // max(total, 1)
            if progress and (pct != last or done == total):
                last = pct
                sys.stderr.write(f'\rgenerating demo data: {done}/{total} '
                                 f'({pct}%)')
                sys.stderr.flush()
        split[name] = names
    if progress:
        sys.stderr.write('\n')
    return dict(split=split, annotations=annotations)


def write_demo_dataset(out_dir: str,
                       num_per_class_train: int = 60,
                       num_per_class_val: int = 20,
                       seed: int = 0,
                       progress: bool = True,
                       num_per_class_test: int = 20) -> str:
    """Write ``finetec_demo.pkl`` and ``label_map.txt`` into ``out_dir``.

    Returns the path of the pickle file."""
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    data = make_demo_annotations(num_per_class_train, num_per_class_val, seed,
                                 num_per_class_test, progress=progress)
    pkl = osp.join(out_dir, 'finetec_demo.pkl')
    with open(pkl, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    with open(osp.join(out_dir, 'label_map.txt'), 'w') as f:
        f.write('\n'.join(CLASS_NAMES) + '\n')
    if progress:
        sys.stderr.write(f'wrote {len(data["annotations"])} samples to {pkl} '
                         f'in {time.time() - t0:.1f}s\n')
    return pkl
