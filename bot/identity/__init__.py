"""Who a customer is: linking channels on verified evidence, link codes and the consent to a join,
proving a phone, and merging two customers into one.
"""
