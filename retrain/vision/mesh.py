"""Face detection, 468 face landmarks and iris landmarks, decoded by hand.

The steps follow MediaPipe's face mesh graphs (Apache-2.0), rewritten for
``cv2.dnn``:

1. BlazeFace short-range (128x128 input, values in [-1, 1]) on the whole image,
   letterboxed. 896 SSD anchors (strides 8, 16, 16, 16; see MediaPipe's
   ``face_detection_short_range_common.pbtxt``), sigmoid scores, box and six
   keypoints decoded relative to the anchors, then weighted non-maximum suppression.
2. The face landmark model (192x192, values in [0, 1]) on a crop rotated so the
   eyes are level and 1.5 times the detected box. A second pass crops again around
   the first pass's landmarks (the way MediaPipe tracks a face between frames).
3. The iris model (64x64, values in [0, 1]) on a crop 2.3 times the eye width
   around each eye; the eye on the image's right is mirrored first, as MediaPipe
   does, because the model was trained on one eye orientation. It gives 71 eye
   contour points (the first 16 refine the eyelids) and 5 iris points.

Coordinates are continuous image coordinates: pixel (i, j) covers [i, i+1] x
[j, j+1], so mirroring an image of width W maps x to W - x exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from . import landmarks as lm
from .models import Models, get_models

DETECTOR_SIZE = 128
LANDMARK_SIZE = 192
IRIS_SIZE = 64

MIN_DETECTION_SCORE = 0.5
NMS_IOU = 0.3
RAW_SCORE_LIMIT = 80.0
FACE_ROI_SCALE = 1.5
IRIS_ROI_SCALE = 2.3

# BlazeFace keypoints: eye on the image's left, eye on the image's right, nose tip,
# mouth centre, ear (tragion) on the image's left, ear on the image's right.
KP_EYE_IMAGE_LEFT = 0
KP_EYE_IMAGE_RIGHT = 1


def _ssd_anchors() -> np.ndarray:
    """Anchor centres for the short-range model, in MediaPipe's order.

    Options: 4 layers, strides 8, 16, 16, 16, offsets 0.5, aspect ratio 1.0 with
    an interpolated scale, so two anchors per layer per cell; layers with the same
    stride share one grid. Result: 16*16*2 + 8*8*6 = 896 anchors.
    """
    strides = [8, 16, 16, 16]
    anchors = []
    layer = 0
    while layer < len(strides):
        last = layer
        repeats = 0
        while last < len(strides) and strides[last] == strides[layer]:
            repeats += 2
            last += 1
        cells = DETECTOR_SIZE // strides[layer]
        for y in range(cells):
            for x in range(cells):
                anchors.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * repeats)
        layer = last
    return np.array(anchors, dtype=np.float32)


ANCHORS = _ssd_anchors()


@dataclass(frozen=True)
class Detection:
    score: float
    box: np.ndarray  # x0, y0, x1, y1 in image pixels
    keypoints: np.ndarray  # (6, 2) in image pixels

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])


@dataclass(frozen=True)
class Roi:
    """A square crop: centre, side length (pixels) and angle of its x axis (radians)."""

    cx: float
    cy: float
    size: float
    angle: float

    def crop_to_image(self, n: int) -> np.ndarray:
        """2x3 affine map from continuous crop coordinates (0..n) to the image."""
        scale = self.size / n
        c, s = math.cos(self.angle) * scale, math.sin(self.angle) * scale
        half = n / 2
        return np.array(
            [
                [c, -s, self.cx - c * half + s * half],
                [s, c, self.cy - s * half - c * half],
            ],
            dtype=np.float64,
        )

    def crop(self, image: np.ndarray, n: int) -> np.ndarray:
        a = self.crop_to_image(n)
        # warpAffine works on pixel indices (centre of pixel i is i, not i + 0.5)
        m = a.copy()
        m[:, 2] = a[:, :2] @ np.array([0.5, 0.5]) + a[:, 2] - 0.5
        return cv2.warpAffine(
            image,
            m,
            (n, n),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def to_image(self, points: np.ndarray, n: int) -> np.ndarray:
        a = self.crop_to_image(n)
        return points @ a[:, :2].T + a[:, 2]

    def mirrored(self, width: int) -> Roi:
        """The same crop in the image mirrored left to right."""
        return Roi(width - self.cx, self.cy, self.size, -self.angle)


@dataclass(frozen=True)
class Eye:
    centre: np.ndarray  # (2,) iris centre, image pixels
    radius: float  # iris radius, pixels
    lids: np.ndarray  # (16, 2) eyelid contour from the iris model


@dataclass(frozen=True)
class Mesh:
    """Everything the models say about one face."""

    points: np.ndarray  # (468, 3): x, y in image pixels, z relative depth (pixels)
    presence: float  # the landmark model's face-presence score, 0..1
    roi: Roi  # the crop the final landmark pass used
    eyes: dict[str, Eye]  # by the subject's side: "right", "left"


def _blob(crop_bgr: np.ndarray, low: float) -> np.ndarray:
    """NCHW float32 RGB blob with values in [low, 1]."""
    if low == 0.0:
        return cv2.dnn.blobFromImage(crop_bgr, scalefactor=1 / 255.0, swapRB=True)
    return cv2.dnn.blobFromImage(crop_bgr, scalefactor=1 / 127.5, mean=(127.5,) * 3, swapRB=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)))


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray, iou: float):
    """MediaPipe's weighted non-maximum suppression.

    Boxes overlapping the best remaining box by more than ``iou`` are merged into
    it, weighted by score; the merged detection keeps the best score.
    Returns a list of (score, box, keypoints).
    """
    order = np.argsort(-scores)
    scores, boxes, keypoints = scores[order], boxes[order], keypoints[order]
    remaining = np.arange(len(scores))
    kept = []
    while remaining.size:
        top = remaining[0]
        overlap = _iou(boxes[top], boxes[remaining]) > iou
        group = remaining[overlap]
        weights = scores[group][:, None]
        total = float(weights.sum())
        box = (boxes[group] * weights).sum(axis=0) / total
        kps = (keypoints[group] * weights[:, :, None]).sum(axis=0) / total
        kept.append((float(scores[top]), box, kps))
        remaining = remaining[~overlap]
    return kept


def _letterbox(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The image shrunk into the detector's square, centred, with even padding.

    Returns the square, the padding (x, y) and the pixel ratio image / square.
    Both paddings are whole and equal on either side, so the square of a mirrored
    image is exactly the mirrored square.
    """
    h, w = image.shape[:2]
    scale = DETECTOR_SIZE / max(h, w)
    nw = min(DETECTOR_SIZE, max(2, 2 * round(w * scale / 2)))
    nh = min(DETECTOR_SIZE, max(2, 2 * round(h * scale / 2)))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    pad_x, pad_y = (DETECTOR_SIZE - nw) // 2, (DETECTOR_SIZE - nh) // 2
    square = cv2.copyMakeBorder(small, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=0)
    return square, np.array([pad_x, pad_y], float), np.array([w / nw, h / nh], float)


