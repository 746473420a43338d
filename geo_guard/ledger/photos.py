"""Field photos (拍照取证): where and when they were taken, from their EXIF, and which open
problem each one documents.

Phones write the GPS position (``GPSLatitude``/``GPSLongitude`` with their N/S, E/W refs)
and the time taken (``DateTimeOriginal``) into a JPEG's EXIF. A photo is matched to the
nearest open problem within 50 m (measured in metres in a CGCS2000 Gauss-Kruger zone);
a photo without a position, or with no open problem near it, is listed as unmatched with
the reason, never dropped.

Examples
--------
>>> from geo_guard.ledger.photos import read_photos
>>> read_photos(tmp).columns.tolist()
['path', 'file', 'lon', 'lat', 'taken_at', 'reason']
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from PIL import ExifTags, Image, UnidentifiedImageError

from geo_guard._errors import InputFileError, one_line
from geo_guard.crs import parse_crs, to_wgs84_xy
from geo_guard.ledger.dedup import metric_xy

__all__ = ["PHOTO_RADIUS_M", "PHOTO_SUFFIXES", "match_photos", "photo_exif", "read_photos"]

#: Farthest a photo may be from the problem it documents, in metres.
PHOTO_RADIUS_M = 50.0

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".tif", ".tiff", ".png", ".webp", ".heic", ".heif")

REASON_NO_GPS = "照片无GPS位置 / no GPS position in the EXIF"
REASON_UNREADABLE = "无法读取照片 / cannot read the image"
REASON_HEIC = "HEIC照片无法读取，请导出为JPEG / HEIC cannot be read; export it as JPEG"
REASON_NO_PROBLEM = "{r:.0f} 米内无未销号问题 / no open problem within {r:.0f} m"


def _degrees(value: Any, ref: Any, negative: str) -> float:
    """EXIF degrees-minutes-seconds (three rationals) and a ref letter to signed degrees."""
    d, m, s = (float(v) for v in value)
    sign = -1.0 if str(ref or "").strip().upper().startswith(negative) else 1.0
    return sign * (d + m / 60.0 + s / 3600.0)


def _taken_at(exif: Image.Exif) -> dt.datetime | None:
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    text = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not text:
        return None
    try:
        return dt.datetime.strptime(str(text).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def photo_exif(path: str | os.PathLike[str]) -> dict[str, Any]:
    """GPS position (WGS84 as the phone wrote it) and time taken of one photo.

    Returns
    -------
    dict
        ``lon``, ``lat`` (NaN without GPS), ``taken_at`` (datetime or None), ``reason``
        ("" when the position was read).
    """
    p = Path(path)
    out: dict[str, Any] = {"lon": np.nan, "lat": np.nan, "taken_at": None, "reason": ""}
    if p.suffix.lower() in (".heic", ".heif"):
        out["reason"] = REASON_HEIC
        return out
    try:
        with Image.open(p) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError) as err:
        out["reason"] = f"{REASON_UNREADABLE} ({one_line(err)[:80]})"
        return out
    out["taken_at"] = _taken_at(exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef),
                       "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        out["reason"] = REASON_NO_GPS
        return out
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or (lon == 0 and lat == 0):
        out["reason"] = REASON_NO_GPS
        return out
    out["lon"], out["lat"] = lon, lat
    return out


def read_photos(folder: str | os.PathLike[str], *, crs: Any = "wgs84") -> pd.DataFrame:
    """Every photo in a folder (and its subfolders), with its position and time.

    Parameters
    ----------
    folder : path
    crs : optional
        What the phone wrote: ``wgs84`` (a camera's GPS, the default) or ``gcj02`` (some
        Chinese apps stamp AMap coordinates); converted to WGS84.

    Returns
    -------
    DataFrame
        ``path``, ``file`` (relative to the folder), ``lon``, ``lat`` (WGS84, NaN when
        unknown), ``taken_at``, ``reason``; sorted by file name.

    Raises
    ------
    InputFileError
        The folder does not exist.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputFileError(f"{root}: not a folder; give the folder holding the photos")
    files = sorted(p for p in root.rglob("*") if p.is_file()
                   and p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))
    rows = [{"path": str(p), "file": str(p.relative_to(root)), **photo_exif(p)} for p in files]
    frame = pd.DataFrame(rows, columns=["path", "file", "lon", "lat", "taken_at", "reason"])
    frame["lon"] = frame["lon"].astype(float)
    frame["lat"] = frame["lat"].astype(float)
    parsed = parse_crs(crs)
    has = np.isfinite(frame["lon"].to_numpy())
    if parsed is not None and has.any():
        lon, lat = to_wgs84_xy(frame.loc[has, "lon"].to_numpy(), frame.loc[has, "lat"].to_numpy(),
                               parsed)
        frame.loc[has, "lon"], frame.loc[has, "lat"] = lon, lat
    return frame


def match_photos(photos: pd.DataFrame, problems: pd.DataFrame, *,
                 radius_m: float = PHOTO_RADIUS_M) -> pd.DataFrame:
    """The nearest problem within ``radius_m`` of every photo.

    Parameters
    ----------
    photos : DataFrame
        With WGS84 ``lon``/``lat`` (NaN when unknown) and ``reason``.
    problems : DataFrame
        Candidate (open) problems with ``problem_id``, ``lon``, ``lat``.
    radius_m : float

    Returns
    -------
    DataFrame
        The photos with ``problem_id`` (Int64, <NA> when unmatched), ``distance_m`` and
        ``outcome`` (已关联 or 未匹配); ``reason`` says why a photo is unmatched.

    Examples
    --------
    >>> photos = pd.DataFrame({"lon": [112.3002, 112.31, np.nan], "lat": [33.0] * 3,
    ...                        "reason": ["", "", "no GPS"]})
    >>> problems = pd.DataFrame({"problem_id": [4], "lon": [112.3], "lat": [33.0]})
    >>> match_photos(photos, problems)[["problem_id", "outcome"]].values.tolist()
    [[4, '已关联'], [<NA>, '未匹配'], [<NA>, '未匹配']]
    """
    out = photos.copy()
    out["problem_id"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["distance_m"] = np.nan
    out["outcome"] = "未匹配"
    has = np.flatnonzero(np.isfinite(out["lon"].to_numpy(dtype=float))
                         & np.isfinite(out["lat"].to_numpy(dtype=float)))
    if len(has) and len(problems):
        lon = np.concatenate([out["lon"].to_numpy(dtype=float)[has],
                              problems["lon"].to_numpy(dtype=float)])
        lat = np.concatenate([out["lat"].to_numpy(dtype=float)[has],
                              problems["lat"].to_numpy(dtype=float)])
        points = shapely.points(*metric_xy(lon, lat))
        photo_pts, problem_pts = points[: len(has)], points[len(has):]
        i, j = shapely.STRtree(problem_pts).query_nearest(photo_pts, max_distance=radius_m,
                                                          all_matches=False)
        rows = has[i]
        ids = problems["problem_id"].to_numpy()[j]
        out.iloc[rows, out.columns.get_loc("problem_id")] = ids
        out.iloc[rows, out.columns.get_loc("distance_m")] = shapely.distance(photo_pts[i],
                                                                             problem_pts[j])
        out.iloc[rows, out.columns.get_loc("outcome")] = "已关联"
    missing = (out["outcome"] == "未匹配") & (out["reason"].fillna("") == "")
    out.loc[missing, "reason"] = REASON_NO_PROBLEM.format(r=radius_m)
    return out
