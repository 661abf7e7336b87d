"""The command-line entry points, one module each: devstack (`make run`), migrate (the image's `migrate`),
openapi (`make contracts`), dlq (`jointsup-dlq`), token (`jointsup-token`)."""
