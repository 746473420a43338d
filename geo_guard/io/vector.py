"""Vector files in and out (pyogrio/GDAL, fiona as an alternative), and tables by extension.

Readers turn every "cannot open" into one :class:`~geo_guard._errors.InputFileError` line;
writers pick the format from the extension and never leave a half-written file behind
(:mod:`geo_guard.files`). CSV and XLSX go through :mod:`geo_guard.spreadsheets`, which
keeps typed text from running as a formula.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> gdf = gpd.GeoDataFrame({"名称": ["卧龙区"]}, geometry=[Point(350000, 3650000)],
...                        crs="EPSG:4547")
>>> path = write_vector(gdf, tmp / "sources.gpkg")
>>> read_vector(path).crs.to_epsg()
4547
"""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely.errors

from geo_guard._errors import InputFileError, OptionError, OutputError, name_list
from geo_guard.io.csv_writer import write_csv
from geo_guard.io.files import (
    PathLike,
    atomic_path,
    check_target,
    output_target,
    replace_file,
    temp_folder,
    write_error,
)
from geo_guard.io.gdal_text import nul_free
from geo_guard.io.gdal_warnings import gdal_warnings
from geo_guard.io.geoparquet import write_parquet
from geo_guard.io.spreadsheets import (
    is_geometry_column,
    wkt_text,
    write_xlsx_sheets,
)

__all__ = [
    "ENGINES",
    "VECTOR_DRIVERS",
    "read_vector",
    "write_table",
    "write_vector",
    "write_vector_layers",
]

logger = logging.getLogger(__name__)


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
                f"{source}: has no layer with geometry (only tables: {name_list(names)}); "
                f"{_READ_HINT}"
            )
        if len(names) > 1:
            logger.info(
                "%s has %d layers (%s); reading '%s', pass layer= to choose another",
                source,
                len(names),
                name_list(names),
                spatial[0],
            )
        return spatial[0]
    if isinstance(layer, int) and not isinstance(layer, bool):
        if not 0 <= layer < len(names):
            raise InputFileError(
                f"{source}: no layer number {layer}; available layers: {name_list(names)} "
                f"(numbers 0 to {len(names) - 1})"
            )
        index = layer
    elif str(layer) in names:
        index = names.index(str(layer))
    else:
        raise InputFileError(f"{source}: no layer '{layer}'; available layers: {name_list(names)}")
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
    >>> canal_file = read_vector("data/boundaries/canal.geojson")
    >>> len(canal_file), canal_file.crs.to_epsg()
    (9, 4326)
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
        try:  # GDAL's warnings are dropped when the read fails: the error says more
            with gdal_warnings() as gdal_said:
                gdf = gpd.read_file(source, layer=layer_name, engine=engine)
        except _gdal_errors(engine) as err:
            raise _unreadable(source, err) from err
        except shapely.errors.GEOSException as err:
            # GDAL read it, but a feature is no geometry: a line with one point, an
            # unclosed ring.
            raise InputFileError(
                f"{source}: a feature's geometry cannot be built ({_one_line(err, source)}); "
                "a line needs two points and a ring must close: fix or delete that feature "
                "(QGIS: Vector > Geometry Tools > Check Validity)"
            ) from None
        except UnicodeDecodeError:
            # Typically a Shapefile whose Chinese field names other software cut at 10 bytes,
            # in the middle of a character.
            raise InputFileError(
                f"{source}: some field names or values are not valid text (a Shapefile whose "
                "Chinese field names were cut at 10 bytes?); open it in QGIS and save it as "
                "a GeoPackage, or rename those fields"
            ) from None
        for text in gdal_said:
            logger.warning("%s: GDAL: %s", source, text)
    if not isinstance(gdf, gpd.GeoDataFrame):  # GDAL returned an attribute-only table
        raise InputFileError(f"{source}: has no geometry column; {_READ_HINT}")
    logger.debug("read %d features from %s", len(gdf), source)
    return gdf


# --------------------------------------------------------------------------- vector writing


