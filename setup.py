"""finetec-mm: FineTec (fine-grained action recognition from corrupted
skeleton sequences) as an MMAction2 plugin."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'finetec_mm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='finetec-mm',
    version=read_version(),
    description='FineTec for MMAction2: fine-grained action recognition '
    'from temporally corrupted 2D skeletons',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['finetec_mm', 'finetec_mm.*']),
    python_requires='>=3.10,<3.13',
    # torch>=2.1 is required but deliberately not pinned to a build: install
    # the CPU or CUDA wheel that fits the machine before this package.
    install_requires=['torch>=2.1'] + read_requirements('runtime.txt'),
    extras_require=dict(tests=read_requirements('tests.txt')),
    license='Apache-2.0',
    classifiers=[
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
    ],
)
