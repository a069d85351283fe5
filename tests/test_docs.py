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
