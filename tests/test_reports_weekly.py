"""The weekly report: its week, what it selects, 周报.docx, 周报.html and the pictures.

Expected numbers are counted by hand from the table in ``report_frames.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn
from PIL import Image

from geo_guard import Canal, build_zones, load_rules
from geo_guard._errors import OptionError
from geo_guard.reports import (
    WEEKLY_FILES,
    charts,
    report_week,
    weekly_digest,
    write_weekly_docx,
    write_weekly_report,
)
from geo_guard.reports.digest import STATUS_COLOURS
from geo_guard.reports.weekly import SECTION_HEADINGS

from .conftest import SAMPLE
from .report_frames import (
    AS_OF,
    HOSTILE_FORMULA,
    HOSTILE_SCRIPT,
    HOSTILE_TEMPLATE,
    ledger_events,
    ledger_problems,
)


def ids(frame: pd.DataFrame) -> list[int]:
    return sorted(int(i) for i in frame["problem_id"])


# --------------------------------------------------------------------------- the week


def thursday_on_or_before(day: dt.date) -> dt.date:
    """Brute force: walk back one day at a time to a Thursday (ISO weekday 4)."""
    while day.isoweekday() != 4:
        day -= dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("as_of", [dt.date(2021, 10, 8) + dt.timedelta(days=k)
                                   for k in range(8)] + [dt.date(2022, 1, 1),
                                                         dt.date(2024, 2, 29)])
def test_week_ends_on_the_last_thursday_on_or_before_as_of(as_of: dt.date) -> None:
    week = report_week(as_of)
    assert week.end == thursday_on_or_before(as_of)
    assert week.start == week.end - dt.timedelta(days=6)
    assert week.start.isoweekday() == 5  # a Friday
    assert week.end in week and week.start in week
    assert week.end - dt.timedelta(days=7) not in week
    assert week.end + dt.timedelta(days=1) not in week


def test_fixed_weeks() -> None:
    assert report_week(dt.date(2021, 10, 14)).label == "2021年10月8日—2021年10月14日"
    assert report_week(dt.date(2021, 10, 13)).end == dt.date(2021, 10, 7)  # Wednesday
    assert report_week(dt.date(2021, 10, 15)).end == dt.date(2021, 10, 14)  # Friday
    assert report_week(dt.datetime(2021, 10, 14, 23, 59)).end == dt.date(2021, 10, 14)
    assert report_week(dt.date(2022, 1, 1)).start == dt.date(2021, 12, 24)
    with pytest.raises(OptionError, match="not a date"):
        report_week("下周四")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- selections


def test_digest_selects_by_hand_counted_dates() -> None:
    digest = weekly_digest(ledger_problems(), ledger_events(), AS_OF)
    assert ids(digest.problems) == [1, 2, 3, 4, 5, 6, 8, 9, 10]  # 7 is found after the week
    assert ids(digest.new) == [2, 3, 9]  # found 10-08 (first day), 10-14 (last), 10-09
    assert ids(digest.rectified) == [4, 10]
    assert ids(digest.closed) == [5]  # 6 was closed 10-07, the day before the week
    assert ids(digest.overdue) == [1, 8]
    assert ids(digest.due_soon) == [3]
    assert ids(digest.open) == [1, 2, 3, 4, 8, 9, 10]
    assert digest.status_counts() == {"待交办": 2, "已交办": 1, "整改中": 2, "已整改": 2,
                                      "已销号": 2}
    assert dict(digest.actions.to_numpy().tolist()) == {"交办": 2, "整改完成": 1, "销号": 1}


def test_flags_are_computed_when_the_frame_has_none() -> None:
    problems = ledger_problems().drop(columns=["overdue", "due_soon"])
    digest = weekly_digest(problems, None, AS_OF)
    assert ids(digest.overdue) == [1, 8] and ids(digest.due_soon) == [3]
    assert digest.actions.empty


def test_a_later_week_sees_the_later_problem() -> None:
    digest = weekly_digest(ledger_problems(), ledger_events(), dt.date(2021, 10, 21))
    assert ids(digest.new) == [7] and 7 in ids(digest.problems)
    assert dict(digest.actions.to_numpy().tolist()) == {"登记": 1}


def test_plain_frames_and_text_dates_are_accepted() -> None:
    problems = pd.DataFrame(ledger_problems().drop(columns="geometry"))
    problems["found_on"] = problems["found_on"].astype(str)  # ISO text, as from a CSV
    problems["deadline"] = pd.to_datetime(problems["deadline"])  # datetime64 with NaT
    digest = weekly_digest(problems, None, AS_OF)
    assert ids(digest.new) == [2, 3, 9] and ids(digest.overdue) == [1, 8]


def test_missing_columns_are_one_clear_error() -> None:
    with pytest.raises(OptionError, match=r"lacks column\(s\) closed_on"):
        weekly_digest(ledger_problems().drop(columns="closed_on"), None, AS_OF)
    with pytest.raises(OptionError, match="events table lacks column"):
        weekly_digest(ledger_problems(), ledger_events().drop(columns="action"), AS_OF)


# --------------------------------------------------------------------------- 周报.docx


@pytest.fixture(scope="module")
def canal_and_zones() -> tuple[Canal, object]:
    canal = Canal.from_file(SAMPLE / "canal.geojson")
    return canal, build_zones(canal, load_rules(SAMPLE / "zone_rules.example.toml"))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, canal_and_zones: tuple) -> dict[str, Path]:
    canal, zones = canal_and_zones
    folder = tmp_path_factory.mktemp("report") / "第42周"
    paths = write_weekly_report(ledger_problems(), ledger_events(), dt.date(2021, 10, 15),
                                folder, unit="示意镇甲", canal=canal, zones=zones,
                                basemap="none")
    return {p.name: p for p in paths}


def blocks(path: Path) -> list[tuple[str, object]]:
    """The document body in order: ("h1"/"h2"/"p", text) and ("table", rows)."""
    document = docx.Document(str(path))
    out: list[tuple[str, object]] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = docx.text.paragraph.Paragraph(element, document)
            style = paragraph.style.name
            kind = {"Heading 1": "h1", "Heading 2": "h2"}.get(style, "p")
            if element.findall(".//" + qn("w:drawing")):
                out.append(("picture", None))
            elif paragraph.text:
                out.append((kind, paragraph.text))
        elif element.tag == qn("w:tbl"):
            table = docx.table.Table(element, document)
            out.append(("table", [[c.text for c in row.cells] for row in table.rows]))
    return out


def section(parts: list[tuple[str, object]], heading: str) -> list[tuple[str, object]]:
    start = next(i for i, (k, t) in enumerate(parts) if k == "h1" and str(t).startswith(heading))
    end = next((i for i in range(start + 1, len(parts)) if parts[i][0] == "h1"), len(parts))
    return parts[start + 1: end]


def test_files_of_the_weekly_report(report: dict[str, Path]) -> None:
    assert list(report) == list(WEEKLY_FILES)
    folder = next(iter(report.values())).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(WEEKLY_FILES)  # no temp files


def test_docx_sections_and_counts(report: dict[str, Path]) -> None:
    parts = blocks(report["周报.docx"])
    assert parts[0] == ("p", "南水北调中线工程水源保护区生态环境保护专项行动周报")
    assert parts[1] == ("p", "（2021年10月8日—2021年10月14日）")
    assert parts[2] == ("p", "填报单位：示意镇甲    填报时间：2021年10月14日")
    headings = [t for k, t in parts if k == "h1"]
    assert headings == ["一、总体情况", "二、本周新增问题（3个）", "三、本周整改完成问题（2个）",
                        "四、本周销号问题（1个）", "五、超期未整改问题（2个）",
                        "六、临期问题（1个）", "七、分类统计", "八、问题分布"]
    assert [h.split("（")[0] for h in headings] == list(SECTION_HEADINGS)
    overview = str(section(parts, "一、")[0][1])
    for phrase in ("共登记问题9个", "待交办2个", "已交办1个", "整改中2个", "已整改2个",
                   "已销号2个", "未销号7个", "新增问题3个", "整改完成2个", "销号1个",
                   "超期未整改2个", "3日内到期1个"):
        assert phrase in overview, phrase
    actions = section(parts, "一、")[2][1]
    assert actions == [["动作", "次数"], ["交办", "2"], ["整改完成", "1"], ["销号", "1"]]

    def table_ids(heading: str) -> list[str]:
        (_, rows), = [p for p in section(parts, heading) if p[0] == "table"]
        return [row[0] for row in rows[1:]]

    assert table_ids("二、") == ["2", "3", "9"]
    assert table_ids("三、") == ["4", "10"]
    assert table_ids("四、") == ["5"]
    assert table_ids("五、") == ["1", "8"]  # most overdue first
    assert table_ids("六、") == ["3"]
    (_, overdue), = [p for p in section(parts, "五、") if p[0] == "table"]
    assert overdue[0][-1] == "超期天数" and [r[-1] for r in overdue[1:]] == ["4天", "1天"]
    assert overdue[2][3] == HOSTILE_FORMULA and HOSTILE_TEMPLATE in overdue[2][5]


def test_docx_count_tables(report: dict[str, Path]) -> None:
    counts = section(blocks(report["周报.docx"]), "七、")
    assert [t for k, t in counts if k == "h2"] == ["（一）按风险源类型", "（二）按保护区",
                                                   "（三）按行政村"]
    tables = [t for k, t in counts if k == "table"]
    header = ["问题数", "待交办", "已交办", "整改中", "已整改", "已销号", "超期"]
    zones = tables[1]
    assert zones[0] == ["保护区", *header]
    assert zones[1:] == [
        ["一级保护区", "3", "0", "1", "1", "0", "1", "1"],  # 2, 6, 8
        ["二级保护区", "4", "1", "0", "1", "2", "0", "1"],  # 1, 3, 4, 10
        ["准保护区", "1", "0", "0", "0", "0", "1", "0"],    # 5
        ["（未填）", "1", "1", "0", "0", "0", "0", "0"],    # 9
        ["合计", "9", "2", "1", "2", "2", "2", "2"],
    ]
    villages = {row[0]: row[1] for row in tables[2][1:]}
    assert villages == {"示意镇甲 甲一村": "3", "示意镇甲 甲二村": "2", "示意镇乙 乙一村": "2",
                        "示意镇乙 乙二村": "1", "（未填）": "1", "合计": "9"}
    types = {row[0]: row[1] for row in tables[0][1:]}
    assert types["排污口"] == "2" and types["合计"] == "9" and len(types) == 9


def test_docx_embeds_the_chart_and_the_map(report: dict[str, Path]) -> None:
    document = docx.Document(str(report["周报.docx"]))
    assert len(document.inline_shapes) == 2
    pictures = section(blocks(report["周报.docx"]), "八、")
    assert [k for k, _ in pictures] == ["picture", "p", "picture", "p"]
    images = [rel.target_part for rel in document.part.rels.values()
              if "image" in rel.reltype]
    assert len(images) == 2
    for part in images:
        assert part.content_type == "image/png"
        with Image.open(io.BytesIO(part.blob)) as image:
            assert image.width > 800 and image.height > 400


def test_docx_of_an_empty_week(tmp_path: Path) -> None:
    problems = ledger_problems()
    digest = weekly_digest(problems[problems["problem_id"] == 6], None, AS_OF)
    parts = blocks(write_weekly_docx(digest, tmp_path / "周报.docx"))
    assert ("p", "本周无新增问题。") in parts and ("p", "无超期未整改问题。") in parts
    assert ("p", "本周台账无办理记录。") in parts
    document = docx.Document(str(tmp_path / "周报.docx"))
    assert len(document.inline_shapes) == 2  # the map says there is nothing open


def test_an_empty_ledger_gives_a_complete_report(tmp_path: Path) -> None:
    paths = write_weekly_report(ledger_problems().iloc[:0], ledger_events().iloc[:0], AS_OF,
                                tmp_path / "空", basemap="none")
    assert [p.name for p in paths] == list(WEEKLY_FILES)
    parts = blocks(tmp_path / "空" / "周报.docx")
    assert ("h1", "二、本周新增问题（0个）") in parts
    overview = str(section(parts, "一、")[0][1])
    assert overview.startswith("截至2021年10月14日，问题整改台账共登记问题0个")


# --------------------------------------------------------------------------- 周报.html


def test_html_map_colours_statuses_and_escapes_text(report: dict[str, Path]) -> None:
    page = report["周报.html"].read_text(encoding="utf-8")
    for status, colour in STATUS_COLOURS.items():
        assert status in page and colour in page
    for word in ("问题状态", "超期未整改", "1 个问题没有坐标，未上图", "总干渠", "一级保护区"):
        assert word in page, word
    assert HOSTILE_SCRIPT not in page  # only escaped: \u003cimg ...
    assert "\\u003cimg src=x onerror=" in page
    assert "<script src=" not in page  # Leaflet inlined: works offline


def test_html_map_never_evaluates_template_text(report: dict[str, Path]) -> None:
    page = report["周报.html"].read_text(encoding="utf-8")
    assert HOSTILE_TEMPLATE in page  # carried as data, never evaluated by the template


# --------------------------------------------------------------------------- pictures


def test_pictures_without_a_cjk_font_still_draw_and_warn(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    charts._warn_no_font.cache_clear()
    with caplog.at_level(logging.WARNING, logger="geo_guard.reports.charts"):
        chart = charts.status_chart(ledger_problems())
        picture = charts.static_map(ledger_problems())
    charts._warn_no_font.cache_clear()
    assert chart.startswith(b"\x89PNG") and picture.startswith(b"\x89PNG")
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "fonts-noto-cjk" in warnings[0]


def test_pictures_take_user_text_literally() -> None:
    problems = ledger_problems()
    problems.loc[0, "source_type"] = "$\\frac{1}{0}$ 养殖"  # mathtext would fail on it
    problems.loc[1, "status"] = "自定义状态"
    assert charts.status_chart(problems).startswith(b"\x89PNG")
    assert charts.static_map(problems).startswith(b"\x89PNG")
    assert charts.label("$x$") == r"\$x\$"


def test_static_map_of_nothing_open() -> None:
    problems = ledger_problems()
    closed = problems[problems["status"] == "已销号"]
    assert charts.static_map(closed).startswith(b"\x89PNG")
    assert charts.static_map(closed.iloc[:0]).startswith(b"\x89PNG")


def test_scale_bar_lengths_are_round() -> None:
    assert [charts._nice_length(span) for span in (12_000, 4_900, 800, 3)] == [2000, 500, 100, 1]
