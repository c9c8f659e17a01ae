"""Packaging beyond what pyproject.toml can say: the example configs.

The YAML files in ``configs/`` ship inside the package as ``cgle/examples/*.yaml``
(``cgle example`` reads them), mapped at build time so that the repository keeps one
copy of each file. Everything else about the package is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cgle", "cgle.*"]), "cgle.examples"],
    package_dir={"cgle.examples": "configs"},
    package_data={"cgle": ["py.typed"], "cgle.examples": ["*.yaml"]},
)
