"""People taking over: handing a conversation to the desk, the desk's settings and its contract
(``store``), and the agent console.
"""
