"""The jitted discrete-event kernel (internal: use ``orbits_widget.Simulation``).

Modules follow a request: ``frontend`` admits it, ``router`` sends it to a prefill worker,
``prefill`` runs its passes, ``router`` picks a decode worker, ``transfer`` moves its KV,
``decode`` admits and batches it until its last token; ``loop`` orders the events.
``detector`` (the Saturation Detector's poll) and ``poa`` (the PoA-hat estimator) are the
control plane's jitted parts: the loop calls them, so they live here, below ``control/``.
"""
