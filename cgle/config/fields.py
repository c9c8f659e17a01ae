"""Field parsers of the config: each takes (key, value) and returns the parsed value or
raises :class:`ConfigError`, whose message names the YAML key path, the rule and the
offending value::

    config error at time.dt: must be > 0 (got -1)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

Parser = Callable[[str, Any], Any]
"""A field parser: ``parse(key, value)`` returns the parsed value or raises :class:`ConfigError`."""


class ConfigError(ValueError):
    """An invalid configuration entry: ``key`` is the dotted YAML path."""

    def __init__(self, key: str, rule: str, value: object = None, *, show_value: bool = True) -> None:
        self.key, self.rule, self.value = key, rule, value
        where = f"config error at {key}" if key else "config error"
        text = f"{where}: {rule}"
        if show_value:
            text += f" (got {_show(value)})"
        super().__init__(text)


def _show(value):
    if isinstance(value, complex):
        return format_complex(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def format_complex(z: complex) -> str:
    """Complex number as the string form the configs accept.

    Parameters
    ----------
    z : complex

    Returns
    -------
    str

    Examples
    --------
    >>> format_complex(2 + 0.2j), format_complex(1 - 1j), format_complex(3)
    ('2.0+0.2j', '1.0-1.0j', '3.0+0.0j')
    """
    z = complex(z)
    return f"{z.real!r}{z.imag:+}j".replace("+-", "-")


# --------------------------------------------------------------------------- parsers
# Each parser takes (key, value) and returns the parsed value or raises ConfigError.


def _real(key, value):
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(key, "must be a real number", value) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(key, "must be a real number", value)
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(key, "must be finite", value)
    return value


def real(gt: float | None = None, ge: float | None = None, le: float | None = None) -> Parser:
    """Parser of a finite real number (a number or a numeric string), with optional bounds.

    Parameters
    ----------
    gt, ge, le : float, optional
        The value must be > ``gt``, >= ``ge`` and <= ``le``.

    Returns
    -------
    Parser
        ``parse(key, value) -> float``.

    Examples
    --------
    >>> real(gt=0)("time.dt", "0.5")
    0.5
    >>> real(gt=0)("time.dt", -1)
    Traceback (most recent call last):
    ...
    cgle.config.fields.ConfigError: config error at time.dt: must be > 0 (got -1)
    """

    def parse(key, raw):
        value = _real(key, raw)
        # messages show the value as the user wrote it
        if gt is not None and not value > gt:
            raise ConfigError(key, f"must be > {gt:g}", raw)
        if ge is not None and not value >= ge:
            raise ConfigError(key, f"must be >= {ge:g}", raw)
        if le is not None and not value <= le:
            raise ConfigError(key, f"must be <= {le:g}", raw)
        return value

    return parse


def integer(ge: int | None = None, le: int | None = None) -> Parser:
    """Parser of an integer (a float with an integer value is accepted), with optional bounds.

    Parameters
    ----------
    ge, le : int, optional
        The value must be >= ``ge`` and <= ``le``.

    Returns
    -------
    Parser
        ``parse(key, value) -> int``.

    Examples
    --------
    >>> integer(ge=4)("grid.n", 220.0)
    220
    """

    def parse(key, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(key, "must be an integer", value)
        value = int(value)
        if ge is not None and value < ge:
            raise ConfigError(key, f"must be >= {ge}", value)
        if le is not None and value > le:
            raise ConfigError(key, f"must be <= {le}", value)
        return value

    return parse


def cplx(key: str, value: object) -> complex:
    """Parse a complex number: a plain number or a string such as ``'2+0.2j'``.

    Parameters
    ----------
    key : str
        The dotted YAML key (for the error message).
    value : object
        The YAML value.

    Returns
    -------
    complex

    Examples
    --------
    >>> cplx("equation.nu", "2 + 0.2j")
    (2+0.2j)
    """
    if isinstance(value, bool):
        raise ConfigError(key, "must be a complex number like '2+0.2j'", value)
    if isinstance(value, str):
        try:
            value = complex(value.replace(" ", ""))
        except ValueError:
            raise ConfigError(key, "must be a complex number like '2+0.2j'", value) from None
    if not isinstance(value, numbers.Complex):
        raise ConfigError(key, "must be a complex number like '2+0.2j'", value)
    value = complex(value)
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise ConfigError(key, "must be finite", value)
    return value


def amplitude(key: str, value: object) -> complex:
    """A complex amplitude whose square stays finite: |value| <= 1e150."""
    value = cplx(key, value)
    if abs(value) > 1e150:
        raise ConfigError(key, "must be at most 1e150 in modulus (|q|^2 must stay a finite number)", value)
    return value


def choice(*allowed: str) -> Parser:
    """Parser of one of the strings ``allowed``.

    Examples
    --------
    >>> choice("gzip", "lzf")("output.compression", "zip")
    Traceback (most recent call last):
    ...
    cgle.config.fields.ConfigError: config error at output.compression: must be one of gzip, lzf (got 'zip')
    """

    def parse(key, value):
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(key, "must be one of " + ", ".join(allowed), value)
        return value

    return parse


def text(key: str, value: object) -> str:
    """Parse a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "must be a non-empty string", value)
    return value


