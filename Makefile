# make demo : set up .venv, generate the synthetic demo data, train and test
#             the demo config, print top-1 / top-5 / mean-class accuracy
#             beside the figures of docs/results.md (about 20 minutes on a
#             fresh, shared 2-core machine, install included: two GCNs;
#             see the README).
# make test : set up .venv and run the test suite.
# make results : rerun every row of the results tables at this commit
#             (tools/analysis/results_runs.txt; resumable, one torch thread;
#             RESULTS_ARGS='--dry-run' lists the runs and the CPU time they
#             need, RESULTS_ARGS='--only severe' one table).
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.finetec-installed
DEMO_CONFIG ?= configs/finetec_demo_severe_quick.py
DEMO_WORK_DIR ?= work_dirs/demo
# torch threads of the demo's train and test. Two threads can only gain a
# little on a 2-core machine, and lose 2-3x as soon as anything else runs
# (they wait for each other): with two other jobs on the cores, a batch-16
# training step took 0.30 s with one thread and 0.6-0.9 s with two.
DEMO_THREADS ?= 1
PYTEST_ARGS ?=
RESULTS_ARGS ?=

.PHONY: install demo demo-data test results clean

install: $(STAMP)

# torch is pinned when absent: a bare `torch` requirement resolves to a
# multi-GB CUDA build, while `torch==2.13.0` is a CPU build on these hosts.
# It goes into the same pip call as the package (one resolve, not two).
$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip 'setuptools<81' wheel
	if $(VPY) -c 'import torch' 2>/dev/null; then \
		$(VPY) -m pip install -q -e '.[tests]'; \
	else \
		$(VPY) -m pip install -q torch==2.13.0 -e '.[tests]' || { \
		$(VPY) -m pip install -q 'torch>=2.1' && \
		$(VPY) -m pip install -q -e '.[tests]'; }; \
	fi
	touch $(STAMP)

demo-data: install
	$(VPY) tools/data/generate_demo_data.py --out-dir data/demo

demo: demo-data
	OMP_NUM_THREADS=$(DEMO_THREADS) $(VPY) tools/train.py $(DEMO_CONFIG) \
		--work-dir $(DEMO_WORK_DIR) --seed 0
	OMP_NUM_THREADS=$(DEMO_THREADS) $(VPY) tools/test.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" \
		--work-dir $(DEMO_WORK_DIR)/test --dump $(DEMO_WORK_DIR)/test/predictions.pkl
	@echo
	@$(VPY) tools/misc/demo_summary.py $(DEMO_WORK_DIR)/test --config $(DEMO_CONFIG) \
		--checkpoint "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" \
		--label-map data/demo/label_map.txt

# pytest exits 5 when it collects no test: not a failure of the code.
test: install
	$(VPY) -m pytest tests $(PYTEST_ARGS) || [ $$? -eq 5 ]

results: demo-data
	OMP_NUM_THREADS=1 $(VPY) tools/analysis/reproduce_results.py $(RESULTS_ARGS)

clean:
	rm -rf $(VENV) work_dirs data/demo
