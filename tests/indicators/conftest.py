import pytest

from tests.scorecard_data import build_scored


@pytest.fixture
def scored(db, officer):
    """CP 5 (persistently red in Sep-20), FD 3 (green, key KPI), CLA 3 (neutral count), scored."""
    return build_scored(officer)
