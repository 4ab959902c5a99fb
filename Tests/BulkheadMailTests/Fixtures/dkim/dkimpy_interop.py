#!/usr/bin/env python3
"""dkimpy side of the Bulkhead DKIM interop tests.

  verify MESSAGE_FILE TXT_RECORD_FILE        -> prints "pass" or "fail" (first signature)
  sign MESSAGE_FILE KEY_FILE SELECTOR DOMAIN ALGORITHM CANON OUT_FILE [length]
                                             -> writes the signed message (signature + message)

The public key reaches dkimpy through its dnsfunc argument (no DNS lookups).
"""
import sys

try:
    import dkim
except ImportError as error:
    print("dkimpy is not installed (pip install dkimpy): %s" % error, file=sys.stderr)
    sys.exit(3)


def main(argv):
    mode = argv[1]
    if mode == "verify":
        message = open(argv[2], "rb").read()
        record = open(argv[3], "rb").read().strip()
        if b'"' in record:
            record = b"".join(record.split(b'"')[1::2])

        def dnsfunc(name, timeout=5):
            return record

        if b"k=ed25519" in record:
            try:
                import nacl.signing  # noqa: F401
            except ImportError as error:
                print("pynacl is needed by dkimpy for ed25519: %s" % error, file=sys.stderr)
                return 3
        ok = dkim.verify(message, dnsfunc=dnsfunc)
        print("pass" if ok else "fail")
        return 0
    if mode == "sign":
        message = open(argv[2], "rb").read()
        key = open(argv[3], "rb").read()
        selector, domain, algorithm, canon, out = argv[4].encode(), argv[5].encode(), argv[6].encode(), argv[7], argv[8]
        header_canon, body_canon = canon.split("/")
        signature = dkim.sign(
            message, selector, domain, key,
            canonicalize=(header_canon.encode(), body_canon.encode()),
            signature_algorithm=algorithm,
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
            length=len(argv) > 9 and argv[9] == "length",
        )
        open(out, "wb").write(signature + message)
        print("signed")
        return 0
    print("unknown mode %s" % mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
