# geo_guard: `make demo` runs the main job on the sample data, `make test` runs the tests.
# Both create or reuse .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint sample bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

SAMPLE := data/boundaries
GG     := $(VENV)/bin/geo-guard

demo: $(STAMP)
	@mkdir -p out
	$(GG) zones --canal $(SAMPLE)/canal.geojson --rules $(SAMPLE)/zone_rules.example.toml \
	    --clip $(SAMPLE)/study_area.geojson -o out/zones.gpkg
	$(GG) classify $(SAMPLE)/risk_sources.csv --canal $(SAMPLE)/canal.geojson \
	    --rules $(SAMPLE)/zone_rules.example.toml --admin $(SAMPLE)/villages.geojson \
	    -o out/risk_sources_classified.xlsx
	$(GG) corridor --canal $(SAMPLE)/canal.geojson --rules $(SAMPLE)/zone_rules.example.toml \
	    --forest $(SAMPLE)/forest.geojson --admin $(SAMPLE)/villages.geojson -o out/corridor.gpkg
	$(GG) audit --canal $(SAMPLE)/canal.geojson --rules $(SAMPLE)/zone_rules.example.toml \
	    --rules $(SAMPLE)/audit_rules.example.toml --markers $(SAMPLE)/markers.geojson \
	    --crossings $(SAMPLE)/crossings.geojson --fences $(SAMPLE)/fences.geojson \
	    --admin $(SAMPLE)/villages.geojson -o out/audit.gpkg
	$(GG) map --canal $(SAMPLE)/canal.geojson --rules $(SAMPLE)/zone_rules.example.toml \
	    --sources out/risk_sources_classified.xlsx --forest $(SAMPLE)/forest.geojson \
	    --admin $(SAMPLE)/villages.geojson \
	    --gaps out/corridor.gpkg --audit out/audit.gpkg \
	    --title "南水北调中线总干渠 饮用水水源保护区（示意数据）" -o out/map.html
	rm -f out/ledger.gpkg
	$(GG) ledger init out/ledger.gpkg
	$(GG) ledger import out/ledger.gpkg $(SAMPLE)/risk_sources.csv --canal $(SAMPLE)/canal.geojson \
	    --rules $(SAMPLE)/zone_rules.example.toml --admin $(SAMPLE)/villages.geojson \
	    --responsibility data/ledger/responsibility.example.toml \
	    --origin 排查 --found-on 2021-09-20 --by 百里奚街道
	$(GG) report weekly out/ledger.gpkg --as-of 2021-09-23 --canal $(SAMPLE)/canal.geojson \
	    --rules $(SAMPLE)/zone_rules.example.toml -o out/weekly

test: $(STAMP)
	$(VENV)/bin/ruff check geo_guard tests bench scripts conftest.py
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check geo_guard tests bench scripts conftest.py

sample: $(STAMP)
	$(PY) scripts/make_sample_data.py

bench: $(STAMP)
	$(PY) bench/bench_zones.py
	$(PY) bench/bench_classify.py
	$(PY) bench/bench_postgis.py
	$(PY) bench/bench_corridor.py
	$(PY) bench/bench_audit.py
	$(PY) bench/bench_canal_join.py
	$(PY) bench/bench_route.py
	$(PY) bench/bench_scale.py
	$(PY) bench/bench_maps.py

clean:
	rm -rf out .pytest_cache
