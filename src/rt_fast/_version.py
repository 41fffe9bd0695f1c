"""The version of rt_fast, written here only: the package's metadata reads it at build time."""

__version__ = "0.2.0"
