"""One running bot: configuration, the command line, the HTTP server, workers, the composition
root, logs and metrics.
"""
