"""What the tests that read compe's mail share: a real SMTP server's inbox (aiosmtpd, PyPI), a
wait for something to arrive, a message's text, and the ok/FAIL lines with the failures kept."""
import email, email.policy, time

failures = []


def check(name, ok, detail=""):
    """Prints "ok   name" or "FAIL name: detail" and remembers a failure."""
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


class Sink:
    """An aiosmtpd handler keeping every message, parsed; `refuse` answers 550 instead, and
    `users` records who authenticated."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        self.users = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "550 5.7.1 refused by the test"
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        if session.authenticated:
            self.users.append(session.auth_data)
        return "250 OK"


def wait(predicate, seconds=20):
    """True once `predicate()` is, checked every 0.2 s; False after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def body_of(message):
    """The plain-text body of a parsed message."""
    return message.get_body(preferencelist=("plain",)).get_content()
