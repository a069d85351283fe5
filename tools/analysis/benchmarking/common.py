"""Constants shared by the benchmark: default configs, targets, ratios."""


# the paper's full method (hosted), the counterpart of the pipelined config
DEFAULT_CONFIG = ('configs/ablations/'
                  'finetec_1xb32-u16-16e_demo-severe_paper-full.py')


DEFAULT_PIPELINED = 'configs/finetec_demo_severe_pipeline.py'


DEFAULT_BASELINE = 'configs/stgcn_demo_severe.py'


GYM288_TEST_SAMPLES = 9484


# The targets: (name, figure key, op, threshold, devices it applies to)
TARGETS = [
    ('CPU data pipeline >= 0.5x plain, per core', 'pipeline_ratio', '>=',
     0.5, ('cpu', 'cuda')),
    ('CPU train step FineTec <= 2.5x ST-GCN', 'train_step_ratio', '<=', 2.5,
     ('cpu', )),
    ('GPU end to end >= 2,000 samples/s', 'train_samples_per_s', '>=', 2000,
     ('cuda', )),
    ('GPU end to end >= 0.5x ST-GCN', 'train_samples_per_s_ratio', '>=', 0.5,
     ('cuda', )),
    (f'inference of {GYM288_TEST_SAMPLES:,} samples < 10 s',
     'infer_gym288_test_s', '<', 10, ('cuda', )),
]


# ratio key -> (figure key, baseline key): every ratio is figure / baseline
RATIOS = {
    'pipeline_ratio': ('pipeline_samples_per_s',
                       'pipeline_samples_per_s_baseline'),
    'pipeline_pipelined_ratio': ('pipeline_samples_per_s_pipelined',
                                 'pipeline_samples_per_s_baseline'),
    'train_step_ratio': ('train_step_s', 'train_step_s_baseline'),
    'train_step_pipelined_ratio': ('train_step_s_pipelined',
                                   'train_step_s_baseline'),
    # --compile: the compiled FineTec train step over the eager one
    'compile_train_step_ratio': ('train_step_s_compiled', 'train_step_s'),
    'train_samples_per_s_ratio': ('train_samples_per_s',
                                  'train_samples_per_s_baseline'),
    'train_samples_per_s_pipelined_ratio': ('train_samples_per_s_pipelined',
                                            'train_samples_per_s_baseline'),
    'infer_ratio': ('infer_samples_per_s', 'infer_samples_per_s_baseline'),
    'infer_pipelined_ratio': ('infer_samples_per_s_pipelined',
                              'infer_samples_per_s_baseline'),
    'params_ratio': ('params_finetec', 'params_baseline'),
    'params_pipelined_ratio': ('params_finetec_pipelined', 'params_baseline'),
    'flops_ratio': ('flops_finetec', 'flops_baseline'),
    'flops_pipelined_ratio': ('flops_finetec_pipelined', 'flops_baseline'),
    'peak_memory_ratio': ('peak_memory_mb_finetec',
                          'peak_memory_mb_baseline'),
    'peak_memory_pipelined_ratio': ('peak_memory_mb_finetec_pipelined',
                                    'peak_memory_mb_baseline'),
}


def log(msg):
    print(f'[benchmark] {msg}', flush=True)
