/**
 * Landmark sequences for the measure tests, made from one real recorded face.
 *
 * fixtures/astronaut-rest.json holds the Face Mesh landmarks of a real photo at rest
 * (see its "about"). Sequences move named landmarks by known amounts, add seeded
 * jitter like a camera's, turn the head in 3D, or mirror the image. The landmark
 * groups are written here from the face itself, not taken from measures.js, so the
 * tests do not share that module's tables. In the unmirrored photo the subject's right
 * eye (33 outer, 133 inner corner) is on the image's left.
 */
import { readFileSync } from "node:fs";

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/astronaut-rest.json", import.meta.url), "utf8"),
);
export const WIDTH = fixture.width;
export const REST = fixture.landmarks.map(([x, y, z]) => ({ x, y, z }));

// The subject's sides as seen in the unmirrored photo.
export const SUBJECT = {
  right: {
    corners: [33, 133],
    lids: [246, 161, 160, 159, 158, 157, 173, 7, 163, 144, 145, 153, 154, 155],
    mouthCorner: 61,
    brow: [70, 63, 105, 66, 107, 46, 53, 52, 65, 55],
  },
  left: {
    corners: [263, 362],
    lids: [466, 388, 387, 386, 385, 384, 398, 249, 390, 373, 374, 380, 381, 382],
    mouthCorner: 291,
    brow: [300, 293, 334, 296, 336, 276, 283, 282, 295, 285],
  },
};

// Mirror partners (left-right) of the landmarks the measures read; others keep their index.
const MIRROR_PAIRS = [
  [33, 263],
  [133, 362],
  [160, 387],
  [159, 386],
  [158, 385],
  [144, 373],
  [145, 374],
  [153, 380],
  [61, 291],
  [63, 293],
  [105, 334],
  [66, 296],
];

/** Outer-corner distance of the rest face, in pixels: the unit of movements below. */
export const EYE_DISTANCE = Math.hypot(REST[263].x - REST[33].x, REST[263].y - REST[33].y);

/** Deterministic pseudo-random numbers (mulberry32) and Gaussian noise from them. */
export function randomSource(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () =>
    Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, gaussian };
}

const copy = (face) => face.map((p) => ({ ...p }));

/** Every landmark moved by Gaussian noise of `pixels` standard deviation per axis. */
export function jitter(face, pixels, random) {
  return face.map((p) => ({
    x: p.x + pixels * random.gaussian(),
    y: p.y + pixels * random.gaussian(),
    z: p.z,
  }));
}

/** The subject's eye on `side` narrowed: its lids close in by `fraction` of the opening. */
export function narrowEye(face, side, fraction) {
  const result = copy(face);
  const [a, b] = SUBJECT[side].corners.map((i) => face[i]);
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  const nx = -(b.y - a.y) / length;
  const ny = (b.x - a.x) / length;
  for (const i of SUBJECT[side].lids) {
    const offset = (face[i].x - a.x) * nx + (face[i].y - a.y) * ny; // from the corner line
    result[i].x -= fraction * offset * nx;
    result[i].y -= fraction * offset * ny;
  }
  return result;
}

/** The subject's mouth corner on `side` moved out and up by `distance` eye distances. */
export function moveMouthCorner(face, side, distance) {
  const result = copy(face);
  const outward = face[SUBJECT[side].mouthCorner].x < face[1].x ? -1 : 1; // away from the nose
  const step = (distance * EYE_DISTANCE) / Math.SQRT2;
  const corner = SUBJECT[side].mouthCorner;
  result[corner].x += outward * step;
  result[corner].y -= step;
  return result;
}

/** Both mouth corners drawn in towards the middle by `fraction` of the mouth width. */
export function pucker(face, fraction) {
  const result = copy(face);
  const [r, l] = [SUBJECT.right.mouthCorner, SUBJECT.left.mouthCorner];
  const dx = (face[l].x - face[r].x) * (fraction / 2);
  const dy = (face[l].y - face[r].y) * (fraction / 2);
  result[r].x += dx;
  result[r].y += dy;
  result[l].x -= dx;
  result[l].y -= dy;
  return result;
}

/** The brow on the subject's `side` lifted by `distance` eye distances (image up). */
export function raiseBrow(face, side, distance) {
  const result = copy(face);
  for (const i of SUBJECT[side].brow) result[i].y -= distance * EYE_DISTANCE;
  return result;
}

/** The head turned by `degrees` about the vertical axis through the eyes (3D, z used). */
export function turnHead(face, degrees) {
  const angle = (degrees * Math.PI) / 180;
  const centre = { x: (face[33].x + face[263].x) / 2, z: (face[33].z + face[263].z) / 2 };
  return face.map((p) => {
    const dx = p.x - centre.x;
    const dz = p.z - centre.z;
    return {
      x: centre.x + dx * Math.cos(angle) + dz * Math.sin(angle),
      y: p.y,
      z: centre.z - dx * Math.sin(angle) + dz * Math.cos(angle),
    };
  });
}

/** The head tilted (rolled) by `degrees` in the image plane about the eye midpoint. */
export function tiltHead(face, degrees) {
  const angle = (degrees * Math.PI) / 180;
  const cx = (face[33].x + face[263].x) / 2;
  const cy = (face[33].y + face[263].y) / 2;
  return face.map((p) => ({
    x: cx + (p.x - cx) * Math.cos(angle) - (p.y - cy) * Math.sin(angle),
    y: cy + (p.x - cx) * Math.sin(angle) + (p.y - cy) * Math.cos(angle),
    z: p.z,
  }));
}

/**
 * What the model gives for the mirror image of `face`: positions reflected across the
 * image, and each side's landmarks named as the other side's (the model calls the eye
 * on the image's left its "right" eye, whoever's it is).
 */
export function mirror(face) {
  const reflected = face.map((p) => ({ x: WIDTH - p.x, y: p.y, z: p.z }));
  const result = copy(reflected);
  for (const [a, b] of MIRROR_PAIRS) {
    result[a] = reflected[b];
    result[b] = reflected[a];
  }
  return result;
}

/** n frames of `make(t)` (t from 0 to 1 over the sequence), each with its own jitter. */
export function sequence(n, make, { pixels = 0.3, seed = 1 } = {}) {
  const random = randomSource(seed);
  return Array.from({ length: n }, (_, k) => jitter(make(n > 1 ? k / (n - 1) : 1), pixels, random));
}

/** A smile on the subject's `side`: the corner rises over the first fifth, then holds. */
export function smileWithNarrowing(side, narrowing, { corner = 0.08 } = {}) {
  return (t) => {
    const amount = Math.min(1, t * 5);
    return narrowEye(moveMouthCorner(REST, side, corner * amount), side, narrowing * amount);
  };
}
