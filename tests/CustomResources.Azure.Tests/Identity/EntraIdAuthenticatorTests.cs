using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CustomResources.Azure.Identity;
using CustomResources.Core.Authentication;
using CustomResources.Core.Security;
using Microsoft.Extensions.Options;

namespace CustomResources.Azure.Tests.Identity;

public sealed class EntraIdAuthenticatorTests : IDisposable
{
    private readonly LoopbackTenant _tenant = LoopbackTenant.Start();
    private readonly ManualTimeProvider _clock = new();

    public void Dispose() => _tenant.Dispose();

    private EntraIdAuthenticator Authenticator(Action<EntraIdOptions>? configure = null)
    {
        var options = new EntraIdOptions { TenantId = _tenant.TenantId.ToString("D"), MetadataAddress = _tenant.MetadataAddress };
        options.Audiences.Add(LoopbackTenant.ClientId);
        options.Audiences.Add(LoopbackTenant.Audience);
        configure?.Invoke(options);
        Assert.True(new EntraIdOptionsValidator().Validate(null, options).Succeeded);
        return new EntraIdAuthenticator(Options.Create(options), _clock);
    }

    private static async Task<AuthenticationResult> Authenticate(EntraIdAuthenticator authenticator, string token) =>
        await authenticator.AuthenticateAsync(token, CancellationToken.None);

    private static string Refusal(AuthenticationResult result, string token)
    {
        Assert.True(result.IsRefusal, $"expected a refusal, got user '{result.User?.Name}'");
        Assert.DoesNotContain(token, result.Failure!, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[^1] is { Length: > 8 } signature ? signature : "\u0000", result.Failure!, StringComparison.Ordinal);
        return result.Failure!;
    }

    [Fact]
    public async Task A_valid_token_becomes_the_user_with_groups_and_roles()
    {
        using var authenticator = Authenticator();

        var result = await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("alice@contoso.com", result.User!.Name);
        Assert.Equal(
            ["6c5b4a39-2817-4605-b4f3-e2d1c0b9a877", "11111111-2222-3333-4444-555555555555", "role:Admin", "role:Reader", UserInfo.AuthenticatedGroup],
            result.User.Groups);
        Assert.Null(result.User.Namespace);
    }

    [Fact]
    public async Task The_application_id_uri_audience_and_the_v1_issuer_are_accepted_and_upn_names_the_user()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims(LoopbackTenant.Audience);
        claims["iss"] = _tenant.V1Issuer;
        claims.Remove("preferred_username");
        claims["upn"] = "bob@contoso.com";
        claims["ver"] = "1.0";