def _decode(square: np.ndarray, models: Models) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """(score, box, keypoints) in the square's 0..1 coordinates, after NMS."""
    raw_scores, raw_boxes = models.detector.run(_blob(square, -1.0))
    raw_boxes = raw_boxes.reshape(-1, 16)
    scores = _sigmoid(raw_scores)
    keep = scores > MIN_DETECTION_SCORE
    if not keep.any():
        return []
    raw, anchors, scores = raw_boxes[keep] / DETECTOR_SIZE, ANCHORS[keep], scores[keep]
    centre = raw[:, 0:2] + anchors
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return weighted_nms(scores[valid], boxes[valid], keypoints[valid], NMS_IOU)


# keypoints trade places when a detection is mirrored: the eyes, and the ears
_MIRROR_KEYPOINTS = [KP_EYE_IMAGE_RIGHT, KP_EYE_IMAGE_LEFT, 2, 3, 5, 4]


def _unmirror(found):
    """Detections made in the mirrored square, put back into the unmirrored one."""
    out = []
    for score, box, kps in found:
        box = np.array([1 - box[2], box[1], 1 - box[0], box[3]])
        kps = kps[_MIRROR_KEYPOINTS].copy()
        kps[:, 0] = 1 - kps[:, 0]
        out.append((score, box, kps))
    return out


