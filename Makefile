# Mousterian: `make study` runs the study, `make test` runs every test. Both build .venv on first use.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
FMNIST_FILE := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

.PHONY: browser docs-check study study-quick test env data sync-check nbtest pytest bench bench-planner bench-device bench-learn bench-ddpm bench-equiv bench-intervals bench-filter bench-sweep bench-zeroshot bench-amp bench-ddpm-levers bench-budget bench-vmap bench-eval bench-sample-bs bench-design bench-noise bench-sampling bench-hostkind bench-cuts bench-peak bench-batch bench-ddpm-width bench-memory bench-generator bench-filter-share bench-sample-compile bench-ladder-rerun

env: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@

# Fashion-MNIST comes from Debian's dataset-fashion-mnist (or a folder in $MOUSTERIAN_FASHION_MNIST).
data:
	@if [ -z "$$MOUSTERIAN_FASHION_MNIST" ] && [ ! -f $(FMNIST_FILE) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist; \
	  else echo "Fashion-MNIST is missing: run 'sudo apt-get install dataset-fashion-mnist', or set MOUSTERIAN_FASHION_MNIST to a folder holding its files." >&2; exit 1; fi; \
	fi

# Debian's Chromium, for the docs test (headless screenshots of the rendered pages).
browser:
	@if ! command -v chromium >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)) >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' (the docs test opens the pages in it)." >&2; exit 1; fi; \
	fi

study: env data
	$(BIN)/mousterian-study fmnist-cpu

study-quick: env data
	$(BIN)/mousterian-study fmnist-quick

# Fails when nbdev-export or nbdev-clean would change a file: notebooks and library must be in sync.
sync-check: env
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  before=$$( (git status --porcelain; git diff) | md5sum); \
	  $(BIN)/nbdev-clean && $(BIN)/nbdev-export; \
	  after=$$( (git status --porcelain; git diff) | md5sum); \
	  if [ "$$before" != "$$after" ]; then echo "nbdev-export / nbdev-clean changed files: run them and commit the result." >&2; git status --short >&2; exit 1; fi; \
	  echo "notebooks and library in sync"; \
	fi

# The report template (nbs/experiments/study_report.ipynb) is left out here: alone it would run a tiny study of its own, and every
# study test (tests/test_study.py, tests/test_presets.py, tests/test_install.py) executes it on its own fresh study.
nbtest: env data
	MOUSTERIAN_PROGRESS=0 $(BIN)/nbdev-test --n-workers 2 --timing --skip-file-re '^([_.]|study_report)'

pytest: env data browser
	MOUSTERIAN_PROGRESS=0 $(BIN)/pytest -q --durations=8 tests/

test: sync-check nbtest pytest

# Measurements printed side by side; results land in bench/results/ (the notebooks show them).
bench: env data
	$(PY) -m bench.speed.data
	$(PY) -m bench.speed.metrics

# About 4 minutes: resident memory run after run with glibc's allocator as it comes and with core.steady_malloc, side by side.
bench-memory: env data
	$(PY) -m bench.speed.memory

bench-learn: env data
	$(PY) -m bench.speed.learn

bench-ddpm: env data
	$(PY) -m bench.methods.ddpm --n 100 300 600

# 75 minutes (the screen alone, --budget-min 0) to two hours on 2 cores: today's DDPM recipe against the convergence levers, class fidelity and minutes.
bench-ddpm-levers: env data
	$(PY) -m bench.design.ddpm_levers

# About 20 minutes: the classifier's accuracy against iterations, the smooth budget rule, staircase against rule.
bench-budget: env data
	$(PY) -m bench.design.budget

bench-design: env
	$(PY) -m bench.design.design

bench-noise: env
	$(PY) -m bench.design.noise

bench-sampling: env data
	$(PY) -m bench.design.sampling

# One minute: the test set scored at 4 forward batch sizes (predict's default on a CPU).
bench-eval: env data
	$(PY) -m bench.speed.eval

# About 6 minutes: the study's DDPM sampled at batch 32, 64, 128 and 256, side by side.
bench-sample-bs: env
	MOUSTERIAN_PROGRESS=0 $(PY) -m bench.speed.sample_bs

# MODEL=<a trained DDPM folder> samples its network (default: fmnist-cpu-v randomly initialised)
bench-sample-compile: env
	MOUSTERIAN_PROGRESS=0 $(PY) -m bench.speed.sample_compile $(if $(MODEL),--model $(MODEL))

# STUDY=study/fmnist-quality compares the published masks too
# Seconds: two runs of a ladder on the same draws rung by rung (quality, gain: NEW - OLD over draws); OLD defaults to fmnist-quality's float32 run.
bench-ladder-rerun: env
	$(PY) -m bench.design.ladder_rerun $(or $(OLD),bench/results/ladder_rerun/float32) $(or $(NEW),bench/results/study-fmnist-quality)

bench-filter-share: env data
	MOUSTERIAN_PROGRESS=0 $(PY) -m bench.speed.filter_share $(if $(STUDY),--study $(STUDY))

# Two minutes: 3 seeds of the small CNN trained one after another against one vectorised model (torch.func).
bench-vmap: env
	$(PY) -m bench.speed.vmap

# Every page processed by nbdev and rendered without Quarto, then home page and study report opened in Chromium
# (screenshots in tests/artifacts/).
docs-check: env data browser
	MOUSTERIAN_PROGRESS=0 $(BIN)/pytest -q -s tests/test_docs.py

bench-zeroshot: env data
	$(PY) -m bench.methods.zeroshot

bench-sweep: env data
	$(PY) -m bench.speed.sweep

bench-amp: env data
	$(PY) -m bench.speed.amp

bench-filter: env data
	$(PY) -m bench.methods.filter

bench-equiv: env
	$(PY) -m bench.design.equiv 20 200

bench-hostkind: env data
	$(PY) -m bench.speed.hostkind

bench-cuts: env
	$(PY) -m bench.design.cuts

bench-peak: env
	$(PY) -m bench.speed.peak

# About 20 minutes: the study's classifier at batch 256, 128 (with and without a floor of 22 passes) and 64, side by side at the grid's sizes.
bench-batch: env data
	$(PY) -m bench.design.batch

# About 15 minutes: the study's DDPM at three widths, class fidelity, Fréchet distance and seconds side by side.
# About 45 minutes on 2 AVX-512 cores: the internal generator's quality (fidelity, Fréchet distance, coverage) against a Q1 store's minutes,
# over training steps (rungs of one trajectory), sampler and sampling steps, DDPM and EDM, float32 and bfloat16 where native; the Pareto frontier.
bench-generator: env data
	$(PY) -m bench.design.generator

bench-ddpm-width: env data
	$(PY) -m bench.design.ddpm_width

bench-device: env
	MOUSTERIAN_PROGRESS=0 $(PY) -m bench.speed.device $(or $(PRESET),fmnist-cpu)

bench-planner: env
	$(PY) -m bench.design.planner 4000

bench-intervals: env
	$(PY) -m bench.design.intervals 250 100 3
