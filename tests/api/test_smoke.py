async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok"


async def test_me_requires_sign_in(gql):
    from tests.conftest import error_codes

    body = await gql("{ me { id } }", expect_errors=True)
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_me_with_token(gql, garage):
    body = await gql("{ me { id name role garage { name } } }", token=garage.token())
    assert body["data"]["me"]["role"] == "ADMIN"
    assert body["data"]["me"]["garage"]["name"] == "Garage One"


async def test_readyz_reports_an_unreachable_database():
    import httpx

    from backend.app import create_app
    from tests.conftest import make_settings

    broken = create_app(make_settings("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=broken), base_url="http://t") as c:
        assert (await c.get("/healthz")).status_code == 200
        r = await c.get("/readyz")
        assert r.status_code == 503 and r.json()["database"] == "unreachable"
    await broken.state.services.db.dispose()
