"""Vector and table I/O with atomic writes.

Readers turn every "cannot open" into one :class:`~geo_guard._errors.InputFileError` line;
writers pick the format from the extension and never leave a half-written file behind.

Why atomic: analysts keep outputs open in Excel, WPS or QGIS and re-run jobs on them. A
writer that fails midway (a bad geometry, a full disk, Ctrl+C) must leave the previous
file as it was, so every writer builds its output under a temporary name in the target
folder (same filesystem, so the final :func:`os.replace` is a rename) and moves it into
place only when it is complete.

Why escaping: text typed by people (risk-source names, notes) ends up in CSV and XLSX
files opened in Excel; a cell such as ``=HYPERLINK(...)`` must stay text, never run as a
formula (CSV/formula injection). :func:`escape_formula` is applied by every spreadsheet
writer here.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from geo_guard.io import read_vector, write_vector
>>> gdf = gpd.GeoDataFrame({"名称": ["卧龙区"]}, geometry=[Point(350000, 3650000)],
...                        crs="EPSG:4547")
>>> path = write_vector(gdf, "sources.gpkg")                      # doctest: +SKIP
>>> read_vector(path).crs.to_epsg()                               # doctest: +SKIP
4547
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import logging
import math
import numbers
import os
import re
import shutil
import tempfile
import unicodedata
import uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from geopandas.array import GeometryDtype
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from geo_guard._errors import InputFileError, OptionError, OutputError

__all__ = [
    "ENGINES",
    "VECTOR_DRIVERS",
    "atomic_path",
    "escape_formula",
    "read_vector",
    "safe_filename",
    "write_table",
    "write_vector",
    "write_vector_layers",
    "write_xlsx_sheets",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: Output/input extension -> GDAL driver. GeoParquet (``.parquet``/``.geoparquet``) is not
#: here: it goes through geopandas/pyarrow, not GDAL, so it works whatever GDAL was built with.
VECTOR_DRIVERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
}
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".geoparquet")
ENGINES: tuple[str, ...] = ("pyogrio", "fiona")

_FIONA_MISSING = "--engine fiona needs the optional extra: pip install 'geo-guard[fiona]'"
_READ_HINT = "give a GeoPackage, GeoJSON, Shapefile or GeoParquet"
_TABLE_TYPES = "use .csv, .xlsx, .gpkg, .geojson, .shp or .parquet"
_VECTOR_TYPES = "use .gpkg, .geojson, .shp, .fgb or .parquet"

#: Files that belong to one shapefile; stale ones from an older write would describe other
#: data (a .qix index or .prj of the old file), so they are removed when it is replaced.
_SHAPEFILE_SIDECARS = frozenset(
    {
        ".shp",
        ".shx",
        ".dbf",
        ".prj",
        ".cpg",
        ".qix",
        ".sbn",
        ".sbx",
        ".fbn",
        ".fbx",
        ".ain",
        ".aih",
        ".atx",
        ".ixs",
        ".mxs",
        ".qpj",
    }
)
_DBF_NAME_BYTES = 10  # dBase field names: 10 bytes (a Chinese character is 3 in UTF-8)
_GEOMETRY_FAMILY = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "LineString",
    "MultiLineString": "LineString",
    "LinearRing": "LineString",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
}

_XLSX_MAX_CHARS = 32_767  # Excel's limit per cell; longer text makes Excel "repair" the file
_XLSX_MAX_EXACT_INT = 10**15  # Excel keeps 15 significant digits; longer ints become text
_XLSX_MIN_WIDTH, _XLSX_MAX_WIDTH = 6, 60
_SHEET_NAME_MAX = 31

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)

# A run starts at leading dots or at an unsafe character and swallows the unsafe characters
# and dots after it, so "../" and "..\\..\\" collapse into a single "_".
_SAFE_NAME_RUN = re.compile(r"(?:^\.+|[^\w\-.+()（）【】·])[^\w\-+()（）【】·]*")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
)


# --------------------------------------------------------------------------- helpers


def _check_engine(engine: str) -> None:
    """Refuse an unknown engine, and fiona when the optional extra is missing."""
    if engine not in ENGINES:
        raise OptionError(f"unknown engine {engine!r}; use 'pyogrio' or 'fiona'")
    if engine == "fiona":
        try:
            import fiona  # noqa: F401
        except ImportError as err:
            raise OptionError(_FIONA_MISSING) from err


def _gdal_errors(engine: str) -> tuple[type[BaseException], ...]:
    """Exceptions that mean "GDAL refused this file", per engine (never programming bugs)."""
    errors: tuple[type[BaseException], ...] = (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
    )
    if engine == "fiona":
        import fiona.errors

        # Fiona's I/O errors derive from OSError/RuntimeError/KeyError, not FionaError.
        errors += (
            fiona.errors.FionaError,
            fiona.errors.DataIOError,
            fiona.errors.DriverIOError,
            fiona.errors.TransactionError,
            fiona.errors.UnsupportedGeometryTypeError,
        )
        with contextlib.suppress(ImportError):
            from fiona._err import CPLE_BaseError  # GDAL errors fiona passes through raw

            errors += (CPLE_BaseError,)
    return errors


def _one_line(message: object, *paths: PathLike, limit: int = 200) -> str:
    """GDAL's reason as one short line, without GDAL's driver-prefix advice or our temp paths."""
    text = str(message).split("; It might help", 1)[0]
    for path in paths:
        full = os.fspath(path)
        text = text.replace(f"'{full}' ", "").replace(f"{full}: ", "")
        text = text.replace(full, Path(full).name)
    text = " ".join(text.split()).strip(" .;")
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _list(names: Iterable[object], limit: int = 20) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _check_target(target: Path) -> None:
    """Refuse output paths that cannot be written before any work is done."""
    if target.is_dir():
        raise OutputError(
            f"{target}: is a folder; give a file path with an extension, e.g. "
            f"{target / ('output' + (target.suffix or '.gpkg'))}"
        )
    parent = target.parent
    if not parent.exists():
        raise OutputError(
            f"{target}: folder '{parent}' does not exist; create it first or choose another folder"
        )
    if not parent.is_dir():
        raise OutputError(f"{target}: '{parent}' is a file, not a folder; choose another folder")
    if not os.access(parent, os.W_OK):
        raise OutputError(
            f"{target}: no permission to write in folder '{parent}'; choose another folder"
        )


def _replace(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except PermissionError as err:
        # On Windows the usual cause is the old file being open in Excel, WPS or QGIS.
        raise OutputError(
            f"{target}: cannot replace the file (permission denied; is it open in Excel, WPS "
            "or QGIS?); close it and try again"
        ) from err


def _remove_temp(temp: Path) -> None:
    """Remove a temp file and anything GDAL/SQLite put next to it (-journal, -wal, -shm)."""
    for leftover in temp.parent.glob(glob.escape(temp.name) + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _temp_name(target: Path) -> str:
    # Hidden, unique and recognisable; the same suffix keeps GDAL's driver guess working.
    return f".{target.stem}.tmp-{uuid.uuid4().hex[:12]}{target.suffix}"


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Give a temporary path to write to; move it onto ``path`` only if the block succeeds.

    The temporary file is in the same folder as ``path`` (so the final :func:`os.replace`
    is an atomic rename on the same filesystem) and has the same suffix (so GDAL and
    pandas pick the same format). On an exception the temporary file and any sidecars
    (``-journal``, ``-wal``) are removed and ``path`` is left untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Final output file.

    Yields
    ------
    pathlib.Path
        Temporary path that does not exist yet; the block must create it.

    Raises
    ------
    OutputError
        The folder is missing or not writable, ``path`` is a folder, the block wrote
        nothing, or the old file cannot be replaced (open in another program).

    Examples
    --------
    >>> with atomic_path("report.csv") as tmp:                     # doctest: +SKIP
    ...     tmp.write_text("a,b\\n1,2\\n", encoding="utf-8")
    """
    target = Path(path)
    _check_target(target)
    temp = target.with_name(_temp_name(target))
    try:
        yield temp
        if not temp.exists():
            raise OutputError(f"{target}: the writer produced no file; nothing was replaced")
        _replace(temp, target)
    finally:
        _remove_temp(temp)


