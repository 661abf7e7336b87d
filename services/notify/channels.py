"""The ways out besides webhooks (webhooks.py): e-mail (SMTP, or a local file), SMS (a provider, by default a
local file), and the complaints service for contact details, which are used and never kept."""
import asyncio
import json
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import httpx

from shared.identity import mint_token
from shared.pii import mask_email, mask_phone

from .domain.sms import segments
from .settings import NotifySettings


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None
    gone: bool = False  # 410: the endpoint asks not to be called again
    segments: int | None = None


class Mailer:
    """SMTP when a host is configured; otherwise .eml files in the outbox directory (the embedded default), the
    recipient's address masked."""

    def __init__(self, settings: NotifySettings):
        self.settings = settings

    async def send(self, to: str, subject: str, body: str) -> Outcome:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.settings.mail_from, to, subject
        message.set_content(body)
        try:
            await asyncio.to_thread(self._deliver, message)
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(False, mail_failure_class(exc))
        return Outcome(True)

    def _deliver(self, message: EmailMessage) -> None:
        s = self.settings
        if not s.smtp_host:
            message.replace_header("To", mask_email(message["To"]))  # a file on disk: no address in clear
            folder = s.outbox_dir / "mail"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.eml").write_bytes(bytes(message))
            return
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value() if s.smtp_password else "")
            smtp.send_message(message)


def mail_failure_class(exc: BaseException) -> str:
    """What kind of failure sending a mail was: the server's own text may repeat the recipient's address."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "SMTP authentication"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, ssl.SSLError):
        return "TLS"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return "SMTP protocol error" if isinstance(exc, smtplib.SMTPException) else "connection failed"


class FileSms:
    """Development SMS provider: one JSON line per message in the outbox, the number masked."""

    def __init__(self, outbox_dir: Path):
        self.path = outbox_dir / "sms.jsonl"

    async def send(self, phone: str, text: str) -> Outcome:
        count = segments(text)
        line = json.dumps({"at": datetime.now(timezone.utc).isoformat(), "to": mask_phone(phone),
                           "segments": count, "text": text}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self._append, line)
        return Outcome(True, segments=count)

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


SMS_PROVIDERS = {"file": lambda settings: FileSms(settings.outbox_dir)}


class Contacts:
    """Complainant contact details from the complaints service (service token), never stored here."""

    def __init__(self, settings: NotifySettings, client: httpx.AsyncClient):
        self.settings, self.client = settings, client

    def _token(self) -> str:
        if self.settings.service_token is not None:
            return self.settings.service_token.get_secret_value()
        s = self.settings
        return mint_token(s.jwt_secret.get_secret_value(), sub="service:notify", roles=["service"],
                          issuer=s.jwt_issuer, audience=s.jwt_audience, ttl_seconds=300)

    async def of(self, complaint_id: str) -> dict | None:
        response = await self.client.get(f"{self.settings.complaints_url}/internal/complaints/{complaint_id}/contact",
                                         headers={"Authorization": f"Bearer {self._token()}"}, timeout=10)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()
