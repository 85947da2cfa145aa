"""The request guard through Starlette's TestClient: methods, limits, token, headers."""

from __future__ import annotations

import asyncio

import pytest
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from omninode_bridge.observability import HealthChecker, MonitoringSystem
from omninode_bridge.web import GuardOptions, RequestGuard, WebOptions, WebSources, create_app
from omninode_bridge.web.guard import CONTENT_SECURITY_POLICY, COOKIE_NAME

TOKEN = "s3cret-token"


def _client(
    monitoring: MonitoringSystem, health_checker: HealthChecker, **guard: object
) -> TestClient:
    sources = WebSources(monitoring=monitoring, health_checker=health_checker)
    app = create_app(sources, WebOptions(guard=GuardOptions(**guard)))  # type: ignore[arg-type]
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def client(monitoring: MonitoringSystem, health_checker: HealthChecker) -> TestClient:
    return _client(monitoring, health_checker)


@pytest.fixture
def locked(monitoring: MonitoringSystem, health_checker: HealthChecker) -> TestClient:
    return _client(monitoring, health_checker, token=TOKEN)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/", "/api/runs", "/metrics", "/nope"])
def test_every_method_but_get_and_head_is_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_head_answers_without_a_body(client: TestClient) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


def test_unknown_page_is_an_html_404_without_a_traceback(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text


def test_unknown_api_path_is_a_json_404_listing_the_endpoints(client: TestClient) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert "/api/runs" in response.json()["endpoints"]


def test_unknown_static_file_is_404(client: TestClient) -> None:
    assert client.get("/static/../../pyproject.toml").status_code == 404
    assert client.get("/static/secret.txt").status_code == 404
    assert client.get("/static/live.js").status_code == 200


def test_request_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.request("GET", "/", content=b"x" * 2048)
    assert response.status_code == 413


def test_long_query_string_is_414(client: TestClient) -> None:
    assert client.get("/", params={"q": "x" * 5000}).status_code == 414


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/nope", "/health"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_without_token_pages_are_401(locked: TestClient) -> None:
    page = locked.get("/", headers={"accept": "text/html"})
    api = locked.get("/api/runs")
    assert page.status_code == 401
    assert "Token needed" in page.text
    assert api.status_code == 401
    assert api.json() == {"error": "token needed"}


@pytest.mark.parametrize("path", ["/health", "/metrics"])
def test_health_and_metrics_need_no_token(locked: TestClient, path: str) -> None:
    assert locked.get(path).status_code == 200


def test_bearer_token_opens_the_api(locked: TestClient) -> None:
    good = locked.get("/api/runs", headers={"authorization": f"Bearer {TOKEN}"})
    bad = locked.get("/api/runs", headers={"authorization": "Bearer nope"})
    assert good.status_code == 200
    assert bad.status_code == 401


def test_token_link_sets_the_cookie_and_drops_the_token_from_the_address(
    locked: TestClient,
) -> None:
    response = locked.get("/", params={"page": "2", "token": TOKEN})
    assert response.status_code == 303
    assert response.headers["location"] == "/?page=2"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert locked.get("/").status_code == 200


def test_wrong_token_link_is_401_and_sets_no_cookie(locked: TestClient) -> None:
    response = locked.get("/", params={"token": "guess"})
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert locked.get("/").status_code == 401


def test_a_request_over_its_time_limit_is_503() -> None:
    async def stuck(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.Event().wait()

    guard = RequestGuard(stuck, options=GuardOptions(request_timeout_seconds=0.05))
    assert TestClient(guard).get("/").status_code == 503


def test_a_response_within_the_limit_passes_through() -> None:
    guard = RequestGuard(PlainTextResponse("ok"), options=GuardOptions())
    response = TestClient(guard).get("/")
    assert response.text == "ok"
