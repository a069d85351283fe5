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
