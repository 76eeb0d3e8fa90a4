"""The edge: reading what clients send as hostile until checked, limits, who is asking, slow
clients, and the access log.
"""
