"""Session-wide fixtures of the end-to-end tests."""
import pytest

from test_sdks import remove_what_tests_created


@pytest.fixture(scope="session", autouse=True)
def remove_created_databases_and_directories():
    """Once every test has run: drop the PostgreSQL databases and delete the directories they made."""
    yield
    remove_what_tests_created()
