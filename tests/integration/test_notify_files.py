"""The development providers write messages to files (NOTIFY_OUTBOX_DIR): never a recipient's address in clear."""
from email import message_from_bytes, policy

from services.notify.channels import FileSms, Mailer
from services.notify.settings import NotifySettings


async def test_a_mail_written_to_a_file_masks_the_recipient_address(tmp_path):
    settings = NotifySettings(outbox_dir=tmp_path, smtp_host=None)
    outcome = await Mailer(settings).send("li.xiaolong@example.com", "您的投诉已受理", "李*您好：已受理。")
    (written,) = (tmp_path / "mail").iterdir()
    raw = written.read_bytes()
    assert outcome.ok and b"li.xiaolong" not in raw
    message = message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "l**********@example.com" and message["Subject"] == "您的投诉已受理"
    assert "李*您好" in message.get_content()


async def test_an_sms_written_to_a_file_masks_the_number(tmp_path):
    outcome = await FileSms(tmp_path).send("13912340077", "【市场监管】您的投诉已受理")
    text = (tmp_path / "sms.jsonl").read_text(encoding="utf-8")
    assert outcome.ok and "13912340077" not in text and "139****0077" in text


class _Refusing:
    """An SMTP server that refuses every recipient, repeating the address as real servers do."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


async def test_a_refused_mail_records_the_class_of_failure_not_the_servers_words(tmp_path):
    from aiosmtpd.controller import Controller

    from shared.broker import free_port

    controller = Controller(_Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = NotifySettings(outbox_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=controller.port)
        refused = await Mailer(settings).send("li.xiaolong@example.com", "您的投诉已受理", "已受理。")
    finally:
        controller.stop()
    assert not refused.ok and refused.error == "recipient refused"