def _output_target(path: PathLike, allowed: Iterable[str], types_hint: str, what: str) -> Path:
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in allowed:
        raise OutputError(f"{target.name}: unknown {what} type '{suffix}'; {types_hint}")
    _check_target(target)
    return target


def _require_geometry(data: object, target: Path, what: str = "the data") -> gpd.GeoDataFrame:
    if not isinstance(data, gpd.GeoDataFrame):
        raise OutputError(
            f"{target.name}: {what} is a plain table without geometry; give a GeoDataFrame "
            "or write .csv, .xlsx or .parquet"
        )
    try:
        data.geometry  # noqa: B018 - raises when no active geometry column is set
    except AttributeError as err:
        raise OutputError(
            f"{target.name}: {what} has no active geometry column; call set_geometry() first"
        ) from err
    return data


def _is_geometry_column(series: pd.Series) -> bool:
    return isinstance(series.dtype, GeometryDtype)


def _wkt(series: pd.Series) -> np.ndarray:
    # rounding_precision=-1: full precision (shortest round-trip text), so WKT in a
    # spreadsheet gives back the same coordinates; shapely's default rounds to 6 decimals.
    return shapely.to_wkt(np.asarray(series.array, dtype=object), rounding_precision=-1)


# --------------------------------------------------------------------------- reading