        var result = await Authenticate(authenticator, _tenant.Sign(claims));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("bob@contoso.com", result.User!.Name);
    }

    [Fact]
    public async Task An_app_only_token_is_named_by_its_object_id()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        claims.Remove("preferred_username");
        claims.Remove("groups");
        claims["roles"] = new JsonArray("Deployer");

        var result = await Authenticate(authenticator, _tenant.Sign(claims));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("9b0c1d2e-3f40-4152-a637-48596a7b8c9d", result.User!.Name);
        Assert.Equal(["role:Deployer", UserInfo.AuthenticatedGroup], result.User.Groups);
    }

    [Fact]
    public async Task Configured_claim_and_prefixes_shape_the_user()
    {
        using var authenticator = Authenticator(o =>
        {
            o.UsernameClaim = "oid";
            o.UsernamePrefix = "entra:";
            o.GroupsPrefix = "entra-group:";
            o.RolesPrefix = "app:";
        });

        var result = await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("entra:9b0c1d2e-3f40-4152-a637-48596a7b8c9d", result.User!.Name);
        Assert.Contains("entra-group:6c5b4a39-2817-4605-b4f3-e2d1c0b9a877", result.User.Groups);
        Assert.Contains("app:Admin", result.User.Groups);
        Assert.Contains(UserInfo.AuthenticatedGroup, result.User.Groups);
    }

    [Fact]
    public async Task A_configured_username_claim_that_is_missing_is_a_refusal_naming_the_setting()
    {
        using var authenticator = Authenticator(o => o.UsernameClaim = "email");
        var token = _tenant.Sign(_tenant.UserClaims());

        var reason = Refusal(await Authenticate(authenticator, token), token);

        Assert.Contains("'email'", reason, StringComparison.Ordinal);
        Assert.Contains("UsernameClaim", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_cannot_claim_system_names_or_groups()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        claims["roles"] = new JsonArray("Admin");
        claims["groups"] = new JsonArray("system:masters", "6c5b4a39-2817-4605-b4f3-e2d1c0b9a877");

        var result = await Authenticate(authenticator, _tenant.Sign(claims));
        Assert.True(result.Succeeded, result.Failure);
        Assert.DoesNotContain(UserInfo.MastersGroup, result.User!.Groups);

        claims["preferred_username"] = "system:admin";
        var token = _tenant.Sign(claims);
        Assert.Contains("system:", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims["nbf"] = now - 7200;
        claims["iat"] = now - 7200;
        claims["exp"] = now - 600;
        var token = _tenant.Sign(claims);

        Assert.Contains("expired", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_expired_within_the_clock_skew_is_accepted()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        claims["exp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;

        Assert.True((await Authenticate(authenticator, _tenant.Sign(claims))).Succeeded);
    }

    [Fact]
    public async Task A_token_not_yet_valid_is_refused()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims["nbf"] = now + 1800;
        claims["exp"] = now + 5400;
        var token = _tenant.Sign(claims);

        Assert.Contains("not valid before", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_exp_is_refused()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        claims.Remove("exp");
        var token = _tenant.Sign(claims);

        Assert.Contains("exp", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        using var authenticator = Authenticator();
        var token = _tenant.Sign(_tenant.UserClaims("https://graph.microsoft.com"));

        var reason = Refusal(await Authenticate(authenticator, token), token);

        Assert.Contains("audience 'https://graph.microsoft.com'", reason, StringComparison.Ordinal);
        Assert.Contains("Authentication:EntraId:Audiences", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_left_to_other_authenticators()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        claims["iss"] = $"https://login.microsoftonline.com/{Guid.NewGuid():D}/v2.0";

        Assert.Same(AuthenticationResult.NotMine, await Authenticate(authenticator, _tenant.Sign(claims)));
    }

    [Fact]
    public async Task Configured_valid_issuers_replace_the_metadata_issuer()
    {
        using var authenticator = Authenticator(o => o.ValidIssuers.Add(_tenant.V1Issuer));
        var v1 = _tenant.UserClaims();
        v1["iss"] = _tenant.V1Issuer;

        Assert.True((await Authenticate(authenticator, _tenant.Sign(v1))).Succeeded);
        Assert.Same(AuthenticationResult.NotMine, await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims())));
    }

    [Fact]
    public async Task A_token_signed_by_another_key_under_a_known_kid_is_refused()
    {
        using var authenticator = Authenticator();
        using var other = RSA.Create(2048);
        var token = _tenant.Sign(_tenant.UserClaims(), "key-1", other);

        Assert.Contains("signature does not verify", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_signed_by_an_unknown_kid_is_refused()
    {
        using var authenticator = Authenticator();
        using var other = RSA.Create(2048);
        var token = _tenant.Sign(_tenant.UserClaims(), "attacker-key", other);

        var reason = Refusal(await Authenticate(authenticator, token), token);

        Assert.Contains("'attacker-key'", reason, StringComparison.Ordinal);
        Assert.Contains("not in the tenant's signing keys", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_token_is_refused()
    {
        using var authenticator = Authenticator();
        var token = LoopbackTenant.Unsigned(_tenant.UserClaims());

        Assert.Contains("alg 'none'", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_with_another_algorithm_is_refused()
    {
        using var authenticator = Authenticator();
        var token = _tenant.Sign(_tenant.UserClaims(), alg: "HS256");

        Assert.Contains("alg 'HS256'", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_payload_is_refused()
    {
        using var authenticator = Authenticator();
        var parts = _tenant.Sign(_tenant.UserClaims()).Split('.');
        var forged = _tenant.UserClaims();
        forged["roles"] = new JsonArray("Admin", "SuperAdmin");
        var token = $"{parts[0]}.{LoopbackTenant.Encode(forged.ToJsonString())}.{parts[2]}";

        Assert.Contains("signature does not verify", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc.def.ghi")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.bm90LWpzb24.c2ln")]
    [InlineData("bm90LWpzb24.eyJpc3MiOiJ4In0.c2ln")]
    [InlineData("W10.W10.c2ln")]
    public async Task A_malformed_jwt_is_refused(string token)
    {
        using var authenticator = Authenticator();

        Assert.Contains("malformed JWT", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_jwt_without_an_issuer_is_refused()
    {
        using var authenticator = Authenticator();
        var claims = _tenant.UserClaims();
        claims.Remove("iss");
        var token = _tenant.Sign(claims);

        Assert.Contains("no iss", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crt_k3y1d.s3cr3t")]
    [InlineData("crt_a.b.c")]
    [InlineData("opaque-token")]
    [InlineData("one.two")]
    [InlineData("a.b.c.d.e")]
    [InlineData("a b.c.d")]
    [InlineData(".b.c")]
    [InlineData("a..c")]
    [InlineData("")]
    public async Task Tokens_that_are_not_jwts_are_not_mine(string token)
    {
        using var authenticator = Authenticator();

        Assert.Same(AuthenticationResult.NotMine, await Authenticate(authenticator, token));
        Assert.Equal(0, authenticator.MetadataReads);
    }

    [Fact]
    public async Task Metadata_is_read_once_and_reused()
    {
        using var authenticator = Authenticator();

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()))).Succeeded);
        }

        Assert.Equal(1, _tenant.MetadataRequests);
    }

    [Fact]
    public async Task Concurrent_first_requests_read_the_metadata_once()
    {
        using var authenticator = Authenticator();
        var token = _tenant.Sign(_tenant.UserClaims());

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => Authenticate(authenticator, token))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Failure));
        Assert.Equal(1, _tenant.MetadataRequests);
    }

    [Fact]
    public async Task Cancellation_is_not_a_refusal()
    {
        using var authenticator = Authenticator();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => authenticator.AuthenticateAsync(_tenant.Sign(_tenant.UserClaims()), cancelled.Token));
    }

    [Fact]
    public async Task A_rotated_key_is_accepted_after_a_refresh_at_most_every_five_minutes()
    {
        using var authenticator = Authenticator();
        Assert.True((await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()))).Succeeded);

        _tenant.AddKey("key-2");
        var rotated = _tenant.Sign(_tenant.UserClaims(), "key-2");

        // Within five minutes of the last read the keys are not read again: the new kid is refused.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Contains("'key-2'", Refusal(await Authenticate(authenticator, rotated), rotated), StringComparison.Ordinal);
        Assert.Equal(1, _tenant.MetadataRequests);

        _clock.Advance(TimeSpan.FromMinutes(4));
        var result = await Authenticate(authenticator, rotated);
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(2, _tenant.MetadataRequests);

        // The old key is still published, and an unknown kid right after a refresh causes no further read.
        Assert.True((await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()))).Succeeded);
        using var other = RSA.Create(2048);
        var unknown = _tenant.Sign(_tenant.UserClaims(), "key-3", other);
        Refusal(await Authenticate(authenticator, unknown), unknown);
        Assert.Equal(2, _tenant.MetadataRequests);
    }

    [Fact]
    public async Task Metadata_down_is_a_refusal_with_the_reason()
    {
        _tenant.Down = true;
        using var authenticator = Authenticator();
        var token = _tenant.Sign(_tenant.UserClaims());

        var reason = Refusal(await Authenticate(authenticator, token), token);

        Assert.Contains("Entra ID sign-in is unavailable", reason, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", reason, StringComparison.Ordinal);
        Assert.Contains(_tenant.MetadataAddress, reason, StringComparison.Ordinal);

        // A failed read is not retried on every request, but is once the short back-off has passed.
        Refusal(await Authenticate(authenticator, token), token);
        Assert.Equal(1, _tenant.MetadataRequests);
        _tenant.Down = false;
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True((await Authenticate(authenticator, token)).Succeeded);
    }

    [Fact]
    public async Task No_listener_at_the_metadata_address_is_a_refusal_not_an_exception()
    {
        var port = LoopbackTenant.FreePort();
        using var authenticator = Authenticator(o => o.MetadataAddress = $"http://127.0.0.1:{port}/tenant/v2.0/.well-known/openid-configuration");
        var token = _tenant.Sign(_tenant.UserClaims());

        var reason = Refusal(await Authenticate(authenticator, token), token);

        Assert.Contains($"reading http://127.0.0.1:{port}/tenant/v2.0/.well-known/openid-configuration failed", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cached_keys_stay_in_use_when_a_scheduled_refresh_fails()
    {
        using var authenticator = Authenticator();
        Assert.True((await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()))).Succeeded);

        _tenant.Down = true;
        _clock.Advance(TimeSpan.FromHours(25));

        var result = await Authenticate(authenticator, _tenant.Sign(_tenant.UserClaims()));
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(2, _tenant.MetadataRequests);
    }

    [Fact]
    public async Task Metadata_over_plain_http_to_a_remote_host_is_never_read()
    {
        var options = new EntraIdOptions { MetadataAddress = "http://login.example.com/t/v2.0/.well-known/openid-configuration", TenantId = _tenant.TenantId.ToString("D") };
        options.Audiences.Add(LoopbackTenant.ClientId);
        using var authenticator = new EntraIdAuthenticator(Options.Create(options), _clock);
        var token = _tenant.Sign(_tenant.UserClaims());

        Assert.Contains("https only", Refusal(await Authenticate(authenticator, token), token), StringComparison.Ordinal);
    }
}