def detect_faces(
    image: np.ndarray, models: Models | None = None, mirror: bool = False
) -> list[Detection]:
    """All faces BlazeFace finds in a BGR image, best first.

    With ``mirror`` the detector also looks at the mirrored image, and each face's
    box and keypoints are the mean of both looks (faces seen only once are kept
    as they are). That makes the result exactly mirror-symmetric: the detections
    of a flipped image are the flipped detections.
    """
    models = models or get_models()
    square, pad, ratio = _letterbox(image)
    found = _decode(square, models)
    if mirror:
        found = _merge(found, _unmirror(_decode(cv2.flip(square, 1), models)))

    def back(points: np.ndarray) -> np.ndarray:
        return (points.reshape(-1, 2) * DETECTOR_SIZE - pad) * ratio

    return [
        Detection(score, back(box).reshape(4), back(kps).reshape(6, 2)) for score, box, kps in found
    ]


def _merge(a, b):
    """Pair detections of the two looks by overlap and average each pair."""
    merged, used = [], set()
    for score, box, kps in a:
        best, best_iou = None, 0.5
        for i, (_, other_box, _) in enumerate(b):
            iou = float(_iou(box, other_box[None, :])[0])
            if i not in used and iou > best_iou:
                best, best_iou = i, iou
        if best is None:
            merged.append((score, box, kps))
            continue
        used.add(best)
        o_score, o_box, o_kps = b[best]
        merged.append(((score + o_score) / 2, (box + o_box) / 2, (kps + o_kps) / 2))
    merged.extend(item for i, item in enumerate(b) if i not in used)
    return sorted(merged, key=lambda item: -item[0])


def roi_from_detection(detection: Detection) -> Roi:
    """A crop 1.5 times the face box, turned so the eyes are level."""
    eye_a = detection.keypoints[KP_EYE_IMAGE_LEFT]
    eye_b = detection.keypoints[KP_EYE_IMAGE_RIGHT]
    angle = math.atan2(eye_b[1] - eye_a[1], eye_b[0] - eye_a[0])
    cx, cy = (detection.box[:2] + detection.box[2:]) / 2
    size = max(detection.width, detection.height) * FACE_ROI_SCALE
    return Roi(float(cx), float(cy), float(size), angle)


def roi_from_points(points: np.ndarray, start: np.ndarray, end: np.ndarray, scale: float) -> Roi:
    """A square crop around ``points``, its x axis along ``start`` -> ``end``.

    The box is taken in the turned frame (not the image's axes), so a tilted head
    gets the same crop as an upright one.
    """
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    c, s = math.cos(angle), math.sin(angle)
    turned = points @ np.array([[c, -s], [s, c]])  # image -> turned frame
    lo, hi = turned.min(axis=0), turned.max(axis=0)
    mid = (lo + hi) / 2
    centre = np.array([[c, s], [-s, c]]).T @ mid  # turned frame -> image
    size = float(max(hi - lo)) * scale
    return Roi(float(centre[0]), float(centre[1]), size, angle)


def run_landmarks(
    crops: list[np.ndarray], rois: list[Roi], models: Models
) -> list[tuple[np.ndarray, float]]:
    """468 landmarks (x, y, z; image pixels) and a face-presence score per crop.

    Several crops go through the model as one batch (cheaper than one by one).
    """
    blob = cv2.dnn.blobFromImages(crops, scalefactor=1 / 255.0, swapRB=True)
    flags, raw = models.landmarks.run(blob)
    raw = raw.reshape(len(crops), lm.NUM_POINTS, 3).astype(np.float64)
    results = []
    for pts, flag, roi in zip(raw, flags, rois, strict=True):
        out = np.empty_like(pts)
        out[:, :2] = roi.to_image(pts[:, :2], LANDMARK_SIZE)
        out[:, 2] = pts[:, 2] * roi.size / LANDMARK_SIZE
        results.append((out, float(_sigmoid(np.array([flag]))[0])))
    return results


def face_roi_from_landmarks(points: np.ndarray) -> Roi:
    return roi_from_points(points[:, :2], points[33, :2], points[263, :2], FACE_ROI_SCALE)


