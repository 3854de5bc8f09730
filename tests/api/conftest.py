import pytest

from ..conftest import TEST_PASSWORD


@pytest.fixture
def api_token(client, factories):
    """Make a user of ``role`` and return (user, headers with their bearer token)."""

    def _token(role, **kwargs):
        user = factories.make_user(role, **kwargs)
        response = client.post(
            "/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 201, response.json
        return user, {"Authorization": f"Bearer {response.json['token']}"}

    return _token
