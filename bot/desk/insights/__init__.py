"""What the bot resolves, for managers: each customer's conversation as the insights count it
(``marks``), the counting at conversation boundaries (``accounting``, ``recorder``), the daily
tallies' contract (``tallies``) and the report read from them (``report``, ``export``). The
definitions are in ``docs/agents.md``, "Insights for managers".
"""
