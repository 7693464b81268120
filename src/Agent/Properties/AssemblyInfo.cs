// identity-agent is a Linux service: Unix sockets, peer credentials, /proc.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
