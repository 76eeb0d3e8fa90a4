"""Who a customer is: resolving a channel identity to a customer, linking channels on verified
evidence, link codes and the consent to a join, proving a phone, and merging two customers into
one.
"""
