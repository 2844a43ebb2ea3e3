"""A small demo source tree in the native layouts of BBBC021 and RxRx1, with synthetic microscopy images.

Tests, tutorials and `cytoimagenet build` dry runs need input that exercises the real adapters and the real
image path (16-bit TIFF, 8-bit PNG, per-channel files, a metadata CSV) without a 50 GB download. The images are
synthetic but shaped like fluorescence microscopy, so that normalisation, QC and crops behave as on real data:
camera offset and noise on a dark background, nuclei, cytoplasm, puncta, dim and bright fields, plate and
experiment intensity shifts, and treatments that change morphology so classes are not pure noise.

Everything is a function of `seed` (and the shapes): the same call writes byte-identical files. The plate/well
layout is fixed, so sample ids do not depend on the seed; pixels and the GUID suffixes of BBBC021 file names do.

BBBC021 also holds rows that the build must reject; their sample ids are the `BBBC021_*` constants below.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import tifffile
from PIL import Image

from cytoimagenet.errors import UserError
from cytoimagenet.seeding import key_rng
from cytoimagenet.catalog.sources.bbbc021 import IMAGE_COLUMNS as _NATIVE_BBBC021_COLUMNS

__all__ = [
    "write_demo_sources",
    "BBBC021_PLATES",
    "BBBC021_TREATMENTS",
    "BBBC021_SITES",
    "BBBC021_CHANNELS",
    "BBBC021_ROWS",
    "BBBC021_UNIFORM",
    "BBBC021_BINARY",
    "BBBC021_DIM",
    "BBBC021_MISSING",
    "BBBC021_TRUNCATED",
    "BBBC021_QC_FAILURES",
    "BBBC021_UNREADABLE",
    "BBBC021_BAD",
    "RXRX1_EXPERIMENTS",
    "RXRX1_PLATES",
    "RXRX1_SIRNAS",
    "RXRX1_PLATE_WELLS",
    "RXRX1_SITES",
    "RXRX1_ROWS",
]

# --------------------------------------------------------------------------------------------------------------
# Layout constants. Names and values follow the real distributions (BBBC021_v1_image.csv, BBBC021_v1_moa.csv,
# rxrx1 metadata.csv); counts are sized so that every compound and siRNA clears min_per_class=20.

# (plate, week, acquisition date in the file-name prefix, TableNumber, Replicate)
BBBC021_PLATES = (
    ("Week1_22123", "Week1", "150607", 1, 1),
    ("Week2_24121", "Week2", "220607", 2, 2),
    ("Week3_25421", "Week3", "290607", 3, 3),
)
# (compound, concentration in uM, moa as BBBC021_v1_moa.csv spells it). DMSO is the vehicle control and gets
# two wells a plate so it is as frequent as a compound over both doses.
BBBC021_TREATMENTS = (
    ("DMSO", 0.0, "DMSO"),
    ("DMSO", 0.0, "DMSO"),
    ("taxol", 0.3, "Microtubule stabilizers"),
    ("taxol", 1.0, "Microtubule stabilizers"),
    ("nocodazole", 1.0, "Microtubule destabilizers"),
    ("nocodazole", 3.0, "Microtubule destabilizers"),
    ("cytochalasin B", 10.0, "Actin disruptors"),
    ("cytochalasin B", 30.0, "Actin disruptors"),
    ("emetine", 0.3, "Protein synthesis"),
    ("emetine", 1.0, "Protein synthesis"),
    ("ALLN", 3.0, "Protein degradation"),
    ("ALLN", 100.0, "Protein degradation"),
)
BBBC021_SITES = 4
# (channel, wavelength tag in the file name): BBBC021 skips w3
BBBC021_CHANNELS = (("DAPI", "w1"), ("Tubulin", "w2"), ("Actin", "w4"))
_BBBC021_COLUMNS = list(_NATIVE_BBBC021_COLUMNS)

# The planted bad rows: one extra DMSO well on two plates, outside the normal layout, so every compound keeps
# its full count of good fields. Ids are the adapter's `{plate}-{well}-s{site}`.
_BAD_WELL = "G11"
BBBC021_UNIFORM = f"Week1_22123-{_BAD_WELL}-s1"  # every channel constant (camera offset only)
BBBC021_BINARY = f"Week1_22123-{_BAD_WELL}-s2"  # every channel the same two-valued mask
BBBC021_DIM = f"Week1_22123-{_BAD_WELL}-s3"  # >= 80 % of pixels at the channel minimum, same mask in all
BBBC021_MISSING = f"Week2_24121-{_BAD_WELL}-s1"  # the Actin TIFF listed in the CSV is not on disk
BBBC021_TRUNCATED = f"Week2_24121-{_BAD_WELL}-s2"  # the DAPI TIFF is cut at half its length
BBBC021_QC_FAILURES = {BBBC021_UNIFORM: "uniform", BBBC021_BINARY: "binary", BBBC021_DIM: "dim"}
BBBC021_UNREADABLE = {BBBC021_MISSING: "missing", BBBC021_TRUNCATED: "truncated"}
BBBC021_BAD = {**BBBC021_QC_FAILURES, **BBBC021_UNREADABLE}
BBBC021_ROWS = len(BBBC021_PLATES) * len(BBBC021_TREATMENTS) * BBBC021_SITES + len(BBBC021_BAD)

# (experiment, cell_type, dataset)
RXRX1_EXPERIMENTS = (
    ("HEPG2-01", "HEPG2", "train"),
    ("HEPG2-08", "HEPG2", "test"),
    ("U2OS-01", "U2OS", "train"),
    ("U2OS-04", "U2OS", "test"),
)
RXRX1_PLATES = (1, 2, 3, 4)
# (sirna, sirna_id, well_type); ids follow RxRx1's ranges: treatments < 1108, positive controls 1108-1137,
# the negative control EMPTY is 1138.
RXRX1_SIRNAS = (
    ("s21721", 855, "treatment"),
    ("s20894", 273, "treatment"),
    ("s15652", 1003, "treatment"),
    ("s501357", 1124, "positive_control"),
    ("EMPTY", 1138, "negative_control"),
)
# The wells of every plate, by siRNA. Two negative-control wells a plate give each cell type 32 untreated
# sites: enough for a cell-type class of their own once the siRNA classes have taken the treated ones.
RXRX1_PLATE_WELLS = ("s21721", "s20894", "s15652", "s501357", "EMPTY", "EMPTY")
RXRX1_SITES = 2
RXRX1_ROWS = len(RXRX1_EXPERIMENTS) * len(RXRX1_PLATES) * len(RXRX1_PLATE_WELLS) * RXRX1_SITES
_RXRX1_COLUMNS = ["site_id", "well_id", "cell_type", "dataset", "experiment", "plate", "well", "site",
                  "well_type", "sirna", "sirna_id"]

# Seed of the fixed well layouts: independent of the user's seed so that sample ids are stable across seeds.
_LAYOUT_SEED = 21


# --------------------------------------------------------------------------------------------------------------
# Morphology and rendering


@dataclasses.dataclass(frozen=True)
class _Morph:
    """Knobs of one population of cells; treatments multiply them."""

    density: float  # cells per pixel
    nucleus: float  # nucleus sigma, px
    cell: float  # cell sigma / nucleus sigma
    mitotic: float  # fraction of rounded, condensed cells
    puncta: float  # spots per cell
    fibres: float  # contrast of cytoskeleton texture
    clumping: float  # fraction of cells that grow in colonies

    def times(self, strength: float, **factors: float) -> "_Morph":
        # geometric interpolation: half the dose gives the square root of the full effect
        return dataclasses.replace(self, **{k: getattr(self, k) * f**strength for k, f in factors.items()})


_MCF7 = _Morph(density=6.5e-4, nucleus=4.5, cell=2.3, mitotic=0.04, puncta=2.0, fibres=0.35, clumping=0.7)
_BBBC021_EFFECTS = {
    "DMSO": {},
    "taxol": dict(mitotic=6.0, cell=0.8, fibres=2.2),
    "nocodazole": dict(mitotic=5.0, cell=0.7, fibres=0.3),
    "cytochalasin B": dict(nucleus=1.35, cell=1.25, density=0.7, puncta=3.0),
    "emetine": dict(density=0.55, cell=0.8, nucleus=0.9),
    "ALLN": dict(puncta=4.0, nucleus=1.15),
}
_RXRX1_CELLS = {
    "HEPG2": _Morph(density=1.3e-3, nucleus=3.2, cell=1.9, mitotic=0.03, puncta=6.0, fibres=0.3, clumping=0.8),
    "U2OS": _Morph(density=4.5e-4, nucleus=4.8, cell=2.8, mitotic=0.03, puncta=10.0, fibres=0.4, clumping=0.3),
}
_RXRX1_EFFECTS = {
    "s21721": dict(nucleus=1.25),
    "s20894": dict(density=0.65, cell=1.3),
    "s15652": dict(puncta=2.5, fibres=1.6),
    "s501357": dict(density=0.5, nucleus=1.3, cell=1.4, puncta=3.0),
    "EMPTY": {},
}


def _blobs(shape, y, x, sy, sx, theta, amp, power: float = 1.0, scale: int = 1) -> np.ndarray:
    """Sum of rotated elliptical (super-)Gaussians, `amp * exp(-q**power)` with `q = r_M**2 / 2`.

    Each blob is evaluated on a square patch around it and scattered with one bincount into a canvas padded
    by the patch size (no bounds masks), so cost follows the blobs' area rather than blobs x image. Blobs are
    batched in two size classes so small ones do not pay for the largest patch. Smooth layers pass
    `scale` > 1: they are rendered on a grid `scale` times coarser and interpolated back, invisible for blobs
    many pixels wide and scale**2 times cheaper."""
    h, w = shape
    if scale > 1:
        hs, ws = -(-h // scale), -(-w // scale)
        small = _blobs((hs, ws), (y + 0.5) / scale - 0.5, (x + 0.5) / scale - 0.5, sy / scale, sx / scale,
                       theta, amp, power)
        return _upsample(small, shape, scale)
    y, x, sy, sx, theta, amp = (np.asarray(a, np.float64) for a in (y, x, sy, sx, theta, amp))
    # reach where exp(-q**power) < e**-5 of the peak: below the camera noise for every layer
    r = np.ceil(np.sqrt(2.0 * 5.0 ** (1.0 / power)) * np.maximum(sy, sx)).astype(np.int64)
    keep = (y + r >= 0) & (y - r < h) & (x + r >= 0) & (x - r < w)
    if not keep.any():
        return np.zeros(shape, np.float32)
    y, x, sy, sx, theta, amp, r = (a[keep] for a in (y, x, sy, sx, theta, amp, r))
    pad = int(2 * r.max()) + 1
    wp = w + 2 * pad
    canvas = np.zeros((h + 2 * pad) * wp, np.float64)
    order = np.argsort(r, kind="stable")
    for part in np.array_split(order, 2) if order.size > 8 else [order]:
        if part.size == 0:
            continue
        rr = int(r[part].max())
        off = np.arange(-rr, rr + 1)
        cy = np.rint(y[part]).astype(np.int64)
        cx = np.rint(x[part]).astype(np.int64)
        dy = ((cy - y[part])[:, None] + off).astype(np.float32)  # (k, p)
        dx = ((cx - x[part])[:, None] + off).astype(np.float32)
        c = (np.cos(theta[part]) * np.sqrt(0.5)).astype(np.float32)[:, None]
        s = (np.sin(theta[part]) * np.sqrt(0.5)).astype(np.float32)[:, None]
        isx = (1.0 / sx[part]).astype(np.float32)[:, None]
        isy = (1.0 / sy[part]).astype(np.float32)[:, None]
        # rotated, scaled coordinates split into a row term and a column term, summed by broadcasting
        u = (dy * s * isx)[:, :, None] + (dx * c * isx)[:, None, :]
        v = (dy * c * isy)[:, :, None] - (dx * s * isy)[:, None, :]
        q = u * u
        q += v * v
        if power == 2.0:
            q *= q
        elif power != 1.0:
            q **= np.float32(power)
        np.negative(q, out=q)
        np.exp(q, out=q)
        q *= amp[part].astype(np.float32)[:, None, None]
        row = (cy + pad)[:, None] + off
        col = (cx + pad)[:, None] + off
        idx = (row * wp)[:, :, None] + col[:, None, :]
        canvas += np.bincount(idx.ravel(), weights=q.ravel(), minlength=canvas.size)
    return canvas.reshape(h + 2 * pad, wp)[pad:pad + h, pad:pad + w].astype(np.float32)


def _upsample(small: np.ndarray, shape, scale: int) -> np.ndarray:
    """Bilinear interpolation from a grid `scale` times coarser (pixel centres aligned), separably."""
    out = small
    for axis, n in enumerate(shape):
        ns = small.shape[axis]
        pos = np.clip((np.arange(n) + 0.5) / scale - 0.5, 0, ns - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, ns - 1)
        frac = (pos - lo).astype(np.float32)
        frac = frac[:, None] if axis == 0 else frac[None, :]
        a, b = np.take(out, lo, axis=axis), np.take(out, hi, axis=axis)
        out = a + (b - a) * frac
    return out


def _smooth_noise(rng: np.random.Generator, shape, sigma: float) -> np.ndarray:
    """Zero-mean, unit-std Gaussian-filtered noise (texture of chromatin, fibres, autofluorescence). Filtered
    on a grid 2 or more (about sigma/1.5) times coarser and interpolated back, whose smoothing adds to sigma's:
    the same look at a fraction of the FFT cost."""
    h, w = shape
    scale = max(2, int(sigma / 1.5) + 1)
    hs, ws = -(-h // scale), -(-w // scale)
    spec = np.fft.rfft2(rng.standard_normal((hs, ws), dtype=np.float32))
    fy = np.fft.fftfreq(hs)[:, None]
    fx = np.fft.rfftfreq(ws)[None, :]
    spec *= np.exp(-2.0 * (np.pi * sigma / scale) ** 2 * (fy * fy + fx * fx))
    out = np.fft.irfft2(spec, s=(hs, ws)).astype(np.float32)
    if scale > 1:
        out = _upsample(out, shape, scale)
    out -= out.mean()
    out /= out.std() + 1e-12
    return out


def _vignette(shape) -> np.ndarray:
    """Uneven illumination: the field's corners get about 70 % of its centre's light."""
    h, w = shape
    yy = (np.arange(h, dtype=np.float32) / max(h - 1, 1) - 0.5)[:, None]
    xx = (np.arange(w, dtype=np.float32) / max(w - 1, 1) - 0.5)[None, :]
    return 1.0 - 0.6 * (yy * yy + xx * xx)


def _field_gain(rng: np.random.Generator) -> float:
    """Most fields vary a little; about one in ten is dim (few cells in focus, bleached) or bright."""
    u = rng.random()
    if u < 0.1:
        return 0.3
    if u > 0.9:
        return 2.2
    return float(rng.lognormal(0.0, 0.15))


def _cells(rng: np.random.Generator, shape, m: _Morph, nucleoli: bool = False) -> dict[str, np.ndarray]:
    """Layers of one field, each roughly unit peak: nuclei, cytoplasm, cell edges (actin/membrane rim),
    cytoplasmic puncta, nucleoli when asked (only RxRx1's Syto14 shows them), and fine/coarse textures."""
    h, w = shape
    margin = 2.0 * m.nucleus * m.cell
    area = (h + 2 * margin) * (w + 2 * margin)
    n = max(3, int(rng.poisson(m.density * area)))
    # colonies: MCF-7 and HepG2 grow in clumps, leaving empty background between them
    n_col = max(1, n // 10)
    col_y = rng.uniform(-margin, h + margin, n_col)
    col_x = rng.uniform(-margin, w + margin, n_col)
    in_col = rng.random(n) < m.clumping
    which = rng.integers(0, n_col, n)
    spread = 3.0 * m.nucleus * m.cell
    y = np.where(in_col, col_y[which] + rng.normal(0, spread, n), rng.uniform(-margin, h + margin, n))
    x = np.where(in_col, col_x[which] + rng.normal(0, spread, n), rng.uniform(-margin, w + margin, n))

    mitotic = rng.random(n) < min(m.mitotic, 0.6)
    size = m.nucleus * rng.lognormal(0.0, 0.15, n)
    size = np.where(mitotic, size * 0.7, size)
    aspect = np.where(mitotic, 1.0, rng.uniform(1.0, 1.6, n))
    theta = rng.uniform(0, np.pi, n)
    # DNA content varies through the cell cycle; condensed mitotic chromatin is brighter
    dna = rng.lognormal(0.0, 0.2, n) * np.where(mitotic, 2.2, 1.0)
    nuc = _blobs(shape, y, x, size * aspect, size / aspect, theta, dna, power=2.0)

    cell = size * np.where(mitotic, 1.4, m.cell) * rng.lognormal(0.0, 0.12, n)
    c_aspect = np.where(mitotic, 1.0, rng.uniform(1.0, 1.9, n))
    c_theta = theta + rng.normal(0, 0.4, n)
    cy = y + rng.normal(0, 0.3, n) * size
    cx = x + rng.normal(0, 0.3, n) * size
    cyto_amp = rng.lognormal(0.0, 0.25, n)
    coarse = max(1, round(m.nucleus * m.cell / 3))
    cyto = _blobs(shape, cy, cx, cell * c_aspect, cell / c_aspect, c_theta, cyto_amp, scale=coarse)
    body = np.minimum(_blobs(shape, cy, cx, cell * c_aspect * 1.1, cell / c_aspect * 1.1, c_theta,
                             np.ones(n), power=2.0, scale=coarse), 1.0)
    edge = 4.0 * body * (1.0 - body)

    k = rng.poisson(max(m.puncta, 0.0), n)
    owner = np.repeat(np.arange(n), k)
    p_y = cy[owner] + rng.normal(0, 1, owner.size) * cell[owner] * 0.7
    p_x = cx[owner] + rng.normal(0, 1, owner.size) * cell[owner] * 0.7
    p_s = rng.uniform(0.7, 1.3, owner.size)
    puncta = _blobs(shape, p_y, p_x, p_s, p_s, np.zeros(owner.size), rng.lognormal(0.0, 0.4, owner.size))

    layers = {"nuc": nuc, "cyto": cyto, "edge": edge, "puncta": puncta}
    if nucleoli:
        j = rng.integers(1, 4, n)
        owner = np.repeat(np.arange(n), j)
        o_y = y[owner] + rng.normal(0, 0.35, owner.size) * size[owner]
        o_x = x[owner] + rng.normal(0, 0.35, owner.size) * size[owner]
        o_s = 0.25 * size[owner]
        layers["nucleoli"] = _blobs(shape, o_y, o_x, o_s, o_s, np.zeros(owner.size), np.ones(owner.size))
    layers["fine"] = _smooth_noise(rng, shape, 1.2)
    layers["coarse"] = _smooth_noise(rng, shape, 12.0)
    return layers


def _expose(rng, signal, *, offset, read_noise, electrons_per_count, background, vignette, bits) -> np.ndarray:
    """Camera: illumination falloff, autofluorescence, shot noise (Gaussian approximation of Poisson, several
    times faster and indistinguishable at these counts), read noise, offset, clipping. float32 throughout."""
    s = signal * vignette
    s += background
    sigma = np.maximum(s, 0)
    sigma *= np.float32(1.0 / electrons_per_count)
    sigma += np.float32(read_noise**2)
    np.sqrt(sigma, out=sigma)
    sigma *= rng.standard_normal(s.shape, dtype=np.float32)
    s += sigma
    s += np.float32(offset)
    np.rint(s, out=s)
    np.clip(s, 0, (1 << bits) - 1, out=s)
    return s.astype(np.uint16 if bits == 16 else np.uint8)


# --------------------------------------------------------------------------------------------------------------
# BBBC021


def _wells_96() -> list[str]:
    return [f"{r}{c:02d}" for r in "BCDEFG" for c in range(2, 12)]


def _wells_384() -> list[str]:
    return [f"{r}{c:02d}" for r in "BCDEFGHIJKLMNO" for c in range(2, 24)]


def _guid(rng: np.random.Generator) -> str:
    h = rng.bytes(16).hex().upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _bbbc021_channels(rng, shape, morph: _Morph, gains, offsets, vignette) -> list[np.ndarray]:
    layers = _cells(rng, shape, morph)
    field = _field_gain(rng)
    chromatin = 1.0 + 0.15 * layers["fine"]
    fibres = np.maximum(1.0 + morph.fibres * layers["fine"], 0.0)
    signals = (
        4000.0 * layers["nuc"] * chromatin,
        1500.0 * layers["cyto"] * fibres + 150.0 * layers["nuc"],
        900.0 * layers["edge"] + 500.0 * layers["cyto"] * fibres + 2500.0 * layers["puncta"],
    )
    out = []
    for sig, g, off in zip(signals, gains, offsets):
        background = np.float32(120.0 * g) * (1.0 + 0.2 * layers["coarse"])
        out.append(_expose(rng, sig * np.float32(g * field), offset=float(off), read_noise=8.0,
                           electrons_per_count=0.7, background=background, vignette=vignette, bits=16))
    return out


def _bbbc021_bad(kind: str, rng, shape, offsets) -> list[np.ndarray]:
    """Fields whose pixels QC must reject: the flat, two-valued and nearly-empty frames of real screens."""
    if kind == "uniform":  # shutter closed: the camera offset only, no noise (a blanked frame)
        return [np.full(shape, off, np.uint16) for off in offsets]
    layers = _cells(rng, shape, _MCF7)
    nuc = layers["nuc"]

    def brightest(fraction: float) -> np.ndarray:
        # by rank, not by threshold: nuclei cover a variable share of a field, the masks need a fixed one
        rank = np.argsort(np.argsort(nuc + 1e-3 * layers["fine"], axis=None, kind="stable"), kind="stable")
        return (rank >= (1.0 - fraction) * nuc.size).reshape(shape)

    if kind == "binary":  # a segmentation mask saved in place of the image; 40 % on, so it is not dark too
        mask = brightest(0.4)
        return [np.where(mask, off + 3000, off).astype(np.uint16) for off in offsets]
    if kind == "dim":  # background-subtracted and clipped: almost everything sits at the floor
        mask = brightest(0.12)
        out = []
        for i, off in enumerate(offsets):
            sig = (800.0 + 400.0 * i) * (nuc + 0.05) * (1.0 + 0.2 * layers["fine"])
            sig = np.clip(np.rint(sig), 1, 60000)
            out.append(np.where(mask, off + sig, off).astype(np.uint16))
        return out
    raise ValueError(kind)


def _write_tiff(path: Path, arr: np.ndarray) -> None:
    # no DateTime, Software or JSON description: equal arrays give equal bytes
    tifffile.imwrite(path, arr, photometric="minisblack", software=False, metadata=None, datetime=None)


def _bbbc021_field(paths, kind, rng, shape, morph, gains, offsets, vignette) -> None:
    # missing and truncated rows hold ordinary pixels: what breaks them is the file, not the image
    arrays = (_bbbc021_bad(kind, rng, shape, offsets) if kind in BBBC021_QC_FAILURES.values()
              else _bbbc021_channels(rng, shape, morph, gains, offsets, vignette))
    for (channel, _), path, arr in zip(BBBC021_CHANNELS, paths, arrays):
        if kind == "missing" and channel == "Actin":
            continue
        _write_tiff(path, arr)
        if kind == "truncated" and channel == "DAPI":
            # an interrupted download: header and IFD intact, pixel data cut short
            os.truncate(path, path.stat().st_size // 2)


def _run(tasks) -> None:
    """Run independent field tasks on a few threads: each owns its generator and its files, so the result
    does not depend on scheduling, and numpy, zlib and file writes release the GIL for most of the work."""
    workers = min(4, os.cpu_count() or 1)
    if workers == 1:
        for task in tasks:
            task()
        return
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(t) for t in tasks]:
            future.result()


def _write_bbbc021(folder: Path, seed: int, shape) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    vignette = _vignette(shape)
    bad_sites = {}
    for sid, kind in BBBC021_BAD.items():
        plate, well, site = sid.split("-")
        bad_sites.setdefault(plate, []).append((int(site[1:]), kind))

    rows, tasks = [], []
    image_number = 0
    wells = [w for w in _wells_96() if w != _BAD_WELL]
    # plate-to-plate shifts: each plate its own camera offset in 100-500 counts (stratified, so that no two
    # plates share one by chance) and its own staining intensity per channel
    n_plates = len(BBBC021_PLATES)
    strata = key_rng(seed, "bbbc021-offsets").permutation(n_plates)
    for p, (plate, week, date, table, replicate) in enumerate(BBBC021_PLATES):
        plate_rng = key_rng(seed, "bbbc021", plate)
        base = 100 + 400 * (strata[p] + plate_rng.uniform(0.25, 0.75)) / n_plates
        offsets = np.rint(base + plate_rng.uniform(-20, 20, 3)).astype(int)
        gains = plate_rng.lognormal(0.0, 0.25, 3)
        layout = key_rng(_LAYOUT_SEED, "bbbc021-layout", plate).permutation(len(wells))
        plan = [(wells[layout[i]], t, None) for i, t in enumerate(BBBC021_TREATMENTS)]
        plan += [(_BAD_WELL, ("DMSO", 0.0, "DMSO"), bad) for bad in sorted(bad_sites.get(plate, []))]
        plan.sort(key=lambda p: (p[0], p[2] or (0, "")))
        (folder / plate).mkdir(exist_ok=True)
        for well, (compound, conc, _moa), bad in plan:
            sites = [bad[0]] if bad else range(1, BBBC021_SITES + 1)
            strength = 1.0 if conc == max(c for n, c, _ in BBBC021_TREATMENTS if n == compound) else 0.5
            morph = _MCF7.times(strength, **_BBBC021_EFFECTS[compound])
            for site in sites:
                kind = bad[1] if bad else None
                names = key_rng(seed, "bbbc021-guid", plate, well, site)
                image_number += 1
                row = {"TableNumber": table, "ImageNumber": image_number}
                paths = []
                for channel, wl in BBBC021_CHANNELS:
                    name = f"{plate.split('_')[0]}_{date}_{well}_s{site}_{wl}{_guid(names)}.tif"
                    row[f"Image_FileName_{channel}"] = name
                    row[f"Image_PathName_{channel}"] = f"{week}/{plate}"
                    paths.append(folder / plate / name)
                rng = key_rng(seed, "bbbc021", plate, well, site)
                tasks.append(partial(_bbbc021_field, paths, kind, rng, shape, morph, gains, offsets, vignette))
                row.update({
                    "Image_Metadata_Plate_DAPI": plate, "Image_Metadata_Well_DAPI": well,
                    "Replicate": replicate, "Image_Metadata_Compound": compound,
                    "Image_Metadata_Concentration": conc,
                })
                rows.append(row)
    _run(tasks)
    pd.DataFrame(rows, columns=_BBBC021_COLUMNS).to_csv(folder / "BBBC021_v1_image.csv", index=False,
                                                        lineterminator="\n")
    moa = pd.DataFrame(sorted(set(BBBC021_TREATMENTS), key=lambda t: (t[0].lower(), t[1])),
                       columns=["compound", "concentration", "moa"])
    moa.to_csv(folder / "BBBC021_v1_moa.csv", index=False, lineterminator="\n")


# --------------------------------------------------------------------------------------------------------------
# RxRx1

# Channel recipes: weights of the layers in each stain (w1 Hoechst, w2 ConA, w3 Phalloidin, w4 Syto14,
# w5 MitoTracker, w6 WGA) and the stain's peak level in 8-bit counts.
_RXRX1_RECIPES = (
    (130.0, {"nuc": 1.0}),
    (55.0, {"cyto": 1.0, "nuc": 0.1}),
    (65.0, {"edge": 0.8, "cyto": 0.4}),
    (50.0, {"nucleoli": 1.0, "nuc": 0.4, "cyto": 0.15}),
    (70.0, {"puncta": 0.8, "cyto": 0.5}),
    (55.0, {"edge": 0.7, "puncta": 0.4, "cyto": 0.2}),
)


def _rxrx1_channels(rng, shape, morph, gains, vignette) -> list[np.ndarray]:
    layers = _cells(rng, shape, morph, nucleoli=True)
    field = _field_gain(rng)
    fibres = np.maximum(1.0 + morph.fibres * layers["fine"], 0.0)
    out = []
    for (level, recipe), g in zip(_RXRX1_RECIPES, gains):
        sig = sum(wt * layers[name] for name, wt in recipe.items())
        if "cyto" in recipe:
            sig = sig * fibres
        background = np.float32(6.0 * g) * (1.0 + 0.2 * layers["coarse"])
        out.append(_expose(rng, sig * np.float32(level * g * field), offset=4.0, read_noise=1.5,
                           electrons_per_count=3.0, background=background, vignette=vignette, bits=8))
    return out


def _rxrx1_field(paths, rng, shape, morph, gains, vignette) -> None:
    for path, arr in zip(paths, _rxrx1_channels(rng, shape, morph, gains, vignette)):
        Image.fromarray(arr).save(path, format="PNG")


def _write_rxrx1(folder: Path, seed: int, shape) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    vignette = _vignette(shape)
    wells = _wells_384()
    by_name = {s[0]: s for s in RXRX1_SIRNAS}
    rows, tasks = [], []
    for experiment, cell_type, dataset in RXRX1_EXPERIMENTS:
        # experiment-to-experiment shifts are RxRx1's point (batch effects); plates vary less
        exp_gain = key_rng(seed, "rxrx1", experiment).lognormal(0.0, 0.3, 6)
        for plate in RXRX1_PLATES:
            gains = exp_gain * key_rng(seed, "rxrx1", experiment, plate).lognormal(0.0, 0.08, 6)
            layout = key_rng(_LAYOUT_SEED, "rxrx1-layout", experiment, plate).permutation(len(wells))
            plate_dir = folder / "images" / experiment / f"Plate{plate}"
            plate_dir.mkdir(parents=True, exist_ok=True)
            plan = sorted((wells[layout[i]], by_name[s]) for i, s in enumerate(RXRX1_PLATE_WELLS))
            for well, (sirna, sirna_id, well_type) in plan:
                morph = _RXRX1_CELLS[cell_type].times(1.0, **_RXRX1_EFFECTS[sirna])
                for site in range(1, RXRX1_SITES + 1):
                    rng = key_rng(seed, "rxrx1", experiment, plate, well, site)
                    paths = [plate_dir / f"{well}_s{site}_w{c}.png" for c in range(1, 7)]
                    tasks.append(partial(_rxrx1_field, paths, rng, shape, morph, gains, vignette))
                    rows.append({
                        "site_id": f"{experiment}_{plate}_{well}_{site}", "well_id": f"{experiment}_{plate}_{well}",
                        "cell_type": cell_type, "dataset": dataset, "experiment": experiment, "plate": plate,
                        "well": well, "site": site, "well_type": well_type, "sirna": sirna, "sirna_id": sirna_id,
                    })
    _run(tasks)
    pd.DataFrame(rows, columns=_RXRX1_COLUMNS).to_csv(folder / "metadata.csv", index=False, lineterminator="\n")


# --------------------------------------------------------------------------------------------------------------


def _check_shape(name: str, shape) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be (height, width), got {shape!r}") from None
    if h < 32 or w < 32:
        raise UserError(f"{name} {shape!r} is too small: use at least (32, 32) so fields hold whole cells")
    return h, w


def write_demo_sources(
    root: Path,
    seed: int = 0,
    *,
    bbbc021_shape: tuple[int, int] = (256, 320),
    rxrx1_shape: tuple[int, int] = (160, 160),
) -> Path:
    """Write `root/bbbc021/` and `root/rxrx1/` in their native layouts and return `root`.

    The same seed and shapes give byte-identical files. Files already there with the same names are
    overwritten; nothing else is removed, so write into an empty folder to get exactly the demo tree.
    """
    root = Path(root)
    bbbc021_shape = _check_shape("bbbc021_shape", bbbc021_shape)
    rxrx1_shape = _check_shape("rxrx1_shape", rxrx1_shape)
    _write_bbbc021(root / "bbbc021", int(seed), bbbc021_shape)
    _write_rxrx1(root / "rxrx1", int(seed), rxrx1_shape)
    return root
