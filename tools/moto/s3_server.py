"""moto's S3 server with its conditional writes made atomic, for the AWS-backend tests.

Started by test/helpers/emulators/s3-server.ts as `.tools/moto-venv/bin/python s3_server.py
-H <host> -p <port>`; the arguments are moto_server's.

S3 decides `If-None-Match: *` atomically: of many concurrent PUTs of one new key, exactly one
gets 200 and the rest 412. Floe relies on that (a segment is never overwritten, DESIGN.md §2)
and test/contract/object-store.contract.ts checks it. moto 5.2.5 checks the condition and then
stores the object as two steps of a threaded server (moto/s3/responses.py, put_object), so two
PUTs that interleave between them both win. It is rare on an idle machine and was seen once in a
loaded CI run. Here the S3 handlers that test a write condition and then store run one at a
time, which gives the emulator the semantics the real service has. Reads are not serialised.
FLOE_MOTO_SWITCH_INTERVAL_S (seconds, optional) sets Python's thread switch interval; a tiny
value widens moto's window: with 1e-6, 8 writers racing for each of 400 new keys gave more than
one winner for 13 keys on plain moto, and for none through this file.
"""

import os
import sys
import threading

from moto import server
from moto.s3.responses import S3Response

_write_lock = threading.Lock()


def _serialised(handler):
    def locked(self, *args, **kwargs):
        with _write_lock:
            return handler(self, *args, **kwargs)

    locked.__name__ = handler.__name__
    return locked


# put_object: PutObject (If-None-Match / If-Match). _key_response_post: CompleteMultipartUpload,
# which takes If-None-Match too.
for name in ("put_object", "_key_response_post"):
    setattr(S3Response, name, _serialised(getattr(S3Response, name)))

if __name__ == "__main__":
    interval = os.environ.get("FLOE_MOTO_SWITCH_INTERVAL_S")
    if interval:
        sys.setswitchinterval(float(interval))
    server.main(sys.argv[1:])
