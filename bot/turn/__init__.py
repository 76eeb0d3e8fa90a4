"""The turn: the one path by which anything changes a customer (pipeline, handler contract, leases,
recovery, delivery), the customer record it works on, and the contracts of what it runs on (the
shared memory, ``store``, and the bus).
"""
