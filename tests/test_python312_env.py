"""Preflight for the GPU machines' environment: Python 3.12 (no stdlib
``distutils``) with setuptools installed by ``pip --target`` and found
through ``PYTHONPATH`` (its ``.pth`` shim inactive), or setuptools >= 81 (no
``pkg_resources``). Simulated here in a subprocess whose import system
refuses the stdlib ``distutils`` and every ``pkg_resources``; importing the
package, mmengine's ``collect_env`` and ``is_installed`` must still work."""
import subprocess
import sys

from tests.utils import ROOT

SCRIPT = r'''
import sys

BLOCKED = ('distutils', 'pkg_resources')


class Without:
    """Wraps the interpreter's own finders: Python 3.12 has no stdlib
    distutils, setuptools >= 81 no pkg_resources. Finders installed later
    (setuptools' distutils shim, ours) are not wrapped, as on the GPU
    machines."""
    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        # top-level names only: submodules resolve through the parent's
        # __path__ (setuptools/_distutils once the shim provided it)
        if name in BLOCKED or name.startswith('pkg_resources.'):
            return None
        find = getattr(self.finder, 'find_spec', None)
        return find(name, path, target) if find else None

    def find_distributions(self, *args, **kwargs):
        find = getattr(self.finder, 'find_distributions', None)
        return find(*args, **kwargs) if find else iter(())

    def invalidate_caches(self):
        if hasattr(self.finder, 'invalidate_caches'):
            self.finder.invalidate_caches()


for mod in [m for m in sys.modules if m.split('.')[0] in BLOCKED]:
    del sys.modules[mod]
sys.meta_path[:] = [Without(f) for f in sys.meta_path]
import importlib.util
assert importlib.util.find_spec('pkg_resources') is None
assert importlib.util.find_spec('distutils') is None
import finetec_mm  # noqa: F401
from mmengine.utils import get_installed_path, is_installed
from mmengine.utils.dl_utils import collect_env
env = collect_env()
assert env['PyTorch'] and env['MMEngine'], env
assert is_installed('torch') and not is_installed('no-such-package-x')
assert get_installed_path('mmaction2').endswith('mmaction')
import pkg_resources
print('preflight ok', getattr(pkg_resources, 'FINETEC_SHIM', False))
'''


def test_package_and_collect_env_without_distutils_and_pkg_resources():
    proc = subprocess.run([sys.executable, '-c', SCRIPT], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120,
                          env={'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1',
                               'PATH': '/usr/bin:/bin'})
    assert 'preflight ok True' in proc.stdout, proc.stdout[-3000:]
