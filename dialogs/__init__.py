"""The YAML dialog language and its engine: ``design`` (what a flows file may say, and loading
it), ``validation`` (checking it across files), ``nlu`` (understanding customers),
``conversation`` (a turn, phase by phase), ``steps`` (one module per step kind), ``actions`` and
``tools`` (the designer's commands).
"""
