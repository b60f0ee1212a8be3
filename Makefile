# leasewatch: `make demo` and `make test` work from a clean clone with only Python >= 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lock clean install

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# replays the embedded sample once into the per-user sample cache (~9 s), so `make demo` only copies it
	@$(BIN)/python -m pipeline.ops.demo
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/leasewatch demo

test: $(STAMP)
	@$(BIN)/python -m pytest -q

bench: $(STAMP)
	@$(BIN)/python -m tools.bench

# Re-pin every dependency on purpose (needs a package registry).
lock: $(STAMP)
	@head -n 2 requirements.lock > requirements.lock.new
	@$(BIN)/python -m pip freeze --exclude-editable | grep -v '^leasewatch' >> requirements.lock.new
	@mv requirements.lock.new requirements.lock

# Removes the environment only: data/raw holds hours of polite downloads and is never deleted by make.
clean:
	rm -rf $(VENV) .pytest_cache
