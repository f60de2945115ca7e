"""Technical Services Data Lab: the helper package the course notebooks import."""

__version__ = "0.1.0"