def _check_input_file(path: PathLike) -> str:
    source = os.fspath(path)
    if source.startswith("/vsi") or "://" in source:
        return source  # GDAL virtual paths (zip, http): only GDAL can tell whether they exist
    file = Path(source)
    if not file.exists():
        raise InputFileError(f"{source}: no such file; check the path")
    if file.is_dir():
        raise InputFileError(
            f"{source}: is a folder, not a file; give the path of a .gpkg, .geojson, .shp "
            "or .parquet file"
        )
    if file.stat().st_size == 0:
        raise InputFileError(f"{source}: the file is empty (0 bytes); export it again")
    return source


def _unreadable(source: str, reason: object) -> InputFileError:
    return InputFileError(
        f"{source}: cannot be read as a vector file ({_one_line(reason, source)}); {_READ_HINT}"
    )


def _pick_layer(source: str, layer: str | int | None) -> str:
    """Resolve ``layer`` to a layer name, with a message listing the layers when it is wrong."""
    try:
        listing = pyogrio.list_layers(source)
    except _gdal_errors("pyogrio") as err:
        raise _unreadable(source, err) from err
    names = [str(name) for name in listing[:, 0]]
    geometry_types = list(listing[:, 1])
    if not names:
        raise InputFileError(f"{source}: holds no layers; {_READ_HINT}")
    if layer is None:
        spatial = [n for n, g in zip(names, geometry_types, strict=True) if g is not None]
        if not spatial:
            raise InputFileError(
                f"{source}: has no layer with geometry (only tables: {_list(names)}); {_READ_HINT}"
            )
        if len(names) > 1:
            logger.info(
                "%s has %d layers (%s); reading '%s', pass layer= to choose another",
                source,
                len(names),
                _list(names),
                spatial[0],
            )
        return spatial[0]
    if isinstance(layer, int) and not isinstance(layer, bool):
        if not 0 <= layer < len(names):
            raise InputFileError(
                f"{source}: no layer number {layer}; available layers: {_list(names)} "
                f"(numbers 0 to {len(names) - 1})"
            )
        index = layer
    elif str(layer) in names:
        index = names.index(str(layer))
    else:
        raise InputFileError(f"{source}: no layer '{layer}'; available layers: {_list(names)}")
    if geometry_types[index] is None:
        raise InputFileError(
            f"{source}: layer '{names[index]}' has no geometry; give a layer with points, "
            "lines or polygons"
        )
    return names[index]


def _read_geoparquet(source: str) -> gpd.GeoDataFrame:
    import pyarrow

    try:
        return gpd.read_parquet(source)
    except (pyarrow.ArrowException, ValueError, OSError) as err:
        reason = str(err)
        if "geo metadata" in reason:
            reason = "a plain Parquet table without GeoParquet geometry metadata"
        raise _unreadable(source, reason) from err


def read_vector(
    path: PathLike, *, layer: str | int | None = None, engine: str = "pyogrio"
) -> gpd.GeoDataFrame:
    """Read a vector file (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet ...).

    Any format GDAL reads works; GeoParquet (``.parquet``/``.geoparquet``) is read with
    :func:`geopandas.read_parquet`. The CRS is returned as stored and not checked: callers
    decide what a missing CRS means.

    Parameters
    ----------
    path : str or os.PathLike
        File to read.
    layer : str or int, optional
        Layer name or 0-based number (GeoPackage). Default: the first layer with geometry.
    engine : {"pyogrio", "fiona"}
        GDAL binding. ``"fiona"`` needs the optional extra ``geo-guard[fiona]``.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file, a folder, an unknown layer or a layer without
        geometry. The message lists the available layers.
    OptionError
        Unknown engine, or fiona requested but not installed.

    Examples
    --------
    >>> zones = read_vector("zones.gpkg", layer="一级保护区")            # doctest: +SKIP
    >>> zones.crs.to_epsg()                                         # doctest: +SKIP
    4547
    """
    _check_engine(engine)
    source = _check_input_file(path)
    if Path(source).suffix.lower() in PARQUET_SUFFIXES:
        if layer is not None:
            logger.warning(
                "%s: GeoParquet holds a single table; layer=%r is ignored", source, layer
            )
        gdf = _read_geoparquet(source)
    else:
        layer_name = _pick_layer(source, layer)
        try:
            gdf = gpd.read_file(source, layer=layer_name, engine=engine)
        except _gdal_errors(engine) as err:
            raise _unreadable(source, err) from err
        except UnicodeDecodeError:
            # Typically a Shapefile whose Chinese field names other software cut at 10 bytes,
            # in the middle of a character.
            raise InputFileError(
                f"{source}: some field names or values are not valid text (a Shapefile whose "
                "Chinese field names were cut at 10 bytes?); open it in QGIS and save it as "
                "a GeoPackage, or rename those fields"
            ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):  # GDAL returned an attribute-only table
        raise InputFileError(f"{source}: has no geometry column; {_READ_HINT}")
    logger.debug("read %d features from %s", len(gdf), source)
    return gdf


