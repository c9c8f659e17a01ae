"""What counts as cgle's public API: one definition for the API reference and its test.

A public module is any module of the package without a leading underscore in its path
(``cgle.__main__`` and ``cgle._version`` are not). Its public names are the functions,
classes and numba-compiled functions *defined* in it (``obj.__module__`` is the module)
whose names have no leading underscore; re-exports are documented where they are
defined. The public members of a public class are the methods, class methods, static
methods and properties in its own ``__dict__`` without a leading underscore.

``docs/_ext/cgle_docs.py`` writes one ``autofunction``/``autoclass`` directive per name,
and ``tests/test_docstrings.py`` fails for a name without a docstring, so the reference
covers every public name and every entry in it says something.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

# kept for one release; importing them warns, and they define nothing of their own
DEPRECATED = ("cgle.linalg", "cgle.stats")


def public_modules() -> list[str]:
    """Dotted names of the public modules, packages first within each level, sorted."""
    import cgle

    names = ["cgle"]
    for info in pkgutil.walk_packages(cgle.__path__, "cgle."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        names.append(info.name)
    return sorted(names)


def load(name: str):
    """Import a module, silencing the deprecation warning of the old aliases."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(name)


def _is_routine(obj) -> bool:
    return inspect.isfunction(obj) or hasattr(obj, "py_func")  # numba dispatchers carry py_func


def public_names(module) -> list[tuple[str, object]]:
    """(name, object) for the functions and classes defined in ``module``, in source order."""
    found = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isclass(obj) or _is_routine(obj)):
            continue
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        found.append((name, obj))
    return found


def public_members(cls) -> list[tuple[str, object]]:
    """(name, attribute) for the public methods and properties defined by ``cls`` itself."""
    members = []
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if inspect.isfunction(attr) or isinstance(attr, property):
            members.append((name, attr))
    return members


def public_objects() -> list[tuple[str, str, object]]:
    """(module name, dotted name, object) for every public module, name and member."""
    found = []
    for modname in public_modules():
        module = load(modname)
        found.append((modname, modname, module))
        if modname in DEPRECATED:
            continue
        for name, obj in public_names(module):
            found.append((modname, f"{modname}.{name}", obj))
            if inspect.isclass(obj):
                # a method is looked up on the class, so that an override without a
                # docstring shows the one it overrides (as autodoc does)
                found += [(modname, f"{modname}.{name}.{member}", getattr(obj, member) if inspect.isfunction(attr)
                           else attr) for member, attr in public_members(obj)]
    return found


def docstring(obj) -> str:
    """The object's own docstring ('' when it has none; a dataclass's generated one is none)."""
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__") or ""
        return "" if doc == dataclass_signature_doc(obj) else doc.strip()
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return inspect.getdoc(obj) or ""
    return (getattr(obj, "__doc__", None) or "").strip()


def dataclass_signature_doc(cls) -> str | None:
    """The ``__doc__`` that ``dataclasses`` writes for a class without a docstring."""
    import dataclasses

    if not dataclasses.is_dataclass(cls):
        return None
    try:
        text = str(inspect.signature(cls)).replace(" -> None", "")
    except (TypeError, ValueError):
        return None
    return cls.__name__ + text
