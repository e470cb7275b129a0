#!/usr/bin/env python3
"""A real softphone stack through the server: PJSIP 2.15 (pjsua2, from PyPI's pjsua2-python) as
two user agents, each in its own process with its own UDP port on 127.0.0.1 and the null audio
device. Run by softphones.sh, which starts the server and installs pjsua2 in a venv.

    softphones.py --server 127.0.0.1:5060 --domain zvonok.example \
                  --caller alice:PASSWORD --callee bob:PASSWORD [--seconds 60]

1. Both register (digest: PJSIP 2.15.1 answers the LAST WWW-Authenticate it supports: offered
   SHA-256 then MD5, as zvonokd does by default, it answers MD5; offered MD5 then SHA-256, SHA-256).
2. The caller calls sip:CALLEE@DOMAIN through the server (its outbound proxy); the callee rings
   (180) and answers (200); the call is confirmed on both sides (ACK), lasts a second and the
   caller hangs up (BYE); both see it disconnected.
3. The caller sends a MESSAGE to sip:CALLEE@DOMAIN; it gets 200 and the callee receives the text.
4. Both unregister.
Prints one line per step; on failure "softphones: FAIL <what>" and exit 1. Bounded by --seconds.
"""
import argparse
import os
import queue
import subprocess
import sys
import threading
import time

import pjsua2 as pj

MESSAGE_TEXT = "Привет, Bob: a MESSAGE through Zvonok"

# What this script says goes to the original standard output; PJSIP's own console lines (printed
# by the C library before its log configuration applies) go to a file, set up in main().
OUT = sys.stdout


def say(line):
    print(line, file=OUT, flush=True)


def fail(what):
    say(f"softphones: FAIL {what}")
    sys.exit(1)


