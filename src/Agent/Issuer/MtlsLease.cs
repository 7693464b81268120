namespace IdentityIssuer.Agent.Issuer;

/// <summary>
/// An mTLS <see cref="HttpClient"/> and the agent SVID it presents, shared by the calls that use it.
/// It is reference-counted: <see cref="IssuerClient"/> holds one reference while the lease is current,
/// and every call holds one more from start to end (failover retries included). Whoever drops the last
/// reference disposes the client and the SVID, so renewing the SVID never cancels a call in flight nor
/// takes away the key its handshakes still sign with.
/// </summary>
internal sealed class MtlsLease
{
    private int _references = 1;

    /// <summary>Takes ownership of <paramref name="client"/> and <paramref name="svid"/>; the creator holds the first reference.</summary>
    public MtlsLease(HttpClient client, AgentSvid svid)
    {
        Client = client;
        Svid = svid;
    }

    public HttpClient Client { get; }

    public AgentSvid Svid { get; }

    /// <summary>Adds a reference; false once the last one was released (the lease is disposed and must not be used).</summary>
    public bool TryAcquire()
    {
        var references = Volatile.Read(ref _references);
        while (references > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                return true;
            }

            references = seen;
        }

        return false;
    }

    /// <summary>Drops a reference; the last one disposes the client and the SVID.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            Client.Dispose();
            Svid.Dispose();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("an mTLS lease was released more often than it was acquired");
        }
    }
}