def eye_roi(points: np.ndarray, side: lm.Side) -> Roi:
    """The iris model's crop: 2.3 times the eye width, level with the eye corners.

    Corners are taken image-left to image-right so both crops stay upright.
    """
    a, b = points[side.eye_outer, :2], points[side.eye_inner, :2]
    if a[0] > b[0]:
        a, b = b, a
    return roi_from_points(np.stack([a, b]), a, b, IRIS_ROI_SCALE)


def run_iris(image: np.ndarray, roi: Roi, mirror: bool, models: Models) -> Eye:
    crop = roi.crop(image, IRIS_SIZE)
    if mirror:
        crop = cv2.flip(crop, 1)
    iris_raw, contour_raw = models.iris.run(_blob(crop, 0.0))
    iris = iris_raw.reshape(5, 3)[:, :2].astype(np.float64)
    contour = contour_raw.reshape(71, 3)[:16, :2].astype(np.float64)
    if mirror:
        iris[:, 0] = IRIS_SIZE - iris[:, 0]
        contour[:, 0] = IRIS_SIZE - contour[:, 0]
    iris = roi.to_image(iris, IRIS_SIZE)
    contour = roi.to_image(contour, IRIS_SIZE)
    radius = float(np.linalg.norm(iris[1:] - iris[0], axis=1).mean())
    return Eye(centre=iris[0], radius=radius, lids=contour)


def mean_roi(a: Roi, b: Roi) -> Roi:
    angle = math.atan2(math.sin(a.angle) + math.sin(b.angle), math.cos(a.angle) + math.cos(b.angle))
    return Roi((a.cx + b.cx) / 2, (a.cy + b.cy) / 2, (a.size + b.size) / 2, angle)


def _mirror_eye(eye: Eye, width: int) -> Eye:
    def flip(p: np.ndarray) -> np.ndarray:
        q = p.copy()
        q[..., 0] = width - q[..., 0]
        return q

    return Eye(centre=flip(eye.centre), radius=eye.radius, lids=flip(eye.lids))


def face_meshes(
    image: np.ndarray, detection: Detection, models: Models, mirror: bool = True
) -> tuple[Mesh, Mesh | None]:
    """The face's mesh and, with ``mirror``, the mesh of the mirrored image.

    Two landmark passes: a crop from the detection, then a crop refined from the
    first pass's landmarks. With ``mirror`` each pass also runs on the mirrored
    crop (the model sees the same pixels, flipped; one batch), and the next crop
    is the mean of what both looks suggest. Every crop is then mirror-symmetric, so
    a flipped photo gives exactly the flipped result.

    The iris model is trained on one eye orientation, so it sees each eye the same
    way in the image and in its mirror: it runs once per eye, on the mean of both
    looks' eye crops, and its answer is mirrored into the mirrored mesh.
    """
    width = image.shape[1]
    roi = roi_from_detection(detection)
    for _ in range(2):
        crops, rois = [roi.crop(image, LANDMARK_SIZE)], [roi]
        if mirror:
            crops.append(cv2.flip(crops[0], 1))
            rois.append(roi.mirrored(width))
        looks = run_landmarks(crops, rois, models)
        used = roi
        roi = face_roi_from_landmarks(looks[0][0])
        if mirror:
            roi = mean_roi(roi, face_roi_from_landmarks(looks[1][0]).mirrored(width))

    eyes, mirrored_eyes = {}, {}
    for side, twin in ((lm.RIGHT, lm.LEFT), (lm.LEFT, lm.RIGHT)):
        eye_crop = eye_roi(looks[0][0], side)
        if mirror:
            # in the mirrored image this eye carries the twin side's indices
            eye_crop = mean_roi(eye_crop, eye_roi(looks[1][0], twin).mirrored(width))
        on_image_right = eye_crop.cx > (looks[0][0][33, 0] + looks[0][0][263, 0]) / 2
        eyes[side.name] = run_iris(image, eye_crop, bool(on_image_right), models)
        mirrored_eyes[twin.name] = _mirror_eye(eyes[side.name], width)

    points, presence = looks[0]
    mesh = Mesh(points, presence, used, eyes)
    if not mirror:
        return mesh, None
    m_points, m_presence = looks[1]
    return mesh, Mesh(m_points, m_presence, used.mirrored(width), mirrored_eyes)
