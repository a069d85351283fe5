# make demo : set up .venv, generate the synthetic demo data, train and test
#             the demo config, print top-1 / top-5 / mean-class accuracy.
# make test : set up .venv and run the test suite.
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.finetec-installed
DEMO_CONFIG ?= configs/finetec_demo_severe.py
DEMO_WORK_DIR ?= work_dirs/demo
PYTEST_ARGS ?=

.PHONY: install demo demo-data test clean

install: $(STAMP)

# torch is installed first when absent: a bare `torch` requirement resolves to
# a multi-GB CUDA build, while `torch==2.13.0` is a CPU build on these hosts.
$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip 'setuptools<81' wheel
	$(VPY) -c 'import torch' 2>/dev/null || $(VPY) -m pip install -q torch==2.13.0 \
		|| $(VPY) -m pip install -q 'torch>=2.1'
	$(VPY) -m pip install -q -e '.[tests]'
	touch $(STAMP)

demo-data: install
	$(VPY) tools/data/generate_demo_data.py --out-dir data/demo

demo: demo-data
	$(VPY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR) --seed 0
	$(VPY) tools/test.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" \
		--work-dir $(DEMO_WORK_DIR)/test --dump $(DEMO_WORK_DIR)/test/predictions.pkl

# pytest exits 5 when it collects no test: not a failure of the code.
test: install
	$(VPY) -m pytest tests $(PYTEST_ARGS) || [ $$? -eq 5 ]

clean:
	rm -rf $(VENV) work_dirs data/demo
