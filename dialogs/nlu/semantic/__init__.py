"""The semantic stage of understanding: sentence vectors from a model shipped in a package
(``embedding``), the stage that decides with them (``stage``), built-in out-of-scope phrases
(``small_talk``).
"""
