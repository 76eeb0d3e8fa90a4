"""The turn: the one path by which anything changes a customer (pipeline, handler contract, leases,
recovery, delivery) and the customer record it works on.
"""
