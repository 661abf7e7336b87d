"""`jointsup-dlq replay --service notify [--limit N]`: dead letters back to the service's retry topic."""
import argparse
import asyncio
import os

from shared.events.topics import SERVICES, retry_topic
from shared.messaging.dlq_replay import replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["replay"])
    parser.add_argument("--service", required=True, choices=SERVICES)
    parser.add_argument("--limit", type=int, default=None, help="at most this many (default: all)")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"))
    args = parser.parse_args()
    moved = asyncio.run(replay(args.bootstrap, args.service, limit=args.limit))
    print(f"replayed {moved} dead letter(s) of {args.service} to {retry_topic(args.service)}")


if __name__ == "__main__":
    main()