# --------------------------------------------------------------------------- vector writing


def _extra_geometries_to_wkt(gdf: gpd.GeoDataFrame, target: Path) -> gpd.GeoDataFrame:
    """GDAL formats hold one geometry column; others are written as WKT text, not dropped."""
    active = gdf.geometry.name
    extra = [c for c in gdf.columns if c != active and _is_geometry_column(gdf[c])]
    if not extra:
        return gdf
    gdf = gdf.copy()
    for column in extra:
        gdf[column] = _wkt(gdf[column])
    logger.info("%s: extra geometry columns written as WKT text: %s", target.name, _list(extra))
    return gdf


def _utf8_prefix(text: str, max_bytes: int) -> str:
    """Longest prefix of ``text`` that fits ``max_bytes`` in UTF-8, never splitting a character."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def _dbf_field_names(columns: Iterable[str]) -> dict[str, str]:
    """Map column names longer than 10 UTF-8 bytes to unique dBase-safe names.

    GDAL would truncate them itself, but it cuts bytes, not characters: a Chinese name
    ends up as invalid UTF-8 that pyogrio then cannot even read back. Names are compared
    case-insensitively, as dBase does.
    """
    columns = list(columns)
    taken = {c.casefold() for c in columns if len(c.encode("utf-8")) <= _DBF_NAME_BYTES}
    renamed: dict[str, str] = {}
    for column in columns:
        if len(column.encode("utf-8")) <= _DBF_NAME_BYTES:
            continue
        candidate, number = _utf8_prefix(column, _DBF_NAME_BYTES), 0
        while candidate.casefold() in taken:
            number += 1
            suffix = f"_{number}"
            candidate = _utf8_prefix(column, _DBF_NAME_BYTES - len(suffix)) + suffix
        taken.add(candidate.casefold())
        renamed[column] = candidate
    return renamed


def _check_one_geometry_kind(gdf: gpd.GeoDataFrame, target: Path) -> None:
    kinds = set(gdf.geometry.geom_type.dropna().unique())
    families = {_GEOMETRY_FAMILY.get(kind, kind) for kind in kinds}
    if len(families) > 1 or "GeometryCollection" in families:
        raise OutputError(
            f"{target.name}: a Shapefile holds one kind of geometry but the data has "
            f"{_list(sorted(kinds))}; write .gpkg instead or split the data by geometry type"
        )


def _to_file(
    gdf: gpd.GeoDataFrame,
    temp: Path,
    target: Path,
    *,
    driver: str,
    engine: str,
    layer: str | None = None,
) -> None:
    """Write with GDAL; GDAL errors become one OutputError line, GDAL warnings log lines."""
    options: dict[str, Any] = {}
    if driver == "FlatGeobuf":
        # The spatial index re-sorts features along a Hilbert curve; keep the input order
        # (outputs promise "every input row, in input order").
        options["SPATIAL_INDEX"] = "NO"
    if driver == "ESRI Shapefile":
        options["encoding"] = "UTF-8"  # GDAL then writes a .cpg saying UTF-8
    if layer is not None:
        options["layer"] = layer
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            gdf.to_file(temp, driver=driver, engine=engine, **options)
        except _gdal_errors(engine) as err:
            fix = "check the layer name, column names and geometries"
            if driver != "GPKG":
                fix += ", or write .gpkg instead"
            raise OutputError(
                f"{target.name}: cannot be written as {driver} "
                f"({_one_line(err, temp, temp.parent)}); {fix}"
            ) from err
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning):  # GDAL's own warnings
            logger.warning("%s: %s", target.name, _one_line(warning.message, temp))
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def _write_shapefile(gdf: gpd.GeoDataFrame, target: Path, engine: str) -> None:
    _check_one_geometry_kind(gdf, target)
    active = gdf.geometry.name
    renamed = _dbf_field_names(str(c) for c in gdf.columns if c != active)
    if renamed:
        gdf = gdf.rename(columns=renamed)
        logger.warning(
            "%s: Shapefile field names hold at most 10 bytes (a Chinese character takes 3); "
            "renamed %s; write .gpkg to keep full names",
            target.name,
            ", ".join(f"{old} -> {new}" for old, new in renamed.items()),
        )
    # A shapefile is several files: write them all into a temporary folder next to the
    # target, then move each into place, the .shp last (it is what readers open first).
    workdir = Path(tempfile.mkdtemp(prefix=f".{target.stem}.tmp-", dir=target.parent))
    try:
        _to_file(gdf, workdir / target.name, target, driver="ESRI Shapefile", engine=engine)
        parts = sorted(workdir.iterdir(), key=lambda p: p.suffix.lower() == ".shp")
        new_suffixes = {p.suffix.lower() for p in parts}
        for old in target.parent.glob(glob.escape(target.stem) + ".*"):
            suffix = old.suffix.lower()
            if old.stem == target.stem and suffix in _SHAPEFILE_SIDECARS - new_suffixes:
                logger.debug("removing stale %s", old)
                old.unlink()
        for part in parts:
            _replace(part, target.with_name(part.name))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _warn_lost_layers(target: Path, layer: str) -> None:
    """write_vector replaces the whole GeoPackage: say so when other layers disappear."""
    if not target.is_file():
        return
    with contextlib.suppress(*_gdal_errors("pyogrio")):
        others = [str(n) for n in pyogrio.list_layers(target)[:, 0] if str(n) != layer]
        if others:
            logger.warning(
                "%s: the whole file is replaced, so its other layers (%s) are gone; "
                "use write_vector_layers to write several layers",
                target.name,
                _list(others),
            )


def write_vector(
    gdf: gpd.GeoDataFrame,
    path: PathLike,
    *,
    layer: str | None = None,
    engine: str = "pyogrio",
) -> Path:
    """Write a GeoDataFrame to a vector file chosen by extension, atomically.

    ``.gpkg`` GeoPackage (layer name defaults to the file stem), ``.geojson``/``.json``
    GeoJSON, ``.shp`` Shapefile (UTF-8 with a ``.cpg``), ``.fgb`` FlatGeobuf (in input
    order), ``.parquet``/``.geoparquet`` GeoParquet. The file is built under a temporary
    name and moved into place when complete; on failure the old file stays as it was.

    The CRS is written as given. GeoJSON in a CRS other than WGS84 is outside RFC 7946,
    but GDAL records the CRS in the file and QGIS honours it, so nothing is reprojected.
    A GeoPackage is replaced as a whole: use :func:`write_vector_layers` for several
    layers. Shapefile field names longer than 10 bytes are shortened (logged as a
    warning) and a Shapefile takes one kind of geometry.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Data to write; extra geometry columns are written as WKT text (GDAL formats).
    path : str or os.PathLike
        Output file; its folder must exist.
    layer : str, optional
        Layer name (GeoPackage, GeoJSON ``name``). Default: the file stem.
    engine : {"pyogrio", "fiona"}
        GDAL binding (ignored for GeoParquet).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        Unknown extension, missing folder, data without geometry, mixed geometry kinds
        in a Shapefile, or GDAL refusing the data.
    OptionError
        Unknown engine, or fiona requested but not installed.

    Examples
    --------
    >>> write_vector(zones, "out/zones.shp")                         # doctest: +SKIP
    PosixPath('out/zones.shp')
    """
    _check_engine(engine)
    target = _output_target(path, (*VECTOR_DRIVERS, *PARQUET_SUFFIXES), _VECTOR_TYPES, "vector")
    gdf = _require_geometry(gdf, target)
    suffix = target.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        with atomic_path(target) as temp:
            gdf.to_parquet(temp)
    else:
        driver = VECTOR_DRIVERS[suffix]
        gdf = _extra_geometries_to_wkt(gdf, target)
        if driver == "ESRI Shapefile":
            _write_shapefile(gdf, target, engine)
        else:
            # Always pass the layer name: the default would come from the temp file's name.
            layer_name = layer or target.stem
            if driver == "GPKG":
                _warn_lost_layers(target, layer_name)
            if driver == "GeoJSON" and gdf.crs is not None and gdf.crs.to_epsg() != 4326:
                logger.info(
                    "%s: written in %s, not WGS84; web tools that assume RFC 7946 "
                    "GeoJSON may misplace it",
                    target.name,
                    gdf.crs.to_string(),
                )
            with atomic_path(target) as temp:
                _to_file(gdf, temp, target, driver=driver, engine=engine, layer=layer_name)
    logger.info("wrote %d features to %s", len(gdf), target)
    return target


def write_vector_layers(
    layers: Mapping[str, gpd.GeoDataFrame], path: PathLike, *, engine: str = "pyogrio"
) -> Path:
    """Write several GeoDataFrames as layers of one GeoPackage, atomically.

    All layers go into a temporary GeoPackage that then replaces ``path``, so readers see
    either the old file or the new one with every layer, never a partial set.

    Parameters
    ----------
    layers : Mapping[str, geopandas.GeoDataFrame]
        Layer name -> data, written in this order.
    path : str or os.PathLike
        Output ``.gpkg`` file; its folder must exist.
    engine : {"pyogrio", "fiona"}
        GDAL binding.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        ``path`` is not a ``.gpkg``, its folder is missing, a layer has no geometry or
        GDAL refuses the data.
    OptionError
        No layers, an empty layer name, names differing only in case (one table in a
        GeoPackage), unknown engine or fiona missing.

    Examples
    --------
    >>> write_vector_layers({"一级保护区": first, "二级保护区": second},
    ...                     "zones.gpkg")                                # doctest: +SKIP
    PosixPath('zones.gpkg')
    """
    _check_engine(engine)
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise OutputError(
            f"{target.name}: several layers need a GeoPackage; give a path ending in .gpkg"
        )
    _check_target(target)
    if not layers:
        raise OptionError("no layers to write; give at least one {layer name: GeoDataFrame}")
    seen: dict[str, str] = {}
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name, gdf in layers.items():
        if not isinstance(name, str) or not name.strip():
            raise OptionError(f"layer name {name!r} is empty or not text; give each layer a name")
        key = name.casefold()  # SQLite table names are case-insensitive
        if key in seen:
            raise OptionError(
                f"layer names '{seen[key]}' and '{name}' differ only in case and would be one "
                "GeoPackage table; rename one of them"
            )
        seen[key] = name
        frame = _require_geometry(gdf, target, what=f"layer '{name}'")
        frames[name] = _extra_geometries_to_wkt(frame, target)
    with atomic_path(target) as temp:
        for name, frame in frames.items():
            _to_file(frame, temp, target, driver="GPKG", engine=engine, layer=name)
    logger.info("wrote %d layers to %s", len(frames), target)
    return target


# --------------------------------------------------------------------------- tables


def escape_formula(value: object) -> object:
    """Make text that starts like a spreadsheet formula stay text.

    Strings starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (or the
    full-width ``＝ ＋ － ＠`` that Chinese input methods produce) get a leading
    apostrophe, so Excel/WPS show them instead of running them. Plain numbers such as
    ``"-3.5"`` or ``"+12"`` and a lone ``"-"`` (a common "none" placeholder) cannot run
    and are kept. Non-strings are returned unchanged. Escaping twice changes nothing.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        The value, with ``'`` prepended when it is formula-like text.

    Examples
    --------
    >>> escape_formula('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> escape_formula("-3.5"), escape_formula(12), escape_formula("卧龙区")
    ('-3.5', 12, '卧龙区')
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if value == "-" or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _spreadsheet_frame(df: pd.DataFrame, *, max_wkt_chars: int | None = None) -> pd.DataFrame:
    """A plain DataFrame for CSV/XLSX: named index as columns, geometry as WKT, text escaped.

    Works by column position, so duplicate column names survive, and on a copy, so the
    caller's frame is never changed.
    """
    if any(name is not None for name in df.index.names):
        df = df.reset_index(allow_duplicates=True)
    frame = pd.DataFrame(df, copy=True)
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if _is_geometry_column(column):
            wkt = pd.Series(_wkt(column), index=frame.index, dtype=object)
            if max_wkt_chars is not None:
                too_long = wkt.str.len() > max_wkt_chars
                if too_long.any():
                    logger.warning(
                        "%d geometries in column '%s' are longer than an Excel cell holds "
                        "(%d characters) and are left empty; write .gpkg or .csv for them",
                        int(too_long.sum()),
                        frame.columns[i],
                        max_wkt_chars,
                    )
                    wkt = wkt.where(~too_long, None)
            frame.isetitem(i, wkt)
        elif (
            pd.api.types.is_object_dtype(column.dtype)
            or pd.api.types.is_string_dtype(column.dtype)
            or isinstance(column.dtype, pd.CategoricalDtype)
        ):
            frame.isetitem(i, column.astype(object).map(escape_formula))
    frame.columns = [escape_formula(c) for c in frame.columns]
    return frame


def _write_parquet_table(df: pd.DataFrame, target: Path) -> None:
    import pyarrow

    with atomic_path(target) as temp:
        try:
            df.to_parquet(temp)  # a GeoDataFrame writes GeoParquet
        except (pyarrow.ArrowException, ValueError) as err:
            raise OutputError(
                f"{target.name}: cannot be written as Parquet ({_one_line(err)}); make each "
                "column hold one type, or write .csv or .xlsx"
            ) from err


def write_table(df: pd.DataFrame, path: PathLike, *, sheet_name: str = "Sheet1") -> Path:
    """Write a table, format chosen by extension, atomically.

    ``.csv`` is UTF-8 with a byte-order mark (``utf-8-sig``) so Excel shows Chinese text;
    ``.xlsx`` goes through :func:`write_xlsx_sheets` (bold frozen header, filter, fitted
    widths); ``.parquet`` is GeoParquet for a GeoDataFrame, else plain Parquet;
    ``.gpkg``/``.geojson``/``.shp`` delegate to :func:`write_vector` and need a
    GeoDataFrame. In CSV and XLSX, geometry columns become WKT text and formula-like text
    is escaped (:func:`escape_formula`). A named index is written as columns.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        Table to write; never modified.
    path : str or os.PathLike
        Output file; its folder must exist.
    sheet_name : str
        Sheet name for ``.xlsx``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        Unknown extension, missing folder, or a plain table sent to a vector format.

    Examples
    --------
    >>> write_table(ledger, "整改台账.xlsx", sheet_name="台账")           # doctest: +SKIP
    PosixPath('整改台账.xlsx')
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in VECTOR_DRIVERS:
        if not isinstance(df, gpd.GeoDataFrame):
            raise OutputError(
                f"{target.name}: the table has no geometry, so it cannot be written as "
                f"{VECTOR_DRIVERS[suffix]}; write .csv, .xlsx or .parquet, or pass a GeoDataFrame"
            )
        return write_vector(df, target)
    if suffix not in (".csv", ".xlsx", *PARQUET_SUFFIXES):
        raise OutputError(f"{target.name}: unknown output type '{suffix}'; {_TABLE_TYPES}")
    _check_target(target)
    if suffix == ".csv":
        frame = _spreadsheet_frame(df)
        with atomic_path(target) as temp:
            frame.to_csv(temp, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        write_xlsx_sheets({sheet_name: df}, target)
    else:
        _write_parquet_table(df, target)
    logger.info("wrote %d rows to %s", len(df), target)
    return target


# --------------------------------------------------------------------------- xlsx


def _sheet_title(name: object, used: set[str]) -> str:
    """An Excel-valid, unique sheet title: 31 characters, none of []:*?/\\ ."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", ILLEGAL_CHARACTERS_RE.sub("", str(name)))
    cleaned = cleaned.strip().strip("'").strip() or "Sheet"
    candidate, number = cleaned[:_SHEET_NAME_MAX], 1
    # Excel compares sheet names case-insensitively and reserves "History".
    while candidate.casefold() in used or candidate.casefold() == "history":
        number += 1
        suffix = f"({number})"
        candidate = cleaned[: _SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(candidate.casefold())
    if candidate != name:
        logger.info(
            "sheet %r is named %r in the workbook (Excel allows 31 characters, "
            "no []:*?/\\ and unique names)",
            name,
            candidate,
        )
    return candidate


class _CellCleaner:
    """Turns pandas/numpy values into what openpyxl writes correctly, counting truncations."""

    def __init__(self) -> None:
        self.truncated = 0

    def __call__(self, value: object) -> object:
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, numbers.Integral):
            value = int(value)
            # Excel keeps 15 digits: longer integers (ID numbers) would silently change.
            return value if abs(value) < _XLSX_MAX_EXACT_INT else str(value)
        if isinstance(value, numbers.Real):
            value = float(value)
            return value if math.isfinite(value) else None  # NaN/inf: empty, not a bad file
        if isinstance(value, dt.datetime):
            # Excel has no time zones: keep the wall-clock time (e.g. Beijing time).
            return value.replace(tzinfo=None) if value.tzinfo is not None else value
        if isinstance(value, (dt.date, dt.time, dt.timedelta)):
            return value
        if isinstance(value, bytes):
            return self._text(value.decode("utf-8", errors="replace"))
        with contextlib.suppress(TypeError, ValueError):
            if pd.isna(value):
                return None
        return self._text(str(value))

    def _text(self, text: str) -> str:
        text = escape_formula(ILLEGAL_CHARACTERS_RE.sub("", text))
        if len(text) > _XLSX_MAX_CHARS:
            self.truncated += 1
            text = text[:_XLSX_MAX_CHARS]
        return text


