"""The smallest ASGI app that answers like an empty nearby search: the server's own floor.

``bench/nearby.py`` serves it from daphne next to the real endpoint, so the table shows what
any answer costs on the machine before Django, the database or the search do anything.
"""

BODY = b"[]"
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
