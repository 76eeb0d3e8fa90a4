"""The dialog language as designers write it: the schema of a flows file, loading it with
positions, checking it across files, walking and charting its flows, templates.
"""
