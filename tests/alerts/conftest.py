from tests.worklist.conftest import scored, store_scores  # noqa: F401 - the same small scored world
