# kokemus: the Makefile is the interface. `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Settings: a value in .env (see .env.example) wins, then the environment, then these defaults.
-include .env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env 2>/dev/null)

export CX_INBOX ?= data/inbox
export CX_WAREHOUSE ?= data/warehouse.duckdb
export CX_REPORTS_DIR ?= build/reports
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
# Dagster writes a run's ~1 300 "planned" events as one batch (orchestration/event_log.py).
export DAGSTER_EVENT_BATCH_SIZE ?= 5000
# Keep tool caches inside the project's ignored folders.
export XDG_CACHE_HOME ?= $(CURDIR)/.venv/.cache
# This checkout's code first, whichever checkout the venv's editable install points at (a
# second worktree sharing one .venv would otherwise run the first one's code).
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1

comma := ,
DBT_SOURCES := dbt_project.yml profiles.yml $(shell find models macros seeds snapshots tests/dbt -type f 2>/dev/null)

.PHONY: help venv prepare sample demo run dev test test-fast test-spark lint fmt clean docs metrics bench \
	suggest-mapping

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

SPARK_STAMP := $(VENV)/.spark-stamp

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock \
		-e '.[dev]'
	@touch $@

venv: $(STAMP)  ## create .venv and install the pinned dependencies

# The dbt sources of the raw tables follow the declared sources (orchestration/defs/ingest).
models/staging/__sources.yml: orchestration/defs/ingest/sources.py orchestration/defs/ingest/dbt_sources.py | $(STAMP)
	$(BIN)/python -m orchestration.defs.ingest.dbt_sources
	@touch $@

target/manifest.json: $(STAMP) $(DBT_SOURCES) models/staging/__sources.yml
	$(BIN)/dbt parse --profiles-dir . --quiet
	@touch $@

# The Dagster instance of make's runs and `make dev`: telemetry off, and the event log that keeps
# its engines (orchestration/event_log.py). Rewritten when make wrote it and the template changed;
# a dagster.yaml of your own (without the first line) is left alone. (Before it had a template,
# make wrote just the two telemetry lines: those count as make's.)
$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@if [ ! -f $@ ] || head -1 $@ | grep -q '^# written by make' \
		|| [ "$$(cat $@)" = "$$(printf 'telemetry:\n  enabled: false')" ]; then \
		sed 's|@DAGSTER_HOME@|$(DAGSTER_HOME)|' $< > $@; \
	else echo "$@ is your own: left as it is (orchestration/dagster.yaml has ours)"; touch $@; fi

prepare: $(STAMP) target/manifest.json $(DAGSTER_HOME)/dagster.yaml

sample: $(STAMP)  ## write the seeded sample exports into $CX_INBOX
	$(BIN)/python -m orchestration.sample_data --out $(CX_INBOX)

# `dg` (Dagster's project CLI) reads [tool.dg] in pyproject.toml; it runs in this venv.
DG := VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg

# One run over every closed quarter's partition: the report renders the whole history.
# Nothing new in the inbox, no code or setting changed since the last build: no run is started
# (orchestration/build_state.py says why; exit 10 means "build"). CX_FORCE_REBUILD=1 builds.
run: prepare  ## load new files in $CX_INBOX, build and test the marts, render the reports
	@range="$$($(BIN)/python -m orchestration.build_state)"; rc=$$?; \
	if [ $$rc -eq 10 ]; then \
		echo '$(DG) launch --job build_all --partition-range' "$$range"; \
		$(DG) launch --job build_all --partition-range "$$range" || exit $$?; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi
	@echo "warehouse: $(CX_WAREHOUSE)   reports: $(CX_REPORTS_DIR)/index.html"

# The generator writes each file atomically, so the demo need not wait for files to settle.
# dbt parse (prepare) and the sample generator need each other's nothing: side by side.
demo: $(STAMP)  ## set up, generate sample exports, materialize everything, render reports
	@$(MAKE) --no-print-directory -j2 prepare sample
	$(MAKE) --no-print-directory run CX_INBOX_SETTLE_SECONDS=0

# After changing a dbt model, `make prepare` (dbt parse) and reload the code location in the UI.
dev: prepare  ## open the Dagster UI on this code location (Ctrl-C stops it)
	exec $(BIN)/dagster dev -m orchestration.definitions

# Two workers: the suite is mostly whole pipeline runs, each of them one process's work.
# Tests sharing a build stay on one worker (tests/python/conftest.py, --dist loadgroup).
# dbt's unit tests run here and in test-fast, not in a pipeline run (orchestration/defs/transform/dbt.py).
PYTEST_WORKERS ?= 2
test: prepare  ## set up, then run the whole test suite (pytest and dbt's unit tests)
	@$(BIN)/python -m tests.dbt_unit & dbt=$$!; \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15; pytest=$$?; \
	wait $$dbt; dbt=$$?; exit $$(( pytest || dbt ))

