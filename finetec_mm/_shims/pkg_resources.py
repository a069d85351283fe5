"""The part of ``pkg_resources`` that mmengine 0.10.7 uses, on
``importlib.metadata`` (setuptools >= 81 no longer ships ``pkg_resources``).

mmengine's ``is_installed`` / ``get_installed_path`` / ``package2module``
call ``get_distribution(name)`` and read ``location``, ``version``,
``has_metadata`` / ``get_metadata``, and catch ``DistributionNotFound``.
Installed by :func:`finetec_mm.compat.provide_pkg_resources` only where the
real module is missing.
"""
import importlib.metadata as _metadata

FINETEC_SHIM = True


class DistributionNotFound(Exception):
    """No installed distribution of that name."""


class _Distribution:
    def __init__(self, dist: _metadata.Distribution) -> None:
        self._dist = dist
        self.project_name = dist.metadata['Name']
        self.key = self.project_name.lower()
        self.version = dist.version
        self.location = str(dist.locate_file(''))

    def has_metadata(self, name: str) -> bool:
        return self._dist.read_text(name) is not None

    def get_metadata(self, name: str) -> str:
        text = self._dist.read_text(name)
        if text is None:
            raise FileNotFoundError(name)
        return text


def get_distribution(name: str) -> _Distribution:
    """The installed distribution ``name``."""
    try:
        return _Distribution(_metadata.distribution(str(name)))
    except _metadata.PackageNotFoundError:
        raise DistributionNotFound(name) from None
