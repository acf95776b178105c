"""moto's server, patched to the cost shape of DynamoDB, answering one request at a time.

The patches (`scripts/moto_patches.py`) make a transaction cost its own items instead of a copy of
the table, make a Query cost its page instead of a walk of the table, and make a retried
TransactWriteItems idempotent by ClientRequestToken, as DynamoDB is. Requests stay serialised:
moto's models are not thread-safe, and with the patches one request takes a few milliseconds,
so a queue of concurrent clients drains quickly (connections still run on their own threads, for
keep-alive).

Python's cyclic garbage collector walks every object of the heap in a full collection, and the
stand-in's heap holds every item of every table: at 100,000 items a full collection took 1.3 s,
pausing the server. Instead, after each request the garbage of that request is collected (a
young-generation collection, proportional to what the request allocated) and what survives is
frozen (`gc.freeze`), so no collection ever walks the stored items again. Items hold no reference
cycles, so deleting one still frees it at once.

When `STAND_IN_CALL_LOG` names a file, every distinct signed call is recorded there with the
access key that signed it (`scripts/aws_calls.py`): the dev server signs each function's calls with
the function's logical id, and the deploy rehearsal checks them against the functions' roles.

Usage: moto_server.py HOST PORT [--stock]   (--stock: moto as released, for the conformance test)
"""
import gc
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

import aws_calls
import moto_patches


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    if "--stock" not in sys.argv[3:]:
        moto_patches.apply_all()
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    if os.environ.get("STAND_IN_CALL_LOG"):
        app = aws_calls.Recorder(app, os.environ["STAND_IN_CALL_LOG"])
    lock = threading.Lock()
    gc.disable()

    def one_at_a_time(environ, start_response):
        with lock:
            # Consume the whole answer under the lock: moto builds it while iterating.
            answer = list(app(environ, start_response))
            gc.collect(0)
            gc.freeze()
            return answer

    run_simple(host, port, one_at_a_time, threaded=True)


if __name__ == "__main__":
    main()
