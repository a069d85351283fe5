"""FineTec for MMAction2.

Importing this package applies the stack workarounds in :mod:`finetec_mm.compat`
and registers every component into MMAction2's registries (scope ``mmaction``).
"""
from . import compat
from . import datasets, engine, evaluation, functional, models  # noqa: F401
from .version import __version__  # noqa: F401

compat.apply()
