#!/usr/bin/env python3
"""A real softphone stack through the B2BUA (issue 7): PJSIP 2.15 (pjsua2, the Phone of
softphones.py) as a registered user who calls a phone number and sends an SMS. Run by
b2bua-softphone.sh, which starts zvonokd, a sipp trunk that answers and a sipp SMS gateway.

    b2bua-softphone.py --server 127.0.0.1:5060 --domain zvonok.example --user alice:PASSWORD \
                       --number +74822123456 --sms-number +79161234567 [--talk 3] [--seconds 60]

1. It registers (200).
2. It calls sip:NUMBER@DOMAIN (a paid call: 407 answered, the B2BUA's own call to the trunk); the
   call is answered (200) and confirmed (ACK); after --talk seconds the softphone hangs up (BYE).
3. It sends a MESSAGE to sip:SMS_NUMBER@DOMAIN; the SMS gateway's 2xx comes back.
4. It unregisters.
Prints "ok   ..." per step; on failure "softphones: FAIL <what>" and exit 1. Bounded by --seconds.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import softphones  # noqa: E402  (the Phone wrapper, say and fail)
from softphones import Phone, fail, say  # noqa: E402
import pjsua2 as pj  # noqa: E402

SMS_TEXT = "Привет from PJSIP: an SMS through Zvonok"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--domain", default="zvonok.example")
    parser.add_argument("--user", required=True, help="user:password")
    parser.add_argument("--number", required=True, help="the phone number to call, +E.164")
    parser.add_argument("--sms-number", required=True, help="the mobile number to send an SMS to, +E.164")
    parser.add_argument("--talk", type=float, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--log-prefix", default="./b2bua-softphone-")
    args = parser.parse_args()
    # As softphones.py: our lines to the real stdout, PJSIP's console chatter to a file.
    softphones.OUT = os.fdopen(os.dup(1), "w", encoding="utf-8")
    console = os.open(f"{args.log_prefix}console.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(console, 1)
    sys.stdout = os.fdopen(1, "w", encoding="utf-8")

    started = time.monotonic()
    remaining = lambda: max(1.0, args.seconds - (time.monotonic() - started))
    user, password = args.user.split(":", 1)
    phone = Phone("caller", args.server, args.domain, user, password, args.log_prefix + "pjsip.log")
    phone.wait_for(lambda ev: any(e[0] == "reg" for e in ev), min(15, remaining()), "the REGISTER answered")
    code = next(e[1] for e in phone.events if e[0] == "reg")
    if code != 200:
        fail(f"the REGISTER got {code}")
    say(f"ok   PJSIP {user} registered (200)")

    phone.call(f"sip:{args.number}@{args.domain}")
    is_call = lambda e, state: e[0] == "call" and e[1] == state
    confirmed = lambda ev: any(is_call(e, pj.PJSIP_INV_STATE_CONFIRMED) for e in ev)
    disconnected = lambda ev: any(is_call(e, pj.PJSIP_INV_STATE_DISCONNECTED) for e in ev)
    phone.wait_for(lambda ev: confirmed(ev) or disconnected(ev), min(20, remaining()), "the paid call answered")
    if not confirmed(phone.events):
        fail(f"the paid call ended before it was answered: {phone.events}")
    say(f"ok   PJSIP calls {args.number}: answered through the trunk (200, ACK)")
    end = time.monotonic() + args.talk
    while time.monotonic() < end:
        phone.poll()
    if disconnected(phone.events):
        fail(f"the call ended before the softphone hung up: {phone.events}")
    phone.calls[-1].hangup(pj.CallOpParam())
    phone.wait_for(disconnected, min(10, remaining()), "the hang-up completed")
    say(f"ok   PJSIP hangs up after {args.talk:g} s (BYE answered)")

    phone.message(f"sip:{args.sms_number}@{args.domain}", SMS_TEXT)
    phone.wait_for(lambda ev: any(e[0] == "message-status" for e in ev), min(15, remaining()), "the SMS answered")
    status = next(e[1] for e in phone.events if e[0] == "message-status")
    if status // 100 != 2:
        fail(f"the SMS got {status}")
    say(f"ok   PJSIP sends an SMS to {args.sms_number}: {status} from the gateway")
    phone.unregister(min(5, remaining()))
    phone.close()
    say("b2bua-softphone: the softphone is done")


if __name__ == "__main__":
    main()
