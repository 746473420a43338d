"""What goes into the ledger besides the workflow: field forms mapped to problem fields,
repeat findings against brute force, the responsibility table, and field photos with
real GPS EXIF written by Pillow."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
from PIL import ExifTags, Image, TiffImagePlugin

from geo_guard import Canal, GeoGuardError, load_rules
from geo_guard.crs import wgs84_to_gcj02
from geo_guard.io import read_table
from geo_guard.ledger import init_ledger
from geo_guard.ledger.dedup import match_findings
from geo_guard.ledger.findings import import_findings, parse_day
from geo_guard.ledger.photos import photo_exif, read_photos
from geo_guard.ledger.responsibility import load_responsibility, responsibility_from_text

from .conftest import ROOT, SAMPLE
from .test_ledger import BASE, offset

GEOD = pyproj.Geod(ellps="WGS84")
EXAMPLE = ROOT / "data" / "ledger" / "responsibility.example.toml"


@pytest.fixture(scope="module")
def canal() -> Canal:
    return Canal.from_file(SAMPLE / "canal.geojson")


@pytest.fixture(scope="module")
def rules():
    return load_rules(SAMPLE / "zone_rules.example.toml")


# ------------------------------------------------------------------ forms -> fields
def test_the_attachment2_form_itself_is_imported(tmp_path: Path, canal, rules) -> None:
    """附件2 as a township fills it (title row, the seed's headers, coordinates added)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["附件2 乡镇（街道）专项行动排查情况统计表"])
    ws.append(["序号", "乡镇（街道）", "行政村", "风险源类型", "保护区类型", "风险源描述",
               "整改措施", "整改时限", "排查责任人", "经度", "纬度", "问题来源", "发现日期"])
    lon, lat = BASE
    ws.append([1, "百里奚街道", "示意村", "养殖场", "一级保护区", "生猪散养约30头", "关停",
               dt.datetime(2021, 11, 30), "张三", lon, lat, "上级交办", dt.datetime(2021, 9, 18)])
    ws.append([2, "百里奚街道", "示意村", "排污口", "二级保护区", "生活污水直排", "封堵",
               "立行立改", "李四", lon + 0.01, lat, "APP推送", "2021.9.19"])
    ws.append([3, "百里奚街道", "示意村", "工业企业", "二级保护区", "小作坊", "取缔",
               "2021/12/31", "", lon + 0.02, lat, "", ""])
    path = tmp_path / "附件2.xlsx"
    wb.save(path)
    led = init_ledger(tmp_path / "l.gpkg")
    table = load_responsibility(EXAMPLE)
    result = import_findings(led, read_table(path), canal, rules, found_on=dt.date(2021, 9, 20),
                             by="王某", responsibility=table, source_name=path.name)
    assert result.new == 3
    p = led.problems(as_of=dt.date(2021, 10, 1))
    assert p["township"].tolist() == ["百里奚街道"] * 3 and p["village"].tolist() == ["示意村"] * 3
    assert p["description"].tolist() == ["生猪散养约30头", "生活污水直排", "小作坊"]
    assert p["measure"].tolist() == ["关停", "封堵", "取缔"]
    assert p["deadline"].tolist()[0] == dt.date(2021, 11, 30)
    assert p["deadline"].tolist()[1] is pd.NaT and p["deadline"].tolist()[2] == dt.date(2021, 12,
                                                                                        31)
    assert p["found_by"].tolist() == ["张三", "李四", "王某"]
    assert p["origin"].tolist() == ["上级交办", "APP推送", "排查"]
    assert p["found_on"].tolist() == [dt.date(2021, 9, 18), dt.date(2021, 9, 19),
                                      dt.date(2021, 9, 20)]
    assert p["unit"].tolist() == ["社会事业局", "住房建设和生态环境局", "住房建设和生态环境局"]
    assert p["status"].tolist() == ["待交办"] * 3  # a suggested unit is not an assignment
    notes = led.events()["note"].tolist()
    assert notes[0] == "导入 附件2.xlsx 第 1 行"
    assert notes[1] == "导入 附件2.xlsx 第 2 行；整改时限原文：立行立改"


@pytest.mark.parametrize(("text", "day"), [
    ("2021-11-30", dt.date(2021, 11, 30)), ("2021/11/3", dt.date(2021, 11, 3)),
    ("2021年11月30日", dt.date(2021, 11, 30)), ("2021.11.30前", dt.date(2021, 11, 30)),
    ("20211130", dt.date(2021, 11, 30)), (44530, dt.date(2021, 11, 30)),
    (dt.datetime(2021, 11, 30, 8), dt.date(2021, 11, 30)), ("立行立改", None), ("", None),
    ("2021-02-30", None), (None, None), (float("nan"), None),
])
def test_dates_as_people_type_them(text: object, day: dt.date | None) -> None:
    assert parse_day(text) == day


# --------------------------------------------------------------- repeats, brute force
def test_repeat_findings_match_a_brute_force_walk() -> None:
    """Random findings against open problems: nearest same-type within 30 m, in order."""
    rng = np.random.default_rng(3)
    types = np.array(["畜禽养殖", "排污口", "工业企业"])

    def scatter(n: int) -> pd.DataFrame:
        east, north = rng.uniform(-300, 300, n), rng.uniform(-300, 300, n)
        lon, lat, _ = GEOD.fwd(np.full(n, BASE[0]), np.full(n, BASE[1]), np.degrees(
            np.arctan2(east, north)), np.hypot(east, north))
        return pd.DataFrame({"lon": lon, "lat": lat, "source_type": rng.choice(types, n)})

    existing, new = scatter(150), scatter(400)

    def distances(row: pd.Series, others: pd.DataFrame) -> np.ndarray:
        n = len(others)
        return GEOD.inv(np.full(n, row["lon"]), np.full(n, row["lat"]),
                        others["lon"].to_numpy(), others["lat"].to_numpy())[2]

    # the walk: each finding looks at the open problems, then at earlier new findings
    expect_existing, expect_earlier, heads = [], [], []
    for i, row in new.iterrows():
        same = existing[existing["source_type"] == row["source_type"]]
        d = distances(row, same)
        assert not np.any(np.abs(d - 30) < 0.05)  # no borderline case
        if (d <= 30).any():
            expect_existing.append(int(same.index[np.argmin(d)]))
            expect_earlier.append(-1)
            continue
        earlier = new.loc[heads]
        earlier = earlier[earlier["source_type"] == row["source_type"]]
        d = distances(row, earlier)
        expect_existing.append(-1)
        expect_earlier.append(int(earlier.index[np.argmin(d)]) if (d <= 30).any() else -1)
        if not (d <= 30).any():
            heads.append(i)
    got = match_findings(new, existing, radius_m=30)
    assert got["existing"].tolist() == expect_existing
    assert got["earlier"].tolist() == expect_earlier
    assert (np.array(expect_existing) >= 0).sum() > 20 and (np.array(expect_earlier) >= 0).sum() > 5


# ------------------------------------------------------------------- responsibility
def test_the_shipped_table_follows_the_seed() -> None:
    table = load_responsibility(EXAMPLE)
    cases = {
        ("工业企业", ""): "住房建设和生态环境局",
        ("排污口", ""): "住房建设和生态环境局",
        ("其他", "城镇生活垃圾堆放"): "城市管理和综合执法局",
        ("排污口", "城市污水管网溢流"): "城市管理和综合执法局",
        ("畜禽养殖", ""): "社会事业局",
        ("其他", "种植大棚化肥流失"): "社会事业局",
        ("其他", "廊道绿化缺株断档"): "社会事业局",
        ("旅游餐饮", "农家乐"): "百里奚街道办事处",
    }
    for (kind, text), unit in cases.items():
        assert table.unit_for(kind, text) == unit, (kind, text)
    assert "示例" in EXAMPLE.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize(("text", "message"), [
    ("[[rules]\nunit = 1", "not valid TOML"),
    ('[[rules]]\nsource_types = ["排污口"]', "has no unit"),
    ('[[rules]]\nunit = "甲"', "matches nothing"),
    ('[[rules]]\nunit = "甲"\nsource_types = "排污口"', "must be a list"),
    ('[[rules]]\nunit = "甲"\nkeywords = ["a"]\nwidth = 3', "unknown key"),
    ("", "nothing to suggest"),
])
def test_a_broken_table_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(GeoGuardError, match=message):
        responsibility_from_text(text, source="职责.toml")


# --------------------------------------------------------------------------- photos
def _rational(value: float) -> TiffImagePlugin.IFDRational:
    f = Fraction(value).limit_denominator(1_000_000)
    return TiffImagePlugin.IFDRational(f.numerator, f.denominator)


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return _rational(d), _rational(m), _rational(round(s, 4))


def make_photo(path: Path, lon: float | None, lat: float | None,
               taken: str | None = "2021:10:20 10:31:05") -> Path:
    """A real JPEG with GPS EXIF, as a phone writes it."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "test-phone"
    if lon is not None and lat is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    Image.new("RGB", (16, 12), "green").save(path, exif=exif)
    return path


def test_exif_position_and_time_are_read(tmp_path: Path) -> None:
    info = photo_exif(make_photo(tmp_path / "a.jpg", 112.512345, 32.987654))
    assert info["lon"] == pytest.approx(112.512345, abs=1e-6)
    assert info["lat"] == pytest.approx(32.987654, abs=1e-6)
    assert info["taken_at"] == dt.datetime(2021, 10, 20, 10, 31, 5) and info["reason"] == ""
    south_west = photo_exif(make_photo(tmp_path / "b.jpg", -70.25, -33.5, taken=None))
    assert (south_west["lon"], south_west["lat"]) == pytest.approx((-70.25, -33.5), abs=1e-6)
    assert south_west["taken_at"] is None
    assert "no GPS" in photo_exif(make_photo(tmp_path / "c.jpg", None, None))["reason"]
    (tmp_path / "d.jpg").write_bytes(b"not an image")
    assert "cannot read" in photo_exif(tmp_path / "d.jpg")["reason"]
    (tmp_path / "e.heic").write_bytes(b"....ftypheic")
    assert "HEIC" in photo_exif(tmp_path / "e.heic")["reason"]


def test_photos_go_to_the_open_problem_within_50_m(tmp_path: Path) -> None:
    led = init_ledger(tmp_path / "l.gpkg")
    points = [offset(0, 0), offset(300, 0), offset(600, 0)]
    led.register(pd.DataFrame({"lon": [p[0] for p in points], "lat": [p[1] for p in points],
                               "source_type": ["排污口", "畜禽养殖", "工业企业"],
                               "found_on": ["2021-09-20"] * 3}))
    led.assign([3], unit="u", person="p", deadline="2021-12-01", measure="m")
    led.done(3, "完成")
    led.close(3, "销号")  # a closed problem takes no more photos
    folder = tmp_path / "照片"
    (folder / "10月20日").mkdir(parents=True)
    make_photo(folder / "near1.jpg", *offset(20, 0))            # 20 m from 1
    make_photo(folder / "10月20日" / "near2.jpg", *offset(300, 45))  # 45 m from 2
    make_photo(folder / "far.jpg", *offset(150, 0))             # 150 m from both
    make_photo(folder / "closed.jpg", *offset(605, 0))          # 5 m from closed 3
    make_photo(folder / "nogps.jpg", None, None)
    gcj = wgs84_to_gcj02(*offset(10, 0))
    make_photo(folder / "amap.jpg", float(gcj[0]), float(gcj[1]))  # an app's GCJ-02 stamp
    photos = read_photos(folder)
    assert photos["file"].tolist() == ["10月20日/near2.jpg", "amap.jpg", "closed.jpg", "far.jpg",
                                       "near1.jpg", "nogps.jpg"]
    out = led.attach_photos(photos, by="巡查员").set_index("file")
    assert out["outcome"].to_dict() == {"10月20日/near2.jpg": "已关联", "amap.jpg": "未匹配",
                                        "closed.jpg": "未匹配", "far.jpg": "未匹配",
                                        "near1.jpg": "已关联", "nogps.jpg": "未匹配"}
    assert out.loc["near1.jpg", "problem_id"] == 1 and out.loc["near1.jpg", "distance_m"] == \
        pytest.approx(20, abs=0.1)
    assert out.loc["10月20日/near2.jpg", "problem_id"] == 2
    assert "no open problem within 50 m" in out.loc["far.jpg", "reason"]
    assert "no GPS" in out.loc["nogps.jpg", "reason"]
    events = led.events()
    photos_1 = events[(events["action"] == "附件") & (events["problem_id"] == 1)]
    assert photos_1["attachment"].tolist() == ["near1.jpg"]
    assert "2021-10-20 10:31" in photos_1["note"].iloc[0]
    _, data = led.attachment(int(photos_1["attachment_id"].iloc[0]))
    assert data == (folder / "near1.jpg").read_bytes()
    # the same folder again: nothing twice; read as GCJ-02 the app's photo finds problem 1
    again = led.attach_photos(read_photos(folder)).set_index("file")
    assert again.loc["near1.jpg", "outcome"] == "已有"
    assert len(led.events()) == len(events)
    amap = led.attach_photos(read_photos(folder, crs="gcj02")).set_index("file")
    assert amap.loc["amap.jpg", "outcome"] == "已关联" and amap.loc["amap.jpg", "problem_id"] == 1
    assert amap.loc["amap.jpg", "distance_m"] == pytest.approx(10, abs=1.0)
    assert led.problems()["status"].tolist() == ["待交办", "待交办", "已销号"]
    assert led.verify().empty
