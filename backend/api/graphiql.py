"""GraphiQL for signed-in admins, in production too: POST /graphiql with the admin's access token in the form body
(the app's "API explorer" link submits it, so the token is in no URL and no access log).

A browser's navigation carries no bearer token, so GraphiQL cannot be a plain GET page for admins only. The answer to
an admin's POST is Strawberry's GraphiQL page set to send that token with every request to /graphql, with the
schema's introspection built in: production refuses introspection queries on the wire, and the page answers its own
introspection query from that copy. Anyone else (no token, an expired one, another role, an API key) gets 404 and no
page. Outside production GET /graphql still shows GraphiQL to anyone, as before.
"""

from __future__ import annotations

import json

from graphql import introspection_from_schema
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from backend.api.security_headers import _directives
from backend.core.permissions import Role

PATH = "/graphiql"
_FETCH_URL = 'const fetchURL = window.location.href.split("?")[0];'
_HEADERS = "const defaultHeaders = {};"
_FETCHER = "const fetcher = GraphiQL.createFetcher({"


def _script_json(value: object) -> str:
    """JSON safe inside an inline <script>: no "</" to close it, no line separators JavaScript would choke on."""
    return (json.dumps(value, ensure_ascii=True, separators=(",", ":"))
            .replace("</", "<\\/").replace("<!--", "<\\!--"))


def page(token: str, introspection: dict) -> str:
    html = get_graphql_ide_html("graphiql")
    for marker in (_FETCH_URL, _HEADERS, _FETCHER):
        if marker not in html:  # Strawberry's page changed: better no explorer than one that leaks or misfires
            raise RuntimeError(f"GraphiQL page without {marker!r}")
    html = html.replace(_FETCH_URL, 'const fetchURL = new URL("/graphql", window.location.href).href;')
    # subscriptions over the WebSocket sign in with the same header, in the connection's parameters
    html = html.replace("headers: defaultHeaders,", "headers: defaultHeaders,\n        wsConnectionParams: defaultHeaders,")
    html = html.replace(_HEADERS, "const defaultHeaders = {Authorization: " + _script_json("Bearer " + token) + "};")
    # the page's own introspection query is answered from the schema built in; everything else goes to /graphql
    html = html.replace(_FETCHER, (
        "const builtInSchema = " + _script_json({"data": introspection}) + ";\n"
        "      const wireFetcher = GraphiQL.createFetcher({"))
    closing = html.index("});", html.index("const wireFetcher")) + 3
    html = html[:closing] + (
        "\n      const fetcher = function (params, options) {\n"
        "        if (params && params.operationName === \"IntrospectionQuery\") {\n"
        "          return Promise.resolve(builtInSchema);\n"
        "        }\n"
        "        return wireFetcher(params, options);\n"
        "      };") + html[closing:]
    return html


def graphiql_routes(services, schema) -> list[Route]:
    introspection: dict | None = None

    async def graphiql(request: Request) -> Response:
        nonlocal introspection
        if request.method != "POST":
            return PlainTextResponse("Not Found", status_code=404)
        form = await request.form()
        token = form.get("token")
        actor = await services.authenticate(token) if isinstance(token, str) and 0 < len(token) <= 4096 else None
        if actor is None or actor.user_id is None or actor.api_key_id is not None or actor.role != Role.ADMIN:
            return PlainTextResponse("Not Found", status_code=404)
        if introspection is None:
            introspection = introspection_from_schema(schema._schema)  # graphql-core's, no extensions
        host = request.headers.get("host")
        return HTMLResponse(page(token, introspection), headers={
            "Content-Security-Policy": _directives(host, [], graphiql=True),
            "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    return [Route(PATH, graphiql, methods=["GET", "POST"])]
