"""The designer's tools: omnibot validate, test, chat, graph and schema, and the in-process sandbox
they run a bot in.
"""
