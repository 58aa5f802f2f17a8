"""The tool's version, in a module of its own so that every layer can read it without imports."""

__version__ = "0.1.0"
