"""Webhook and e-mail delivery errors recorded before they were told by class lose their text

Revision ID: notify_0003
Revises: notify_0002
Create Date: 2026-12-07 12:00:00

"""
from typing import Sequence, Union

from alembic import op

revision: str = 'notify_0003'
down_revision: Union[str, Sequence[str], None] = 'notify_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The exception text mapped the hosts and ports the service reaches; GET /v1/deliveries shows it."""
    op.execute("""
        UPDATE delivery SET last_error = CASE
            WHEN last_error LIKE 'target refused:%' THEN 'forbidden target'
            WHEN last_error LIKE '%Timeout:%' THEN 'timeout'
            WHEN last_error LIKE '%SSL%' THEN 'TLS'
            WHEN last_error LIKE '%ProtocolError:%' THEN 'protocol error'
            ELSE 'connection failed' END
        WHERE channel = 'webhook' AND last_error IS NOT NULL AND last_error NOT LIKE 'HTTP %'
          AND last_error NOT IN ('the subscription is disabled or gone', 'internal error')""")
    # A mail server's words repeat the recipient's address (a complainant's, often).
    op.execute("""
        UPDATE delivery SET last_error = CASE
            WHEN last_error LIKE 'SMTPRecipientsRefused:%' THEN 'recipient refused'
            WHEN last_error LIKE 'SMTPAuthenticationError:%' THEN 'SMTP authentication'
            WHEN last_error LIKE '%SSL%' THEN 'TLS'
            WHEN last_error LIKE 'TimeoutError:%' OR last_error LIKE '%timed out%' THEN 'timeout'
            WHEN last_error LIKE 'ConnectionRefusedError:%' THEN 'connection refused'
            WHEN last_error LIKE 'SMTP%' THEN 'SMTP protocol error'
            ELSE 'connection failed' END
        WHERE channel = 'email' AND last_error IS NOT NULL""")


def downgrade() -> None:
    """The text is gone; nothing to put back."""
