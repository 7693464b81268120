// identity-issuer is a Linux service: it relies on Unix sockets, peer credentials and Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