class Phone:
    """One PJSIP endpoint with one account; all callbacks run on this thread (libHandleEvents)."""

    def __init__(self, name, server, domain, user, password, log_file):
        self.name = name
        self.events = []
        self.calls = []
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = True
        config.uaConfig.userAgent = f"zvonok-test-pjsua2/{name}"
        config.logConfig.level = 5
        config.logConfig.consoleLevel = 0
        config.logConfig.filename = log_file
        config.medConfig.noVad = True
        self.ep.libInit(config)
        pj.Endpoint.instance().audDevManager().setNullDev()
        transport = pj.TransportConfig()
        transport.port = 0
        transport.boundAddress = "127.0.0.1"
        self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.ep.libStart()

        phone = self

        class Account(pj.Account):
            def onRegState(self, prm):
                phone.events.append(("reg", prm.code))

            def onIncomingCall(self, prm):
                call = Call(self, prm.callId)
                phone.calls.append(call)
                phone.events.append(("incoming", prm.callId))
                ringing = pj.CallOpParam()
                ringing.statusCode = 180
                call.answer(ringing)

            def onInstantMessage(self, prm):
                phone.events.append(("message", prm.msgBody))

            def onInstantMessageStatus(self, prm):
                phone.events.append(("message-status", prm.code))

        class Call(pj.Call):
            def onCallState(self, prm):
                info = self.getInfo()
                phone.events.append(("call", info.state, info.lastStatusCode))

        self.Call = Call
        account = pj.AccountConfig()
        account.idUri = f"sip:{user}@{domain}"
        account.regConfig.registrarUri = f"sip:{domain}"  # reached through the outbound proxy below
        account.regConfig.timeoutSec = 300
        account.sipConfig.proxies.append(f"sip:{server};lr")  # every request goes to the server
        account.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
        account.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
        account.mediaConfig.transportConfig.port = 0
        self.account = Account()
        self.account.create(account)
        self.buddies = []

    def poll(self, milliseconds=20):
        self.ep.libHandleEvents(milliseconds)

    def wait_for(self, predicate, seconds, what, also=None):
        """Handles events until predicate(events) holds; `also` is polled too (the other side)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll()
            if also:
                also()
            if predicate(self.events):
                return
        fail(f"{what} (not within {seconds} s; {self.name} saw {self.events})")

    def call(self, uri):
        call = self.Call(self.account)
        self.calls.append(call)
        call.makeCall(uri, pj.CallOpParam(True))
        return call

    def message(self, uri, text):
        config = pj.BuddyConfig()
        config.uri = uri
        config.subscribe = False
        buddy = pj.Buddy()
        buddy.create(self.account, config)
        self.buddies.append(buddy)
        param = pj.SendInstantMessageParam()
        param.content = text
        param.contentType = "text/plain"
        buddy.sendInstantMessage(param)

    def unregister(self, seconds):
        self.account.setRegistration(False)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not any(e[0] == "reg" and e[1] == 200 for e in self.events[-1:]):
            self.poll()

    def close(self):
        self.calls.clear()
        self.buddies.clear()
        self.account.shutdown()
        self.ep.libDestroy()


def callee_main(args):
    """The callee process: reports on stdout, one line per event, until the MESSAGE arrived."""
    user, password = args.callee.split(":", 1)
    phone = Phone("callee", args.server, args.domain, user, password, args.log_prefix + "callee.log")
    deadline = time.monotonic() + args.seconds
    seen = 0
    answer_at = None
    while time.monotonic() < deadline:
        phone.poll()
        for event in phone.events[seen:]:
            seen += 1
            if event[0] == "reg" and event[1] == 200:
                say("registered")
            elif event[0] == "reg":
                say(f"register-failed {event[1]}")
            elif event[0] == "incoming":
                say("incoming")
                answer_at = time.monotonic() + 0.5
            elif event[0] == "call" and event[1] == pj.PJSIP_INV_STATE_CONFIRMED:
                say("confirmed")
            elif event[0] == "call" and event[1] == pj.PJSIP_INV_STATE_DISCONNECTED:
                say(f"disconnected {event[2]}")
            elif event[0] == "message":
                say(f"message {event[1]}")
                phone.unregister(5)
                say("unregistered")
                phone.close()
                return
        if answer_at is not None and time.monotonic() >= answer_at:
            answer_at = None
            ok = pj.CallOpParam()
            ok.statusCode = 200
            phone.calls[-1].answer(ok)
    say("timeout")
    sys.exit(1)


def caller_main(args):
    started = time.monotonic()
    remaining = lambda: max(1.0, args.seconds - (time.monotonic() - started))
    callee_lines = queue.Queue()
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--role", "callee", "--server", args.server,
                              "--domain", args.domain, "--callee", args.callee, "--seconds", str(args.seconds),
                              "--log-prefix", args.log_prefix],
                             stdout=subprocess.PIPE, text=True)
    threading.Thread(target=lambda: [callee_lines.put(line.strip()) for line in child.stdout], daemon=True).start()
    callee_seen = []

    def drain():
        while True:
            try:
                callee_seen.append(callee_lines.get_nowait())
            except queue.Empty:
                return

    def callee_said(prefix, seconds, what, phone):
        phone.wait_for(lambda _: any(line.startswith(prefix) for line in callee_seen), seconds,
                       f"{what} (callee said {callee_seen})", also=drain)
        return next(line for line in callee_seen if line.startswith(prefix))

    try:
        user, password = args.caller.split(":", 1)
        callee_user = args.callee.split(":", 1)[0]
        target = f"sip:{callee_user}@{args.domain}"
        phone = Phone("caller", args.server, args.domain, user, password, args.log_prefix + "caller.log")
        phone.wait_for(lambda ev: any(e[0] == "reg" for e in ev), min(15, remaining()), "the caller's REGISTER answered")
        code = next(e[1] for e in phone.events if e[0] == "reg")
        if code != 200:
            fail(f"the caller's REGISTER got {code}")
        say(f"ok   {user} registered (200)")
        callee_said("registered", min(15, remaining()), "the callee registered", phone)
        say(f"ok   {callee_user} registered (200)")

        phone.call(target)
        callee_said("incoming", min(15, remaining()), "the INVITE reached the callee", phone)
        say(f"ok   {user} calls {target}: the callee's phone rings")
        confirmed = lambda ev: any(e[0] == "call" and e[1] == pj.PJSIP_INV_STATE_CONFIRMED for e in ev)
        phone.wait_for(lambda ev: confirmed(ev) or any(e[0] == "call" and e[1] == pj.PJSIP_INV_STATE_DISCONNECTED for e in ev),
                       min(15, remaining()), "the call answered")
        if not confirmed(phone.events):
            fail(f"the call ended before it was confirmed: {phone.events}")
        callee_said("confirmed", min(10, remaining()), "the callee confirmed the call (ACK)", phone)
        say("ok   answered (200) and confirmed on both sides (ACK)")
        end = time.monotonic() + 1
        while time.monotonic() < end:
            phone.poll()
            drain()
        phone.calls[-1].hangup(pj.CallOpParam())
        phone.wait_for(lambda ev: any(e[0] == "call" and e[1] == pj.PJSIP_INV_STATE_DISCONNECTED for e in ev),
                       min(10, remaining()), "the caller's hang-up completed")
        callee_said("disconnected", min(10, remaining()), "the callee saw the BYE", phone)
        say("ok   hung up: BYE through the server, disconnected on both sides")

        phone.message(target, MESSAGE_TEXT)
        phone.wait_for(lambda ev: any(e[0] == "message-status" for e in ev), min(15, remaining()), "the MESSAGE answered")
        status = next(e[1] for e in phone.events if e[0] == "message-status")
        if status // 100 != 2:
            fail(f"the MESSAGE got {status}")
        line = callee_said("message", min(10, remaining()), "the callee received the MESSAGE", phone)
        if line != f"message {MESSAGE_TEXT}":
            fail(f"the callee received {line!r}, not {MESSAGE_TEXT!r}")
        say(f"ok   MESSAGE {user} → {callee_user}: {status}, and the text arrived intact")
        callee_said("unregistered", min(10, remaining()), "the callee unregistered", phone)
        phone.unregister(min(5, remaining()))
        phone.close()
        child.wait(timeout=10)
        say("softphones: all passed")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", choices=["caller", "callee"], default="caller")
    parser.add_argument("--server", required=True, help="host:port of the registrar and proxy")
    parser.add_argument("--domain", default="zvonok.example")
    parser.add_argument("--caller", default="alice:alice-password-42", help="user:password")
    parser.add_argument("--callee", required=True, help="user:password")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--log-prefix", default="./softphones-", help="PJSIP logs: PREFIXcaller.log, PREFIXcallee.log")
    args = parser.parse_args()
    global OUT
    OUT = os.fdopen(os.dup(1), "w", encoding="utf-8")
    console = os.open(f"{args.log_prefix}{args.role}-console.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(console, 1)
    sys.stdout = os.fdopen(1, "w", encoding="utf-8")
    (callee_main if args.role == "callee" else caller_main)(args)


if __name__ == "__main__":
    main()
