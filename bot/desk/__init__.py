"""People taking over: handing a conversation to the desk, the desk's settings, and the agent
console.
"""
