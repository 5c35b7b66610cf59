"""Inputs and validation: config -> :class:`~optimizer.inputs.loader.Inputs`."""

from optimizer.inputs.loader import Inputs, load_inputs, resolve_target

__all__ = ["Inputs", "load_inputs", "resolve_target"]
