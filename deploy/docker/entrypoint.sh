#!/bin/sh
# jointsup image: `serve [SERVICE]` (default $SERVICE) or `migrate [SERVICE ...]`.
set -eu
command="${1:-serve}"
[ $# -gt 0 ] && shift
case "$command" in
  serve)
    service="${1:-${SERVICE:?set SERVICE or pass the service name}}"
    exec python -m "services.${service}" ;;
  migrate)
    exec python -m shared.cli.migrate "$@" ;;
  *)
    exec "$command" "$@" ;;
esac
