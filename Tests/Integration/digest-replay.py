#!/usr/bin/env python3
"""Digest cases sipp cannot script: sipp's [authentication] always counts nc up and computes
only MD5, so a replayed nonce count and the SHA-256 challenge are checked here, over UDP on
loopback, with the standard library only.

    digest-replay.py HOST PORT USER PASSWORD [--expect-algorithms SHA-256,MD5] [--source IP] [--retransmit]

1. REGISTER without credentials → 401; the WWW-Authenticate headers are listed and, with
   --expect-algorithms, must offer exactly those algorithms in that order (RFC 8760 §2.4).
2. REGISTER with a digest (the first offered algorithm this script knows: SHA-256 or MD5,
   qop=auth, nc=00000001) → 200.
3. With --retransmit: the accepted REGISTER's very bytes again, as a client retransmits a
   request it heard no answer to (RFC 3261 §17.1.2.2) → 200 again, with the same To tag and
   the same binding (a stateless registrar answers a retransmission as it answered the first
   instance, §8.2.7), not a 401 for the nonce count it already spent.
4. The very same Authorization again (same nonce, same nc, new CSeq and branch) → 401 with
   stale=true (RFC 7616 §3.3, §5.12: a replayed nonce count is refused).
Exits 0 when all hold, 1 with the reason otherwise. Bounded: 3 tries of 2 s per request.
"""
import argparse
import hashlib
import os
import re
import socket
import sys

DOMAIN = "zvonok.example"


def fail(message):
    print(f"digest-replay: FAIL {message}", file=sys.stderr)
    sys.exit(1)


def challenges(response):
    return [line.split(":", 1)[1].strip() for line in response.split("\r\n")
            if line.lower().startswith("www-authenticate:")]


def header_values(response, name):
    return [line.split(":", 1)[1].strip() for line in response.split("\r\n")
            if line.lower().startswith(name + ":")]


def to_tag(response):
    m = re.search(r";\s*tag\s*=\s*([^;\s,>]+)", header_values(response, "to")[0]) if header_values(response, "to") else None
    return m.group(1) if m else None


def contacts(response):
    return [re.sub(r";expires=\d+", "", value) for value in header_values(response, "contact")]


def param(challenge, name):
    m = re.search(r'(?:^|[\s,])' + name + r'\s*=\s*("([^"]*)"|[^\s,]+)', challenge, re.IGNORECASE)
    if not m:
        return None
    return m.group(2) if m.group(2) is not None else m.group(1)


def algorithm_of(challenge):
    return (param(challenge, "algorithm") or "MD5").upper()


HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--expect-algorithms")
    parser.add_argument("--source", default="127.0.0.1")
    parser.add_argument("--retransmit", action="store_true")
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.source, 0))
    sock.settimeout(2)
    local_port = sock.getsockname()[1]
    call_id = os.urandom(8).hex() + "@digest-replay"
    tag = os.urandom(4).hex()
    cseq = [0]
    last = {}

    def register(authorization=None, again=False):
        if again:
            return exchange(last["data"], last["branch"])
        cseq[0] += 1
        branch = "z9hG4bK" + os.urandom(6).hex()
        lines = [
            f"REGISTER sip:{DOMAIN} SIP/2.0",
            f"Via: SIP/2.0/UDP {args.source}:{local_port};branch={branch};rport",
            "Max-Forwards: 70",
            f"From: <sip:{args.user}@{DOMAIN}>;tag={tag}",
            f"To: <sip:{args.user}@{DOMAIN}>",
            f"Call-ID: {call_id}",
            f"CSeq: {cseq[0]} REGISTER",
            f"Contact: <sip:{args.user}@{args.source}:{local_port}>",
            "Expires: 600",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        data = ("\r\n".join(lines + ["Content-Length: 0", "", ""])).encode()
        last.update(data=data, branch=branch)
        return exchange(data, branch)

    def exchange(data, branch):
        for _ in range(3):
            sock.sendto(data, (args.host, args.port))
            try:
                while True:
                    reply = sock.recv(65535).decode(errors="replace")
                    if branch in reply and not reply.startswith("SIP/2.0 100"):
                        return reply
            except socket.timeout:
                continue
        fail(f"no final response to REGISTER CSeq {cseq[0]} from {args.host}:{args.port}")

    def status(reply):
        return int(reply.split(" ", 2)[1])

    first = register()
    if status(first) != 401:
        fail(f"REGISTER without credentials: expected 401, got {first.splitlines()[0]}")
    offered = challenges(first)
    algorithms = [algorithm_of(c) for c in offered]
    print(f"401 offers: {', '.join(algorithms)}")
    if args.expect_algorithms and algorithms != args.expect_algorithms.upper().split(","):
        fail(f"expected WWW-Authenticate algorithms {args.expect_algorithms}, got {algorithms}: {offered}")
    usable = [c for c in offered if algorithm_of(c) in HASHES]
    if not usable:
        fail(f"no MD5 or SHA-256 challenge in {offered}")
    challenge = usable[0]
    algorithm = algorithm_of(challenge)
    h = lambda text: HASHES[algorithm](text.encode()).hexdigest()
    realm, nonce, opaque = param(challenge, "realm"), param(challenge, "nonce"), param(challenge, "opaque")
    if "auth" not in (param(challenge, "qop") or "").split(","):
        fail(f"the challenge offers no qop=auth: {challenge}")
    uri = f"sip:{DOMAIN}"
    cnonce, nc = os.urandom(8).hex(), "00000001"
    ha1 = h(f"{args.user}:{realm}:{args.password}")
    ha2 = h(f"REGISTER:{uri}")
    response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    authorization = (f'Digest username="{args.user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                     f'response="{response}", algorithm={algorithm}, cnonce="{cnonce}", qop=auth, nc={nc}')
    if opaque is not None:
        authorization += f', opaque="{opaque}"'

    second = register(authorization)
    if status(second) != 200:
        fail(f"REGISTER with a {algorithm} digest: expected 200, got {second.splitlines()[0]}")
    print(f"{algorithm} digest accepted: 200")
    if args.retransmit:
        again = register(again=True)
        if status(again) != 200:
            fail(f"the accepted REGISTER retransmitted: expected 200 again, got {again.splitlines()[0]}")
        if to_tag(again) != to_tag(second) or contacts(again) != contacts(second):
            fail(f"the retransmission's 200 differs: To tag {to_tag(again)} against {to_tag(second)}, "
                 f"Contact {contacts(again)} against {contacts(second)}")
        print("the accepted REGISTER retransmitted: the same 200 (To tag and binding)")
    third = register(authorization)
    if status(third) != 401:
        fail(f"the same nonce and nc again: expected 401 stale=true, got {third.splitlines()[0]}")
    if not any((param(c, "stale") or "").lower() == "true" for c in challenges(third)):
        fail(f"the replayed nonce count got 401 without stale=true: {challenges(third)}")
    print("replayed nonce count: 401 stale=true")


if __name__ == "__main__":
    main()
