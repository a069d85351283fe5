"""Layering: models and data transforms share `finetec_mm.functional` and do
not reach into each other's internals."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / 'finetec_mm'

#: the one place a data transform runs a network: the ICLCompletion
#: transform loads a frozen completion model.
ALLOWED_DATASET_TO_MODEL = {
    ('datasets/transforms/icl_completion.py',
     'finetec_mm.models.completion.loading'),
}


def _imports(path: Path):
    """Absolute module names imported by one file (relative ones resolved)."""
    rel = path.relative_to(PKG.parent).with_suffix('')
    package = list(rel.parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                yield '.'.join(base + ([node.module] if node.module else []))
            else:
                yield node.module


def _files(sub: str):
    return sorted((PKG / sub).rglob('*.py'))


def test_import_resolver_sees_relative_imports():
    # guard for the checks below: a relative import must be resolved
    names = set(_imports(PKG / 'models/completion/completion_model.py'))
    assert 'finetec_mm.models.completion.masking' in names
    assert 'finetec_mm.functional.prompt_retrieval' in names


@pytest.mark.parametrize('path', _files('models'), ids=lambda p: p.name)
def test_models_never_import_datasets(path):
    bad = [m for m in _imports(path) if m.startswith('finetec_mm.datasets')]
    assert not bad, f'{path}: imports {bad}'


@pytest.mark.parametrize('path', _files('datasets'), ids=lambda p: p.name)
def test_datasets_use_functional_not_model_internals(path):
    rel = str(path.relative_to(PKG))
    bad = [m for m in _imports(path) if m.startswith('finetec_mm.models') and
           (rel, m) not in ALLOWED_DATASET_TO_MODEL]
    assert not bad, f'{path}: imports {bad}'


@pytest.mark.parametrize('path', _files('functional'), ids=lambda p: p.name)
def test_functional_is_self_contained(path):
    bad = [m for m in _imports(path) if m.startswith('finetec_mm') and
           not m.startswith('finetec_mm.functional')]
    bad += [m for m in _imports(path) if m.split('.')[0] in ('mmcv',
                                                            'mmaction',
                                                            'mmengine')]
    assert not bad, f'{path}: imports {bad}'
