"""Schemathesis hooks for the fuzzing (loaded through SCHEMATHESIS_HOOKS). Open311's form gets the development
api_key (its GET gets it from schemathesis.toml), and a real category and region where the generated form has none:
a made-up key is refused at the door and a form without them before routing, so without these no generated request
would reach intake behind the form."""
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
