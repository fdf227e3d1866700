using System.Net;
using System.Net.Sockets;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Outbound;

/// <summary>
/// The rule for every outbound call the server makes (hooks, webhooks, module sources): http(s) only; plain http,
/// and private, loopback, link-local or otherwise internal destinations, only for hosts listed in
/// <c>Outbound:AllowedHosts</c>. URLs are checked when they are written and the resolved address again when a
/// connection is made, so a name that later resolves to an internal address (DNS rebinding) is still refused.
/// </summary>
public sealed class OutboundPolicy
{
    private readonly HashSet<string> _allowedHosts;

    public OutboundPolicy(IEnumerable<string> allowedHosts)
    {
        ArgumentNullException.ThrowIfNull(allowedHosts);
        _allowedHosts = new HashSet<string>(allowedHosts.Select(Normalize).Where(h => h.Length > 0), StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyCollection<string> AllowedHosts => _allowedHosts;

    public bool IsAllowedHost(string host) => _allowedHosts.Contains(Normalize(host));

    /// <summary>Every problem with <paramref name="url"/> as an outbound target, reported at <paramref name="field"/>.</summary>
    public IReadOnlyList<FieldError> CheckUrl(string field, string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return [FieldError.Required(field)];
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return [FieldError.Invalid(field, url, "must be an absolute http or https URL")];
        }

        var errors = new List<FieldError>();
        if (uri.UserInfo.Length > 0)
        {
            errors.Add(FieldError.Invalid(field, url, "must not carry credentials in the URL"));
        }

        if (uri.Fragment.Length > 0)
        {
            errors.Add(FieldError.Invalid(field, url, "must not have a fragment"));
        }

        var allowed = IsAllowedHost(uri.IdnHost);
        if (uri.Scheme == "http" && !allowed)
        {
            errors.Add(FieldError.Invalid(field, url, $"must use https; plain http is only allowed for hosts listed in Outbound:AllowedHosts ({uri.IdnHost} is not)"));
        }

        if (!allowed && (IsInternalName(uri.IdnHost) || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) && IsInternal(literal))))
        {
            errors.Add(FieldError.Invalid(field, url, $"points at a private, loopback or link-local destination; list {uri.IdnHost} in Outbound:AllowedHosts to allow it"));
        }

        return errors;
    }

    /// <summary>The connect-time check: may a connection for <paramref name="host"/> go to <paramref name="address"/>?</summary>
    public bool MayConnect(string host, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IsAllowedHost(host) || IsAllowedHost(address.ToString()) || !IsInternal(address);
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified, multicast and similar.</summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast
                || address.Equals(IPAddress.IPv6None);
        }

        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,
            100 => b[1] is >= 64 and <= 127,               // carrier-grade NAT 100.64/10
            169 => b[1] == 254,                             // link-local, cloud metadata endpoints
            172 => b[1] is >= 16 and <= 31,
            192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2), // 192.168/16, 192.0.0/24, 192.0.2/24
            198 => b[1] is 18 or 19,                        // benchmarking 198.18/15
            >= 224 => true,                                 // multicast and reserved
            _ => false,
        };
    }

    private static bool IsInternalName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string host) => host.Trim().Trim('[', ']').TrimEnd('.').ToLowerInvariant();
}
