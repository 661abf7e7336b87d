"""Schemathesis hooks for the fuzzing (loaded through SCHEMATHESIS_HOOKS). Open311's form carries the development
api_key, as the query of its GET does through schemathesis.toml, and where the generated form leaves out a category
or a region, the fuzzer fills in real ones: a made-up key stops every request at the door, and a made-up category
or no region before routing, so only these reach intake behind the form."""
import schemathesis

from services.complaints.settings import DEV_OPEN311_KEYS

OPEN311_KEY = DEV_OPEN311_KEYS.split("=")[0]
OPEN311_REQUESTS = "/open311/v2/requests.json"
FILLED = {"service_code": "food_safety", "attribute[region]": "440105"}


@schemathesis.hook
def map_body(ctx, body):
    if ctx.operation is None or ctx.operation.path != OPEN311_REQUESTS or not isinstance(body, dict):
        return body
    filled = {field: value for field, value in FILLED.items() if not body.get(field)}
    return {**body, **filled, "api_key": OPEN311_KEY}
