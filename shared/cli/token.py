"""Mint a development token: `jointsup-token --agency 440100-amr --roles officer,lead`."""
import argparse
import os

from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agency", help="agency code, e.g. 440100-amr")
    parser.add_argument("--roles", required=True, help="comma-separated: intake,officer,lead,platform,service,admin")
    parser.add_argument("--platform", help="platform code, for the platform role")
    parser.add_argument("--region", help="region code (defaults to the agency's)")
    parser.add_argument("--sub", help="subject (defaults to a name from the agency)")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds until expiry")
    parser.add_argument("--issuer", default=os.environ.get("JOINTSUP_JWT_ISSUER"),
                        help="the iss claim (default: JOINTSUP_JWT_ISSUER)")
    parser.add_argument("--audience", default=os.environ.get("JOINTSUP_JWT_AUDIENCE"),
                        help="the aud claim (default: JOINTSUP_JWT_AUDIENCE)")
    args = parser.parse_args()
    secret = os.environ.get("JOINTSUP_JWT_SECRET", DEV_JWT_SECRET)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    sub = args.sub or f"dev:{args.agency or args.platform or 'user'}"
    print(mint_token(secret, sub=sub, agency=args.agency, roles=roles, platform=args.platform,
                     region=args.region, issuer=args.issuer, audience=args.audience, ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
