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
