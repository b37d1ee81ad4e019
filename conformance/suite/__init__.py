"""The conformance tests. Each test names the rules it checks with ``@pytest.mark.rule``."""
