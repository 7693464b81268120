namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Places held now per caller uid and in total, bounded by both: the counting shared by the Workload
/// API's connection and stream limits.
/// </summary>
internal sealed class UidPlaces
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _perUid = [];
    private int _total;

    /// <summary>Which bound refused a place.</summary>
    internal enum Refusal
    {
        None,
        PerUid,
        Total,
    }

    /// <summary>Places held now.</summary>
    public int Total
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>
    /// Takes a place for <paramref name="uid"/> unless it holds <paramref name="maxPerUid"/> or all hold
    /// <paramref name="maxTotal"/>; dispose the place to give it back. Null, with the bound in
    /// <paramref name="refusal"/>, when a bound is reached (the per-uid bound is named first).
    /// </summary>
    public Place? TryTake(int uid, int maxPerUid, int maxTotal, out Refusal refusal)
    {
        lock (_lock)
        {
            var open = _perUid.GetValueOrDefault(uid);
            refusal = open >= maxPerUid ? Refusal.PerUid : _total >= maxTotal ? Refusal.Total : Refusal.None;
            if (refusal != Refusal.None)
            {
                return null;
            }

            _perUid[uid] = open + 1;
            _total++;
        }

        return new Place(this, uid);
    }

    private void Give(int uid)
    {
        lock (_lock)
        {
            var open = _perUid[uid] - 1;
            if (open == 0)
            {
                _perUid.Remove(uid);
            }
            else
            {
                _perUid[uid] = open;
            }

            _total--;
        }
    }

    /// <summary>A place held; disposing it more than once gives it back once.</summary>
    internal sealed class Place(UidPlaces owner, int uid) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Give(uid);
            }
        }
    }
}
