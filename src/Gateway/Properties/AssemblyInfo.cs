// identity-gateway is a Linux service: Unix sockets, file modes, the Workload API socket.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
