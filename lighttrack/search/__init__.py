"""Architecture search: LightTrack's evolution, aging evolution and random search under params /
MACs / measured-latency budgets, with supernet fitness (BN recalibration + real tracking).

- ``evolution``: the algorithms (ask/tell, seeded, resumable)
- ``constraints``: ``Limits`` and ``Costs`` (params and MACs via CostTable, latency via tables)
- ``latency``: per-op latency lookup tables per runtime, end-to-end validation
- ``calibrate`` / ``fitness``: BN recalibration and (AO + SR0.5) / 2 on a validation split
- ``distributed``: candidates scored across torchrun ranks
- ``pareto``: fronts and plots; ``runner``: config -> search -> outputs (``lighttrack search``)

See docs/search.md.
"""
