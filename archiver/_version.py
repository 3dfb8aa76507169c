"""The version of archiver: the one place it is written (the build reads it from here)."""

#: The version; ``pyproject.toml`` takes it from here (``[tool.setuptools.dynamic]``).
__version__ = "0.2.0"

#: The distribution's name on PyPI (the import package and the command are ``archiver``).
DISTRIBUTION = "archiver-provenance"

__all__ = ["DISTRIBUTION", "__version__"]