def _extra_geometries_to_wkt(gdf: gpd.GeoDataFrame, target: Path) -> gpd.GeoDataFrame:
    """GDAL formats hold one geometry column; others are written as WKT text, not dropped."""
    active = gdf.geometry.name
    extra = [c for c in gdf.columns if c != active and is_geometry_column(gdf[c])]
    if not extra:
        return gdf
    gdf = gdf.copy()
    for column in extra:
        gdf[column] = wkt_text(gdf[column])
    logger.info("%s: extra geometry columns written as WKT text: %s", target.name, name_list(extra))
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
            f"{name_list(sorted(kinds))}; write .gpkg instead or split the data by geometry type"
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
    if driver == "GeoJSON":  # text like "[[0]]" stays text, not a JSON array (GDAL >= 3.8)
        options["AUTODETECT_JSON_STRINGS"] = "NO"
    if layer is not None:
        options["layer"] = layer
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            gdf.to_file(temp, driver=driver, engine=engine, **options)
        except _gdal_errors(engine) as err:
            if "No space left" in str(err) or "disk is full" in str(err):
                raise write_error(OSError(errno.ENOSPC, "No space left on device"), target) from err
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
    with temp_folder(target) as workdir:
        _to_file(gdf, workdir / target.name, target, driver="ESRI Shapefile", engine=engine)
        parts = sorted(workdir.iterdir(), key=lambda p: p.suffix.lower() == ".shp")
        new_suffixes = {p.suffix.lower() for p in parts}
        for old in target.parent.glob(glob.escape(target.stem) + ".*"):
            suffix = old.suffix.lower()
            if old.stem == target.stem and suffix in _SHAPEFILE_SIDECARS - new_suffixes:
                logger.debug("removing stale %s", old)
                old.unlink()
        for part in parts:
            replace_file(part, target.with_name(part.name))


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
                name_list(others),
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
    >>> write_vector(canal.centerline(), tmp / "canal.shp").name
    'canal.shp'
    """
    _check_engine(engine)
    target = output_target(path, (*VECTOR_DRIVERS, *PARQUET_SUFFIXES), _VECTOR_TYPES, "vector")
    gdf = _require_geometry(gdf, target)
    suffix = target.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        with atomic_path(target) as temp:
            gdf.to_parquet(temp)
    else:
        driver = VECTOR_DRIVERS[suffix]
        gdf = nul_free(_extra_geometries_to_wkt(gdf, target), target)
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
    >>> from geo_guard import build_zones
    >>> zones = build_zones(canal, rules)
    >>> first, second = zones[zones.zone_level == 1], zones[zones.zone_level == 2]
    >>> write_vector_layers({"一级保护区": first, "二级保护区": second},
    ...                     tmp / "zones.gpkg").name
    'zones.gpkg'
    """
    _check_engine(engine)
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise OutputError(
            f"{target.name}: several layers need a GeoPackage; give a path ending in .gpkg"
        )
    check_target(target)
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
        frames[name] = nul_free(_extra_geometries_to_wkt(frame, target), target)
    with atomic_path(target) as temp:
        for name, frame in frames.items():
            _to_file(frame, temp, target, driver="GPKG", engine=engine, layer=name)
    logger.info("wrote %d layers to %s", len(frames), target)
    return target


# --------------------------------------------------------------------------- tables


def write_table(df: pd.DataFrame, path: PathLike, *, sheet_name: str = "Sheet1",
                decimals: Mapping[Any, int] | None = None) -> Path:
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
    decimals : mapping, optional
        ``.csv``: float columns with that many decimals (:func:`write_csv`).

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
    >>> ledger = pd.DataFrame({"问题": ["养殖场"], "整改时限": ["2021-12-31"]})
    >>> write_table(ledger, tmp / "整改台账.xlsx", sheet_name="台账").name
    '整改台账.xlsx'
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
    check_target(target)
    if suffix == ".csv":
        write_csv(df, target, decimals=decimals)
    elif suffix == ".xlsx":
        write_xlsx_sheets({sheet_name: df}, target)
    else:
        write_parquet(df, target)
    logger.info("wrote %d rows to %s", len(df), target)
    return target
