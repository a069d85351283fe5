"""The README's commands and every path the docs mention exist."""
import glob
import os.path as osp
import re

from tests.utils import ROOT

DOCS = [osp.join(ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(ROOT, 'docs', '*.md')))
PATH = re.compile(r'(?<![\w/.-])((?:configs|tools|finetec_mm|docs|checkpoints)'
                  r'/[\w./-]+\.(?:py|sh|md|png|pth))')


def test_readme_opens_with_the_two_commands():
    text = open(osp.join(ROOT, 'README.md')).read()
    first_block = re.search(r'```bash\n(.*?)```', text, re.S).group(1)
    commands = [line.split('#')[0].strip()
                for line in first_block.strip().splitlines()]
    assert commands == ['make demo', 'make test']
    makefile = open(osp.join(ROOT, 'Makefile')).read()
    for target in ('demo', 'test'):
        assert re.search(rf'^{target}:', makefile, re.M), target
    ci = open(osp.join(ROOT, '.ci', 'run')).read()
    assert 'make test' in ci


def test_every_mentioned_path_exists():
    missing = []
    for doc in DOCS:
        text = open(doc).read()
        for path in PATH.findall(text):
            if '<' in path or '*' in path:
                continue
            if path.startswith('checkpoints/') and not re.search(
                    r'-[0-9a-f]{8}\.pth$', path):
                continue  # an output path of a documented command
            if not osp.exists(osp.join(ROOT, path)):
                missing.append(f'{osp.relpath(doc, ROOT)}: {path}')
    assert not missing, missing


def test_relative_links_resolve():
    broken = []
    for doc in DOCS:
        for target in re.findall(r'\]\(([^)#:]+)(?:#[^)]*)?\)', open(doc).read()):
            if not osp.exists(osp.join(osp.dirname(doc), target)):
                broken.append(f'{osp.relpath(doc, ROOT)}: {target}')
    assert not broken, broken


BLOCK = re.compile(r'```(?:bash|shell|sh)\n(.*?)```', re.S)
TOOL = re.compile(r'(?:^|\s)((?:\./)?tools/[\w/]+\.(?:py|sh))')
FLAG = re.compile(r'(?<![\w-])(--[a-z][\w-]*)')


def documented_commands():
    """(doc, tool, flags) of every command line in the docs' bash blocks
    (continuation lines joined)."""
    for doc in DOCS:
        for block in BLOCK.findall(open(doc).read()):
            for line in block.replace('\\\n', ' ').splitlines():
                line = line.split('#')[0]
                match = TOOL.search(line)
                if match:
                    tool = match.group(1).lstrip('./')
                    rest = line[match.end():]
                    yield osp.relpath(doc, ROOT), tool, FLAG.findall(rest)


def test_documented_commands_use_existing_tools_and_flags():
    """Every flag a documented command passes to a tool is one the tool
    defines (tools/train.py's flags for the launcher scripts, which pass
    theirs through)."""
    commands = list(documented_commands())
    assert len(commands) > 20, 'the docs should document the tools'
    wrong = []
    for doc, tool, flags in commands:
        if not osp.isfile(osp.join(ROOT, tool)):
            wrong.append(f'{doc}: {tool} does not exist')
            continue
        sources = [tool]
        if tool.endswith('.sh'):
            sources += ['tools/train.py', 'tools/test.py', 'tools/_torchrun.sh']
        text = ''.join(open(osp.join(ROOT, s)).read() for s in sources)
        for flag in flags:
            if f"'{flag}'" not in text and f'"{flag}"' not in text \
                    and f'{flag}=' not in text and f' {flag} ' not in text:
                wrong.append(f'{doc}: {tool} has no flag {flag}')
    assert not wrong, wrong


def test_every_documented_tool_is_exercised_by_a_test_or_make():
    tests_text = ''.join(
        open(p).read()
        for p in glob.glob(osp.join(ROOT, 'tests', '**', '*.py'),
                           recursive=True) if not p.endswith('test_docs.py'))
    tests_text += open(osp.join(ROOT, 'Makefile')).read()
    unexercised = sorted({
        f'{doc}: {tool}' for doc, tool, _ in documented_commands()
        if tool not in tests_text and osp.basename(tool) not in tests_text})
    assert not unexercised, unexercised


def bash_lines(doc):
    """The command lines of a doc's bash blocks, continuation lines joined,
    comments dropped and ``$VAR`` / ``${VAR}`` expanded from the block's
    own ``VAR=value`` assignments."""
    for block in BLOCK.findall(open(doc).read()):
        env = {}
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split('#')[0].strip()
            words = line.split()
            if words and all(re.fullmatch(r'[A-Z_]+=\S+', w) for w in words):
                env.update(w.split('=', 1) for w in words)
                continue
            for name, value in env.items():
                line = re.sub(rf'\$\{{{name}\}}|\${name}(?![A-Za-z_])',
                              value, line)
            if line:
                yield line


