"""The config reference, rendered from :data:`cgle.config.key_docs.KEY_DOCS`.

The documentation site includes :func:`reference_markdown` as its config reference page,
so the page shows exactly the keys, defaults and allowed values that the schema defines;
``tests/config/test_reference.py`` loads every documented default, allowed value and
example through :func:`cgle.config.load_config` and checks that the undocumented keys
are refused.
"""

from __future__ import annotations

import yaml

from cgle.config.fields import format_complex
from cgle.config.key_docs import KEY_DOCS, SECTION_DOCS, KeyDoc
from cgle.config.schema import GRID_BASES, INITIAL_KINDS, TOP_LEVEL


def yaml_value(value: object) -> str:
    """A parsed config value written as it would be in YAML (``2+0.2j``, ``[64, 64]``, ``null``).

    Parameters
    ----------
    value : object
        A value as the config holds it (complex, tuple, None, ...).

    Returns
    -------
    str

    Examples
    --------
    >>> yaml_value((0.34 + 0j, 0j, -0.005 + 0j))
    '[0.34, 0.0, -0.005]'
    >>> yaml_value(2 + 0.2j), yaml_value(None), yaml_value(True)
    ('2.0+0.2j', 'null', 'true')
    """
    def plain(v):
        if isinstance(v, complex):
            return v.real if v.imag == 0 else format_complex(v)
        if isinstance(v, (list, tuple)):
            return [plain(item) for item in v]
        return v

    text = yaml.safe_dump(plain(value), default_flow_style=True, width=1000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def schemes() -> tuple:
    """The registered time schemes (the allowed values of ``time.scheme``)."""
    from cgle.steppers import registry

    return tuple(sorted(registry()))


def docs_for(section: str) -> list[KeyDoc]:
    """The entries of one section, in schema order."""
    return [doc for doc in KEY_DOCS if doc.section == section]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def _code(text: str) -> str:
    return f"``{text}``" if "`" in text else f"`{text}`"


def written_default(doc: KeyDoc) -> object:
    """The default of ``doc`` as a config file would write it (``220`` for ``grid.n = (220,)``)."""
    value = doc.default_value()
    if isinstance(value, tuple) and len(value) == 1 and not doc.kind.startswith("list"):
        return value[0]
    return value


def _default(doc: KeyDoc) -> str:
    if doc.derived:
        return _cell(doc.derived)
    return _code(yaml_value(written_default(doc)))


def _rule(doc: KeyDoc) -> str:
    allowed = schemes() if doc.key == "time.scheme" else doc.allowed
    parts = [doc.rule] if doc.rule else []
    if allowed:
        parts.append(("or " if parts else "") + "one of " + ", ".join(_code(str(a)) for a in allowed))
    return _cell("; ".join(parts)) if parts else ""


def _table(docs: list[KeyDoc]) -> list[str]:
    lines = ["| key | type | default | rule | example | meaning |", "| --- | --- | --- | --- | --- | --- |"]
    for doc in docs:
        example = _code(f"{doc.name}: {yaml_value(doc.example)}")
        lines.append(f"| `{doc.name}` | {doc.kind} | {_default(doc)} | {_rule(doc)} | {example} | {_cell(doc.text)} |")
    return lines


def _grouped(docs: list[KeyDoc], key: str, values: tuple, label: str) -> list[str]:
    lines = []
    common = [d for d in docs if not d.when]
    lines += _table(common) + [""]
    for value in values:
        group = [d for d in docs if d.when and d.when[0] == key and value in d.when[1]]
        lines += [f"### {label} `{value}`", ""]
        lines += (_table(group) if group else ["No further keys."]) + [""]
    return lines


def reference_markdown(heading_level: int = 2) -> str:
    """The config reference as Markdown (MyST): one table per section.

    Parameters
    ----------
    heading_level : int
        Level of the section headings (``##`` by default).

    Returns
    -------
    str
    """
    lines = []
    for section in TOP_LEVEL:
        docs = docs_for(section)
        lines += [f"{'#' * heading_level} `{section}`", "", _cell(SECTION_DOCS[section]), ""]
        if section == "grid":
            lines += _grouped(docs, "grid.basis", GRID_BASES, "basis")
        elif section == "initial":
            lines += _grouped(docs, "initial.kind", tuple(INITIAL_KINDS), "kind")
        else:
            lines += _table(docs) + [""]
    text = "\n".join(lines)
    return text.replace("\n### ", "\n" + "#" * (heading_level + 1) + " ")
