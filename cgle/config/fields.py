"""Field parsers of the config: each takes (key, value) and returns the parsed value or
raises :class:`ConfigError`, whose message names the YAML key path, the rule and the
offending value::

    config error at time.dt: must be > 0 (got -1)
"""

from __future__ import annotations

import math
import numbers


class ConfigError(ValueError):
    """An invalid configuration entry: ``key`` is the dotted YAML path."""

    def __init__(self, key, rule, value=None, *, show_value=True):
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


def format_complex(z):
    """Complex number as the string form the configs accept, e.g. '2+0.2j'."""
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


def real(gt=None, ge=None, le=None):
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


def integer(ge=None, le=None):
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


def cplx(key, value):
    """A complex number: a plain number or a string such as '2+0.2j'."""
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


def amplitude(key, value):
    """A complex amplitude whose square stays finite: |value| <= 1e150."""
    value = cplx(key, value)
    if abs(value) > 1e150:
        raise ConfigError(key, "must be at most 1e150 in modulus (|q|^2 must stay a finite number)", value)
    return value


def choice(*allowed):
    def parse(key, value):
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(key, "must be one of " + ", ".join(allowed), value)
        return value

    return parse


def text(key, value):
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "must be a non-empty string", value)
    return value


def name_text(key, value):
    value = text(key, value)
    if any(c in value for c in "/\\\0") or value in (".", ".."):
        raise ConfigError(key, "must be a plain name (no path separators)", value)
    return value


def boolean(key, value):
    if not isinstance(value, bool):
        raise ConfigError(key, "must be true or false", value)
    return value


def optional(parse):
    def parse_optional(key, value):
        return None if value is None else parse(key, value)

    return parse_optional


def seq(parse, length=None, min_length=1):
    """A list of items (a single item is accepted for a list of any length)."""

    def parse_seq(key, value):
        items = value if isinstance(value, (list, tuple)) else [value]
        if length is not None and len(items) != length:
            raise ConfigError(key, f"must be a list of {length} entries", value)
        if len(items) < min_length:
            raise ConfigError(key, f"must have at least {min_length} entries", value)
        return tuple(parse(f"{key}[{i}]", v) for i, v in enumerate(items))

    return parse_seq


def real_or_choice(parse_real, *allowed):
    def parse(key, value):
        if isinstance(value, str) and value in allowed:
            return value
        try:
            return parse_real(key, value)
        except ConfigError:
            raise ConfigError(key, "must be a number or one of " + ", ".join(allowed), value) from None

    return parse
