"""Understanding what customers write: which flow or intent a message triggers, which language it
is in, and typed slots (dates, numbers, phones, e-mails) read from it.
"""