def flag_values(words, flag):
    """The words after ``flag`` up to the next ``--flag``."""
    if flag not in words:
        return []
    rest = words[words.index(flag) + 1:]
    end = next((i for i, w in enumerate(rest) if w.startswith('--')),
               len(rest))
    return rest[:end]


def produced_work_dirs():
    """The folders the documented commands write checkpoints to: ``make
    demo`` (work_dirs/demo), every ``--work-dir``, ``tools/train.py
    CONFIG``'s default work_dirs/<config name>, and the run folders of
    ``run_experiments.py`` (work root, config, options, seed)."""
    from tests.utils import load_tool
    sweep = load_tool('tools/analysis/run_experiments.py')
    dirs = {'work_dirs/demo'}
    for doc in DOCS:
        for line in bash_lines(doc):
            words = line.split()
            dirs.update(flag_values(words, '--work-dir')[:1])
            tools = [w for w in words if w.endswith('.py')]
            if tools and tools[0] == 'tools/train.py' and \
                    '--work-dir' not in words and len(tools) > 1:
                dirs.add('work_dirs/' + osp.splitext(
                    osp.basename(tools[1]))[0])
            if tools and tools[0] == 'tools/analysis/run_experiments.py':
                configs = [w for w in words[words.index(tools[0]) + 1:]
                           if w.endswith('.py') and not w.startswith('--')]
                root = (flag_values(words, '--work-root')
                        or ['work_dirs/experiments'])[0]
                seeds = flag_values(words, '--seeds') or ['0', '1', '2']
                options = flag_values(words, '--cfg-options')
                for config in configs:
                    for seed in seeds:
                        dirs.add(sweep.run_dir(config, seed, root, options))
    return dirs


def test_checkpoints_in_the_docs_are_made_by_a_documented_command():
    """A checkpoint path under work_dirs/ that a page tells the reader to
    use lies in a folder that ``make demo`` or a documented command writes
    (not, e.g., work_dirs/<config> when the page trained with make demo)."""
    produced = produced_work_dirs()
    stray = []
    for doc in DOCS:
        for path in re.findall(r'work_dirs/[\w./@-]+\.pth', open(doc).read()):
            if osp.dirname(path) not in produced:
                stray.append(f'{osp.relpath(doc, ROOT)}: {path}')
    assert not stray, stray


def test_python_modules_named_by_the_docs_are_installed():
    """``python -m MODULE`` anywhere in the docs names a module of the
    environment `make install` builds (no `mim`, which it does not
    install)."""
    import importlib.util
    missing = []
    for doc in DOCS:
        for module in re.findall(r'python -m ([\w.]+)', open(doc).read()):
            if importlib.util.find_spec(module.split('.')[0]) is None:
                missing.append(f'{osp.relpath(doc, ROOT)}: {module}')
    assert not missing, missing


def test_readme_demo_figures_are_the_shipped_finetec_record():
    """Every accuracy the README's demo section gives (other than chance)
    is a seed of the current FineTec's severe record, the figures `make
    demo` is compared with; nothing measured with an earlier model."""
    import json
    text = open(osp.join(ROOT, 'README.md')).read()
    section = text.split('## The demo data is synthetic')[1].split('\n## ')[0]
    record = json.load(open(osp.join(
        ROOT, 'docs', 'benchmarks', 'results_identity_path.json')))
    seeds = record['runs'][record['default_run']]
    allowed = {f"{v['acc/top1']:.3f}" for v in seeds.values()}
    allowed.add(f'{1 / 24:.3f}')  # chance
    figures = re.findall(r'(?<![\d.])0\.\d{3,4}(?!\d)', section)
    assert figures, 'the demo section gives no figure'
    stale = [f for f in figures if f'{float(f):.3f}' not in allowed]
    assert not stale, stale


def test_minor_restoration_gain_is_read_from_its_record():
    """results.md's "N % lower missing-frame MPJPE" of the completion
    network at minor is the figure of the restoration record."""
    import json
    rows = json.load(open(osp.join(ROOT, 'docs', 'benchmarks',
                                   'restoration_demo.json')))
    at = {r['method']: r['mpjpe_missing'] for r in rows
          if r['level'] == 'minor'}
    gain = round(100 * (1 - at['icl'] / at['linear']))
    text = open(osp.join(ROOT, 'docs', 'results.md')).read()
    stated = re.findall(r'(\d+) % lower\s+missing-frame MPJPE', text)
    assert stated == [str(gain)], (stated, gain)


