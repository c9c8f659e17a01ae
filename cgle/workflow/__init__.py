"""The application layer: runs (:mod:`~cgle.workflow.runner`) and parameter sweeps
(:mod:`~cgle.workflow.sweep_file`, :mod:`~cgle.workflow.sweep`,
:mod:`~cgle.workflow.sweep_worker`, :mod:`~cgle.workflow.manifest`)."""
