"""moto's server with one change: requests are handled one at a time.

moto is not thread-safe: a failed TransactWriteItems restores a snapshot of the whole table taken
before it began, undoing writes that other threads made meanwhile. Real DynamoDB has no such race,
so the stand-in serialises requests (connections still run on their own threads, for keep-alive).

Usage: moto_server.py HOST PORT
"""
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            # Consume the whole answer under the lock: moto builds it while iterating.
            return list(app(environ, start_response))

    run_simple(host, port, one_at_a_time, threaded=True)


if __name__ == "__main__":
    main()
