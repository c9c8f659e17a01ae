"""Sphinx configuration of the cgle documentation.

Build: ``make -C docs html`` (or ``sphinx-build -W -b html docs docs/_build/html``).
The API, CLI and config references and the executed notebooks are generated at the
start of every build by ``_ext/cgle_docs.py``.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import cgle  # noqa: E402

project = "cgle"
author = "The cgle developers"
copyright = "2026, The cgle developers"
release = cgle.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinx_copybutton",
    "sphinx-mathjax-offline",  # a local MathJax: the pages render their maths without network
    "cgle_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "_ext", "reference/generated", "jupyter_execute"]
root_doc = "index"

# MyST: $...$ and $$...$$ maths, ::: fences, definition lists, heading anchors
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
# notebooks/ are executed by cgle_docs (working directory: the repository root); the
# how-to pages written as MyST notebooks are executed here, in their own folder
nb_execution_mode = "auto"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_render_markdown_format = "myst"  # tables in Markdown outputs

# autodoc + numpydoc
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping = {}  # the build machine has no network: no external inventories

html_theme = "furo"
html_title = f"cgle {release}"
html_static_path = ["_static"]
html_show_sourcelink = False
pygments_style = "friendly"
