"""Writers of test inputs in each pose-estimator format, from known
sequences (so that the readers' results can be checked value by value)."""
import json
import os
import os.path as osp

import numpy as np

#: Official joint names, in the orders the formats use (OpenPose's
#: doc/02_output.md and COCO's person keypoints); the tests map by name.
COCO17 = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
          'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
          'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
          'right_knee', 'left_ankle', 'right_ankle']
BODY_25 = ['Nose', 'Neck', 'RShoulder', 'RElbow', 'RWrist', 'LShoulder',
           'LElbow', 'LWrist', 'MidHip', 'RHip', 'RKnee', 'RAnkle', 'LHip',
           'LKnee', 'LAnkle', 'REye', 'LEye', 'REar', 'LEar', 'LBigToe',
           'LSmallToe', 'LHeel', 'RBigToe', 'RSmallToe', 'RHeel']
COCO18 = ['Nose', 'Neck', 'RShoulder', 'RElbow', 'RWrist', 'LShoulder',
          'LElbow', 'LWrist', 'RHip', 'RKnee', 'RAnkle', 'LHip', 'LKnee',
          'LAnkle', 'REye', 'LEye', 'REar', 'LEar']


def openpose_name(coco_name: str) -> str:
    """'left_eye' -> 'LEye'."""
    side, _, part = coco_name.partition('_')
    if not part:
        return coco_name.capitalize()
    return ('L' if side == 'left' else 'R') + part.capitalize()


def openpose_index(layout: list) -> list:
    """Per COCO-17 joint its index in an OpenPose layout, by name."""
    return [layout.index(openpose_name(n)) for n in COCO17]


def xyz(anno) -> np.ndarray:
    """(T, 17, 3) (x, y, score) of a one-person annotation (float64)."""
    return np.concatenate([anno['keypoint'][0], anno['keypoint_score'][0][
        ..., None]], -1).astype(np.float64)


class TwoPeople:
    """Person A (to classify) and a smaller distractor B far away.

    Frame t: nobody if ``t % 10 == 3``; only B if ``t % 10 == 8`` (A
    lost); else both, A listed second in odd frames.
    """

    def __init__(self, anno_a, anno_b):
        self.anno = anno_a
        self.a = xyz(anno_a)
        T = len(self.a)
        b = xyz(anno_b)[:T]
        b[..., :2] = b[..., :2] * 0.6 + np.array([-300.0, 100.0])
        self.b = b
        self.img_shape = list(anno_a['img_shape'])

    @property
    def T(self) -> int:
        return len(self.a)

    def people(self, t: int) -> list:
        """[(name, (17, 3)), ...] in the order the file lists them."""
        if t % 10 == 3:
            return []
        b = [('B', self.b[t])] if t < len(self.b) else []
        if t % 10 == 8:
            return b
        return b + [('A', self.a[t])] if t % 2 else [('A', self.a[t])] + b

    def truth(self) -> list:
        """Per frame the index of A in its frame's list, or None."""
        out = []
        for t in range(self.T):
            names = [n for n, _ in self.people(t)]
            out.append(names.index('A') if 'A' in names else None)
        return out

    def ours(self, name='seq') -> dict:
        """A in our JSON layout, null where A is missing."""
        frames = [None if i is None else self.a[t].tolist()
                  for t, i in enumerate(self.truth())]
        return dict(id=name, img_shape=self.img_shape, frames=frames)

    def mmpose(self, track_ids=None) -> list:
        """MMPoseInferencer-style list of frames (bbox as [[x1, y1, x2,
        y2]]); ``track_ids`` {'A': id, 'B': id} adds track ids."""
        frames = []
        for t in range(self.T):
            instances = []
            for name, p in self.people(t):
                inst = dict(keypoints=p[:, :2].tolist(),
                            keypoint_scores=p[:, 2].tolist(),
                            bbox=[[*p[:, :2].min(0), *p[:, :2].max(0)]],
                            bbox_score=0.9)
                if track_ids:
                    inst['track_id'] = track_ids[name]
                instances.append(inst)
            frames.append(dict(frame_id=t, instances=instances))
        return frames

    def openpose(self, folder: str, layout=BODY_25) -> str:
        """A folder of per-frame ``*_keypoints.json`` files."""
        os.makedirs(folder, exist_ok=True)
        index = openpose_index(layout)
        for t in range(self.T):
            people = []
            for _, p in self.people(t):
                body = np.tile([5.0, 7.0, 0.9], (len(layout), 1))  # others
                body[index] = p
                people.append(dict(person_id=[-1],
                                   pose_keypoints_2d=body.ravel().tolist(),
                                   face_keypoints_2d=[]))
            path = osp.join(folder, f'clip_{t:012d}_keypoints.json')
            with open(path, 'w') as f:
                json.dump(dict(version=1.3, people=people), f)
        return folder

    def coco(self) -> list:
        """COCO keypoint results, image ids = frame numbers."""
        out = []
        for t in range(self.T):
            for _, p in self.people(t):
                out.append(dict(image_id=t, category_id=1,
                                keypoints=p.ravel().tolist(), score=0.9))
        return out


def write_json(path, content) -> str:
    with open(path, 'w') as f:
        json.dump(content, f)
    return str(path)
