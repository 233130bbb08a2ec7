"""A TCP proxy on loopback that a test can cut and restore: a database going away, then back.

The shared PostgreSQL server is never stopped (others use it); the app under test reaches it
through this proxy instead, and the test breaks the path between them.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class Proxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream``; :meth:`cut`, :meth:`hang`, :meth:`restore`.

    * cut: every open connection is closed and new ones are refused (the server is down);
    * hang: open connections are closed, new ones are accepted and never answered (a server
      that is unreachable without a refusal, as behind a dead route or a full backlog);
    * restore: connections are forwarded again, on the same port.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._held: list[socket.socket] = []
        self._mode = "forward"
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()
        self.port = 0
        self._listen()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: cut or stopped
            if self._mode == "hang":
                with self._lock:
                    self._held.append(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            try:
                while True:
                    for key, _ in selector.select(timeout=1):
                        source: socket.socket = key.fileobj  # type: ignore[assignment]
                        data = source.recv(65536)
                        if not data:
                            return
                        key.data.sendall(data)
            except (OSError, ValueError):
                return
            finally:
                for s in (client, server):
                    with contextlib.suppress(OSError):
                        s.close()

    def _drop(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
            held, self._held = self._held, []
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()
        for s in held:
            with contextlib.suppress(OSError):
                s.close()

    def _close_listener(self) -> None:
        if self._listener is not None:
            # shutdown first: a bare close from another thread leaves a blocked accept() listening.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None

    def cut(self) -> None:
        """Close every connection and refuse new ones."""
        self._close_listener()
        self._drop()

    def hang(self) -> None:
        """Close every connection; accept new ones and never answer them."""
        self._mode = "hang"
        self._drop()
        if self._listener is None:
            self._listen()

    def restore(self) -> None:
        """Forward again, on the same port."""
        self._mode = "forward"
        self._drop()
        if self._listener is None:
            self._listen()

    def stop(self) -> None:
        self._stopped.set()
        self._close_listener()
        self._drop()