def name_text(key: str, value: object) -> str:
    """Parse a plain name: a non-empty string without path separators (run and sweep names)."""
    value = text(key, value)
    if any(c in value for c in "/\\\0") or value in (".", ".."):
        raise ConfigError(key, "must be a plain name (no path separators)", value)
    return value


def boolean(key: str, value: object) -> bool:
    """Parse ``true`` or ``false`` (YAML booleans only, not strings or numbers)."""
    if not isinstance(value, bool):
        raise ConfigError(key, "must be true or false", value)
    return value


def optional(parse: Parser) -> Parser:
    """The parser ``parse`` that also accepts null (None), returned as None."""

    def parse_optional(key, value):
        return None if value is None else parse(key, value)

    return parse_optional


def seq(parse: Parser, length: int | None = None, min_length: int = 1) -> Parser:
    """Parser of a list whose items ``parse`` accepts; a single item counts as a list of one.

    Parameters
    ----------
    parse : Parser
        Parser of each item (errors name the item, e.g. ``grid.n[1]``).
    length : int, optional
        Exact number of items.
    min_length : int
        Smallest number of items.

    Returns
    -------
    Parser
        ``parse(key, value) -> tuple``.

    Examples
    --------
    >>> seq(integer(ge=4))("grid.n", [64, 32])
    (64, 32)
    >>> seq(integer(ge=4))("grid.n", 128)
    (128,)
    """

    def parse_seq(key, value):
        items = value if isinstance(value, (list, tuple)) else [value]
        if length is not None and len(items) != length:
            raise ConfigError(key, f"must be a list of {length} entries", value)
        if len(items) < min_length:
            raise ConfigError(key, f"must have at least {min_length} entries", value)
        return tuple(parse(f"{key}[{i}]", v) for i, v in enumerate(items))

    return parse_seq


def real_or_choice(parse_real: Parser, *allowed: str) -> Parser:
    """Parser of a number (checked by ``parse_real``) or one of the strings ``allowed``.

    Examples
    --------
    >>> scale = real_or_choice(real(gt=0), "auto", "ilak")
    >>> scale("grid.scale", "auto"), scale("grid.scale", 0.5)
    ('auto', 0.5)
    """

    def parse(key, value):
        if isinstance(value, str) and value in allowed:
            return value
        try:
            return parse_real(key, value)
        except ConfigError:
            raise ConfigError(key, "must be a number or one of " + ", ".join(allowed), value) from None

    return parse


def lookup(data: dict, dotted: str, default: object = None) -> object:
    """The value at a dotted key of nested mappings, or ``default`` where it is missing."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


_ABSENT = object()


def written(data: dict, dotted: str) -> bool:
    """Whether the user wrote the dotted key."""
    return lookup(data, dotted, _ABSENT) is not _ABSENT