# No pipeline build: pytest without the `slow` tests (tests/python/conftest.py marks every test
# on a built warehouse) beside dbt's unit tests on an empty warehouse (tests/dbt_unit.py).
test-fast: prepare  ## unit, loader, report and dbt unit tests, no pipeline build (under a minute)
	@$(BIN)/python -m tests.dbt_unit & dbt=$$!; \
	$(BIN)/python -m pytest -m "not slow and not spark" -q -p no:cacheprovider; pytest=$$?; \
	wait $$dbt; dbt=$$?; exit $$(( pytest || dbt ))

# The optional `spark` extra (dbt-spark, pyspark), pinned like everything else.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock \
		-e '.[dev,spark]'
	@touch $@

# Needs Java 17 (Debian: apt-get install openjdk-17-jre-headless; .ci/run installs it).
test-spark: prepare $(SPARK_STAMP)  ## build the project on DuckDB and on Spark, compare the marts
	@command -v java >/dev/null || { echo "test-spark needs Java 17: apt-get install openjdk-17-jre-headless"; exit 1; }
	PYSPARK_PYTHON=$(CURDIR)/$(BIN)/python $(BIN)/python -m pytest -m spark -rP tests/python/test_spark.py

# Generates the preset's inbox under data/bench/<preset> once, then times each contender as its
# own process; BENCHMARKS.md records the figures. PRESET=large needs ~4 GB of disk and ~1 h.
PRESET ?= small
bench: prepare  ## pipeline vs hand-written DuckDB SQL vs pandas (PRESET=small|large, BENCH_ARGS=…)
	PYTHONPATH=$(CURDIR) $(BIN)/python -m tests.bench.run --preset $(PRESET) $(BENCH_ARGS)

# The catalog reads $(CX_WAREHOUSE): run it between pipeline runs (DuckDB allows one writer).
docs: prepare  ## dbt docs (lineage, tests, exposures) as one static HTML file
	$(BIN)/dbt docs generate --profiles-dir . --static --quiet
	@echo "dbt docs: $(CURDIR)/target/static_index.html (open it in a browser)"

# MetricFlow on the read-only BI copy (profiles.yml target `published`), never on the live
# warehouse: DuckDB allows one writer, and mf holding it would stop the next pipeline run.
METRICS ?= nps,csat_pct,ces_pct,cls_pct,churn_pct,retention_pct,revenue
GROUP_BY ?= metric_time__quarter
metrics: prepare  ## query the semantic layer on the BI copy (METRICS=… GROUP_BY=… WHERE=…)
	@published="$${CX_PUBLISHED_DIR:-$(dir $(CX_WAREHOUSE))published}"; \
	test -f "$$published/kokemus.duckdb" || { \
		echo "no BI copy at $$published/kokemus.duckdb: run make demo (or make run) first"; exit 1; }; \
	CX_PUBLISHED_DIR="$$published" CX_DBT_TARGET=published $(BIN)/mf query --quiet --decimals 2 \
		--metrics '$(METRICS)' $(if $(GROUP_BY),--group-by '$(GROUP_BY)') \
		$(if $(WHERE),--where "$(WHERE)") \
		$(if $(GROUP_BY),--order $(firstword $(subst $(comma), ,$(GROUP_BY))))

# Reads only the file's header rows and a few answers; writes nothing (see README).
suggest-mapping: $(STAMP)  ## print a _mapping.yml entry for a survey-tool export (FILE=…)
	@test -n "$(FILE)" || { echo 'usage: make suggest-mapping FILE=path/to/export.csv'; exit 2; }
	@$(BIN)/python -m orchestration.defs.ingest.mapping "$(FILE)" $(if $(SOURCE),--source $(SOURCE))

lint: prepare  ## ruff, sqlfluff (dbt templater) and dg check defs (the definitions load)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# On an empty warehouse of its own: with yours, dbt renders the incremental branches, and
	@# lint would depend on what was built (CI lints the first-build rendering).
	@rm -rf target/lint && mkdir -p target/lint
	CX_WAREHOUSE=target/lint/warehouse.duckdb $(BIN)/sqlfluff lint models macros tests/dbt
	$(DG) check defs

fmt: $(STAMP)  ## apply ruff formatting and fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## remove generated data, build output and dbt target (keeps .venv)
	rm -rf data build target logs
