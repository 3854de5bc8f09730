"""A fake-camera video of a real face that smiles on one side and narrows that eye.

Chromium plays a .y4m file as its camera (`--use-file-for-fake-video-capture`). The
face is scikit-image's astronaut (public domain), enlarged as in the snapshot tests. The
subject's right mouth corner moves out and up, and the subject's right eye narrows
(lids squeezed toward the eye's midline): what ocular synkinesis looks like during a
smile. In the true (unmirrored) view the subject's right side is on the image's left.
"""

import importlib.util
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 480, 360, 10
ZOOM = 1.3
CROP = (40, 300, 100, 360)  # rows, columns of the face in astronaut.png (512 x 512)

# Points of astronaut.png (pixels), read off the face-mesh landmarks of the photo:
# the subject's right eye (between landmarks 33 and 133) and right mouth corner (61).
RIGHT_EYE = (203.0, 101.5)
RIGHT_MOUTH_CORNER = (202.2, 139.3)
EYE_DISTANCE = 61.0  # landmarks 33 to 263

# One loop of the video, in frames: rest, move, hold, return.
REST, RAMP, HOLD = 40, 5, 30
LOOP = REST + RAMP + HOLD + RAMP


def astronaut_photo() -> np.ndarray:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-image is not installed (test extra)")
    path = Path(next(iter(spec.submodule_search_locations)), "data", "astronaut.png")
    photo = cv2.imread(str(path))
    if photo is None:
        raise FileNotFoundError(path)
    return photo


def to_frame(point: tuple[float, float]) -> tuple[float, float]:
    """A point of astronaut.png in the coordinates of the video frame."""
    size = (CROP[1] - CROP[0]) * ZOOM
    return (
        (point[0] - CROP[2]) * ZOOM + (WIDTH - size) / 2,
        (point[1] - CROP[0]) * ZOOM + (HEIGHT - size) / 2,
    )


def rest_frame(photo: np.ndarray) -> np.ndarray:
    top, bottom, left, right = CROP
    face = cv2.resize(
        photo[top:bottom, left:right], None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC
    )
    frame = np.full((HEIGHT, WIDTH, 3), 170, np.uint8)
    y, x = (HEIGHT - face.shape[0]) // 2, (WIDTH - face.shape[1]) // 2
    frame[y : y + face.shape[0], x : x + face.shape[1]] = face
    return frame


def _weight(centre, sigma_x, sigma_y):
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    weight = np.exp(
        -((xs - centre[0]) ** 2 / (2 * sigma_x**2) + (ys - centre[1]) ** 2 / (2 * sigma_y**2))
    )
    return xs, ys, weight


def moved_frame(rest: np.ndarray, amount: float, narrowing: float, corner_shift: float):
    """``rest`` with the movement at ``amount`` (0 = rest, 1 = full).

    ``narrowing``: fraction of the right eye's opening closed at full movement;
    ``corner_shift``: how far the right mouth corner moves out and up, in eye distances.
    """
    scale = EYE_DISTANCE * ZOOM
    eye = to_frame(RIGHT_EYE)
    xs, ys, weight = _weight(eye, 0.3 * scale, 0.12 * scale)
    stretch = 1 / (1 - narrowing * amount) - 1  # sample further out: the lids close in
    map_y = ys + (ys - eye[1]) * stretch * weight
    frame = cv2.remap(
        rest, xs, map_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    corner = to_frame(RIGHT_MOUTH_CORNER)
    xs, ys, weight = _weight(corner, 0.2 * scale, 0.2 * scale)
    shift = corner_shift * amount * scale / np.sqrt(2)  # out (image left) and up
    return cv2.remap(
        frame,
        (xs + shift * weight).astype(np.float32),
        (ys + shift * weight).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def movement_at(index: int) -> float:
    """0 at rest, 1 during the hold, linear in between; the pattern loops."""
    step = index % LOOP
    if step < REST:
        return 0.0
    if step < REST + RAMP:
        return (step - REST + 1) / RAMP
    if step < REST + RAMP + HOLD:
        return 1.0
    return 1 - (step - REST - RAMP - HOLD + 1) / RAMP


def write_y4m(path: Path, frames) -> None:
    """Frames (BGR, WIDTH x HEIGHT) as an uncompressed 4:2:0 YUV4MPEG2 file."""
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())


def write_video(path: Path, narrowing: float = 0.6, corner_shift: float = 0.12) -> Path:
    """One loop (8 s at 10 fps): 4 s rest, then a one-sided smile with eye narrowing.

    The defaults narrow the eye's image by 60 %, of which Face Mesh reports about 40 %
    (it follows only part of a warped lid); the mouth corner moves about 0.1 eye distances.
    """
    rest = rest_frame(astronaut_photo())
    frames = (moved_frame(rest, movement_at(i), narrowing, corner_shift) for i in range(LOOP))
    write_y4m(path, frames)
    return path
