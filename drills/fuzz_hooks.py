"""Schemathesis hooks for the fuzzing (loaded through SCHEMATHESIS_HOOKS): Open311's form carries the development
api_key, as the query of its GET does through schemathesis.toml; a made-up key stops every request at the door."""
import schemathesis

from services.complaints.settings import DEV_OPEN311_KEYS

OPEN311_KEY = DEV_OPEN311_KEYS.split("=")[0]
OPEN311_REQUESTS = "/open311/v2/requests.json"


@schemathesis.hook
def map_body(ctx, body):
    if ctx.operation is not None and ctx.operation.path == OPEN311_REQUESTS and isinstance(body, dict):
        return {**body, "api_key": OPEN311_KEY}
    return body