def test_walkthrough_tests_the_last_epoch_it_trains():
    """The FineGym walkthrough tests the checkpoint its training command
    writes last (its config's max_epochs), in the folder it trained to."""
    from mmengine.config import Config
    text = open(osp.join(ROOT, 'docs', 'finegym_walkthrough.md')).read()
    lines = list(bash_lines(osp.join(ROOT, 'docs', 'finegym_walkthrough.md')))
    (train, ) = [ln for ln in lines if ln.startswith('tools/dist_train.sh')]
    (test, ) = [ln for ln in lines if ln.startswith('tools/dist_test.sh')]
    config = train.split()[1]
    assert test.split()[1] == config
    epochs = Config.fromfile(osp.join(ROOT, config)).train_cfg.max_epochs
    work_dir = flag_values(train.split(), '--work-dir')[0]
    assert test.split()[2] == f'{work_dir}/epoch_{epochs}.pth'
    assert f'`epoch_{epochs}.pth`' in text


def test_streaming_latency_table_is_its_record():
    """Each row of the latency table in docs/streaming.md is a model of a
    non-history record of benchmarks/stream_curves.json (threads, wall
    median, p99, CPU median, to 0.1 ms), and every such record is shown."""
    import json
    text = open(osp.join(ROOT, 'docs', 'streaming.md')).read()
    table = text.split('## Latency')[1].split('\n\n**')[0].replace('**', '')
    rows = {tuple(m) for m in re.findall(
        r'^\|[^|]+\| (\d) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$', table,
        re.M)}
    records = json.load(open(osp.join(
        ROOT, 'docs', 'benchmarks', 'stream_curves.json')))['latency']
    expected = set()
    for name, rec in records.items():
        if name.startswith('history'):
            continue
        assert rec['other_running_processes'][0] == 0, name  # idle cores
        for row in rec['models'].values():
            expected.add((str(rec['machine']['torch_threads']),
                          f"{row['median_ms']:.1f}", f"{row['p99_ms']:.1f}",
                          f"{row['cpu_median_ms']:.1f}"))
    assert rows == expected


def test_cross_level_table_is_its_record():
    """The cross-level table of docs/corruption_protocol.md is the record
    benchmarks/cross_level_demo.json, cell by cell (trained-at row,
    tested-at column), all nine cells."""
    import json
    text = open(osp.join(ROOT, 'docs', 'corruption_protocol.md')).read()
    table = text.split('| trained at ↓ / tested at → |')[1].split('\n\n')[0]
    rows = re.findall(r'^\| (minor|moderate|severe) \| (.+) \|$', table,
                      re.M)
    shown = {train: [c.strip('* ') for c in cells.split(' | ')]
             for train, cells in rows}
    record = json.load(open(osp.join(
        ROOT, 'docs', 'benchmarks', 'cross_level_demo.json')))['top1']
    levels = ('minor', 'moderate', 'severe')
    assert shown == {train: [f'{record[train][t]:.4f}' for t in levels]
                     for train in levels}


def test_per_seed_figures_of_the_results_page_are_recorded_runs():
    """Every "seeds 0–N: a / b / …" or "(N: a / b / …)" list on the
    results page and in the README is, seed by seed and to the digits
    shown, the top-1 of one run in the page's records
    (results_identity_path.json, results_demo.json,
    results_demo_completion_v2.json), so a table cannot drift from the
    runs it reports."""
    import json
    from decimal import ROUND_HALF_UP, Decimal
    runs = []  # the files share run names: keep every file's runs
    for name in ('results_identity_path.json', 'results_demo.json',
                 'results_demo_completion_v2.json'):
        runs += json.load(open(osp.join(
            ROOT, 'docs', 'benchmarks', name)))['runs'].values()
    recorded = set()
    for seeds in runs:
        top1 = [seeds[str(s)]['acc/top1'] for s in range(len(seeds))
                if str(s) in seeds]
        # 4 digits, or 3: a 4-digit record ending in 5 is shown rounded
        # half up or as Python's float formatting rounds it
        for values in ([f'{x:.4f}'[1:] for x in top1],
                       [f'{x:.3f}'[1:] for x in top1],
                       [str(Decimal(str(x)).quantize(Decimal('0.001'),
                                                     ROUND_HALF_UP))[1:]
                        for x in top1]):
            for n in range(2, len(values) + 1):
                recorded.add(tuple(values[:n]))
    shown = []
    for doc in ('README.md', osp.join('docs', 'results.md')):
        text = open(osp.join(ROOT, doc)).read()
        for last, figures in re.findall(
                r'seeds 0–(\d): ((?:\.\d{3,4} / )+\.\d{3,4})', text):
            values = tuple(figures.split(' / '))
            assert len(values) == int(last) + 1, (doc, figures)
            shown.append((doc, values))
        for count, figures in re.findall(  # "(3: a / b / c)", "(3 seeds: …)"
                r'\((\d)(?: seeds)?: ((?:\.\d{3,4} / )+\.\d{3,4})\)', text):
            values = tuple(figures.split(' / '))
            assert len(values) == int(count), (doc, figures)
            shown.append((doc, values))
    assert shown, 'no per-seed list found'
    stale = [(doc, v) for doc, v in shown if v not in recorded]
    assert not stale, stale