def _display_width(text: str) -> int:
    """Width in Excel column units: CJK and other wide characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_width(header: object, values: list[object]) -> float:
    best = _display_width(str(header)) + 1  # bold header text is a little wider
    for value in values:
        if value is None:
            continue
        text = f"{value:.10g}" if isinstance(value, float) else str(value)
        for line in text.splitlines() or [""]:
            if len(line) * 2 <= best:  # cannot be wider than twice its length: skip the work
                continue
            best = max(best, _display_width(line[:_XLSX_MAX_WIDTH]))
        if best >= _XLSX_MAX_WIDTH:
            break
    return float(min(max(best + 2, _XLSX_MIN_WIDTH), _XLSX_MAX_WIDTH))


def _fill_sheet(ws: Any, frame: pd.DataFrame, title: str | None) -> None:
    clean = _CellCleaner()
    header_row = 1
    if title:
        ws.append([clean(title)])
        ws.cell(row=1, column=1).font = Font(bold=True, size=14)
        header_row = 2
    headers = [clean(c) for c in frame.columns]
    ws.append(headers)
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    columns = [[clean(v) for v in frame.iloc[:, i].tolist()] for i in range(frame.shape[1])]
    for row in zip(*columns, strict=True):
        ws.append(row)
    if clean.truncated:
        logger.warning(
            "sheet '%s': %d texts longer than %d characters were cut to fit an Excel cell",
            ws.title,
            clean.truncated,
            _XLSX_MAX_CHARS,
        )
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
    if headers:
        last = get_column_letter(len(headers))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(frame)}"
    for i, (header, values) in enumerate(zip(headers, columns, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = _column_width(header, values)


def write_xlsx_sheets(
    sheets: Mapping[str, pd.DataFrame],
    path: PathLike,
    *,
    title_rows: Mapping[str, str] | None = None,
) -> Path:
    """Write several tables as sheets of one Excel workbook, atomically.

    Each sheet gets a bold, frozen header row with a filter, column widths fitted to the
    content (Chinese characters count double), and optionally a bold title row above the
    header. Numbers stay numbers, missing values are empty cells, geometry is WKT text,
    formula-like text is escaped (:func:`escape_formula`), integers with more than 15
    digits (ID numbers) are written as text so Excel cannot round them, and time zones are
    dropped (Excel has none; the wall-clock time is kept). Sheet names are made valid for
    Excel (31 characters, no ``[]:*?/\\``, unique).

    Parameters
    ----------
    sheets : Mapping[str, pandas.DataFrame]
        Sheet name -> table, in workbook order.
    path : str or os.PathLike
        Output ``.xlsx`` file; its folder must exist.
    title_rows : Mapping[str, str], optional
        Sheet name -> title written above that sheet's header.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        ``path`` is not ``.xlsx`` or its folder is missing.
    OptionError
        No sheets, or titles for sheets that are not written.

    Examples
    --------
    >>> write_xlsx_sheets({"风险源": sources, "汇总": summary}, "周报.xlsx",
    ...                   title_rows={"汇总": "饮用水水源保护区风险源汇总"})   # doctest: +SKIP
    PosixPath('周报.xlsx')
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(
            f"{target.name}: a workbook needs the .xlsx extension; give a path ending in .xlsx"
        )
    _check_target(target)
    if not sheets:
        raise OptionError("no sheets to write; give at least one {sheet name: DataFrame}")
    titles = dict(title_rows or {})
    unknown = [name for name in titles if name not in sheets]
    if unknown:
        raise OptionError(
            f"title_rows names sheets that are not written ({_list(unknown)}); "
            "use the same names as in sheets"
        )
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for name, df in sheets.items():
        ws = workbook.create_sheet(_sheet_title(name, used))
        _fill_sheet(ws, _spreadsheet_frame(df, max_wkt_chars=_XLSX_MAX_CHARS), titles.get(name))
    with atomic_path(target) as temp:
        workbook.save(temp)
    return target


