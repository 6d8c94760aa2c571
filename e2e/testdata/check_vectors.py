"""Checks hookd's signature test vectors with Python's standard library.

Usage: python3 check_vectors.py path/to/vectors.json

It is an implementation of the four schemes written apart from hookd's Go
code, and an example for receivers in other languages: for every valid
vector it computes the headers from the inputs and compares them with the
vector's; for every invalid one it checks that a receiver rejects it for the
reason named. It prints one line per vector and exits 1 if any is wrong.
"""

import base64
import hashlib
import hmac
import json
import sys


def mac(key, *parts):
    return hmac.new(key, b"".join(parts), hashlib.sha256).digest()


def sign(scheme, prefix, secrets, msg_id, t, body):
    """The headers hookd sends, names in lower case."""
    p, ts = prefix.lower(), str(t).encode()
    if scheme == "standard":
        sigs = []
        for s in secrets:
            key = base64.b64decode(s.removeprefix("whsec_"), validate=True)
            sigs.append("v1," + base64.b64encode(mac(key, msg_id.encode(), b".", ts, b".", body)).decode())
        return {"webhook-id": msg_id, "webhook-timestamp": str(t), "webhook-signature": " ".join(sigs)}
    if scheme == "stripe":
        v1 = "".join(",v1=" + mac(s.encode(), ts, b".", body).hex() for s in secrets)
        return {p + "-signature": f"t={t}{v1}"}
    if scheme == "github":
        return {p + "-signature": "sha256=" + mac(secrets[0].encode(), body).hex()}
    if scheme == "split":
        return {p + "-signature": mac(secrets[0].encode(), body, b".", ts).hex(), p + "-timestamp": str(t)}
    raise ValueError(f"unknown scheme {scheme!r}")


def verify(scheme, prefix, secrets, headers, body, now, tolerance):
    """Returns None for a valid request, or the kind of error."""
    h = {k.lower(): v for k, v in headers.items()}
    p = prefix.lower()
    sig_header = "webhook-signature" if scheme == "standard" else p + "-signature"
    if not h.get(sig_header):
        return "no_signature"
    ts, sigs = None, []
    try:
        if scheme == "standard":
            if not h.get("webhook-id") or not h.get("webhook-timestamp"):
                return "malformed"
            ts = h["webhook-timestamp"]
            for part in h[sig_header].split():
                version, _, sig = part.partition(",")
                if not _:
                    return "malformed"
                if version == "v1":
                    sigs.append(base64.b64decode(sig, validate=True))
        elif scheme == "stripe":
            for item in h[sig_header].split(","):
                k, eq, v = item.strip().partition("=")
                if not eq:
                    return "malformed"
                if k == "t":
                    ts = v
                elif k == "v1":
                    sigs.append(bytes.fromhex(v))
            if ts is None:
                return "malformed"
        elif scheme == "github":
            alg, _, sig = h[sig_header].partition("=")
            if alg != "sha256":
                return "malformed"
            sigs.append(bytes.fromhex(sig))
        elif scheme == "split":
            sigs.append(bytes.fromhex(h[sig_header]))
            ts = h.get(p + "-timestamp")
            if not ts:
                return "malformed"
        if ts is not None:
            t = int(ts)
    except ValueError:
        return "malformed"
    if not sigs:
        return "no_signature"
    if ts is not None:
        if now - t > tolerance:
            return "too_old"
        if t - now > tolerance:
            return "too_new"
    for s in secrets:
        if scheme == "standard":
            want = mac(base64.b64decode(s.removeprefix("whsec_")), h["webhook-id"].encode(), b".", ts.encode(), b".", body)
        elif scheme == "stripe":
            want = mac(s.encode(), ts.encode(), b".", body)
        elif scheme == "github":
            want = mac(s.encode(), body)
        else:
            want = mac(s.encode(), body, b".", ts.encode())
        if any(hmac.compare_digest(want, sig) for sig in sigs):
            return None
    return "bad_signature"


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    failed = 0
    for v in doc["valid"]:
        body = v["body"].encode("utf-8")
        got = sign(v["scheme"], v["prefix"], v["secrets"], v["id"], v["timestamp"], body)
        problems = [] if got == v["headers"] else [f"computed {got}"]
        carried = v["secrets"] if v["scheme"] in ("standard", "stripe") else v["secrets"][:1]
        for s in carried:
            err = verify(v["scheme"], v["prefix"], [s], v["headers"], body, v["timestamp"], 300)
            if err:
                problems.append(f"secret {s[:12]}... rejected: {err}")
        failed += bool(problems)
        print(("FAIL " if problems else "ok   ") + v["name"] + "".join("\n     " + p for p in problems))
    for v in doc["invalid"]:
        err = verify(v["scheme"], v["prefix"], v["secrets"], v["headers"], v["body"].encode("utf-8"), v["now"], v["tolerance_seconds"])
        bad = err != v["error"]
        failed += bad
        print(("FAIL " if bad else "ok   ") + f"{v['name']}: {err}" + (f", want {v['error']}" if bad else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
