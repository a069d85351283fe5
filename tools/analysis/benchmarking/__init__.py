"""The parts of ``tools/analysis/benchmark.py`` (its command line):
configs and models, data pipelines, training and inference steps, model
cost, timing helpers, synthetic inputs, and the report."""
