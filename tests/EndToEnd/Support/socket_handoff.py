#!/usr/bin/env python3
"""A workload that connects to the Workload API and hands the connection to a child.

  socket_handoff.py connect AGENT_SOCKET RELAY_SOCKET
      This process connects to AGENT_SOCKET (so the kernel names it as the peer), then forks a child
      that inherits the connection and relays it to the first client of RELAY_SOCKET. The parent
      prints "ready PID" and exits when its standard input closes; the child relays on, holding a
      connection whose peer credentials name a process that no longer exists.

  socket_handoff.py take-pid PID
      Starts "sleep 120" with exactly PID (through /proc/sys/kernel/ns_last_pid), as a process that
      reuses a pid would. Prints "taken PID" (or "taken-by-other PID" when another process got it first).
"""
import os
import select
import socket
import sys


def relay(a, b):
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [])
        for s in readable:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def detach_std_streams():
    # The test reads this process's output to its end; a child keeping the pipes open would stall it.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)


def connect(agent_socket, relay_socket):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    upstream.connect(agent_socket)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(relay_socket)
    listener.listen(1)
    child = os.fork()
    if child == 0:
        detach_std_streams()
        try:
            client, _ = listener.accept()
            listener.close()
            relay(client, upstream)
        finally:
            os._exit(0)
    upstream.close()
    listener.close()
    print(f"ready {os.getpid()} {child}", flush=True)
    sys.stdin.read()


def take_pid(pid):
    for _ in range(2000):
        if os.path.exists(f"/proc/{pid}"):
            print(f"taken-by-other {pid}", flush=True)
            return
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        child = os.fork()
        if child == 0:
            if os.getpid() != pid:
                os._exit(0)
            detach_std_streams()
            os.execv("/usr/bin/sleep", ["sleep", "120"])
        if child == pid:
            print(f"taken {pid}", flush=True)
            return
        os.waitpid(child, 0)
    print(f"failed to take pid {pid}", file=sys.stderr, flush=True)
    sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "connect":
        connect(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "take-pid":
        take_pid(int(sys.argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
