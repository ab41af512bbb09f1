"""Pure code the assets call: CLV models, relative weights, the CLV benchmark.

Nothing here defines Dagster objects, and Dagster does not scan this package (only
`orchestration/defs` is its defs folder); each module is tested on its own in tests/python.
"""