# --------------------------------------------------------------------------- file names


def safe_filename(name: str, *, max_length: int = 80) -> str:
    """Turn any area name into a file stem that is safe on Windows, macOS and Linux.

    Letters (Chinese included), digits and ``- _ . + ( ) （ ） 【 】 ·`` are kept; every run
    of anything else (path separators, spaces, control characters, ``<>:"/\\|?*``) and
    leading dots become one ``_``, so a name can never climb out of its folder or hide.
    Windows device names (``CON``, ``NUL``, ``COM1`` ...) get a ``_`` prefix; an empty
    result is ``"_"``. The result has at most ``max_length`` characters (80 Chinese
    characters are 240 bytes, under the usual 255-byte limit).

    Parameters
    ----------
    name : str
        Any text, e.g. a township name.
    max_length : int
        Maximum length in characters, at least 1.

    Returns
    -------
    str
        A file stem (add the extension yourself).

    Raises
    ------
    OptionError
        ``max_length`` is less than 1.

    Examples
    --------
    >>> safe_filename("卧龙区 / 七里园乡")
    '卧龙区_七里园乡'
    >>> safe_filename("../etc/passwd"), safe_filename("CON"), safe_filename("")
    ('_etc_passwd', '_CON', '_')
    """
    if max_length < 1:
        raise OptionError(f"max_length must be at least 1, got {max_length}")
    text = unicodedata.normalize("NFC", str(name))  # one spelling for composed characters
    stem = _SAFE_NAME_RUN.sub("_", text)[:max_length] or "_"
    if stem.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem[: max_length - 1]
    return stem
