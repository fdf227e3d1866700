using CustomResources.Core.Authentication;

namespace CustomResources.Core.Tests.Authentication;

public class BearerTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_issued_token_parses_and_verifies_against_its_record()
    {
        var issued = BearerTokens.Issue("alice", ["team-a"], "team-a", Now.AddHours(1));
        Assert.True(BearerTokens.TryParse(issued.Token, out var id, out var secret));
        Assert.Equal(issued.Record.Id, id);
        Assert.Equal(TokenRejection.None, BearerTokens.Verify(issued.Record, secret, Now));
    }

    [Fact]
    public void The_record_holds_only_a_hash_of_the_secret()
    {
        var issued = BearerTokens.Issue("alice", [], null, null);
        Assert.True(BearerTokens.TryParse(issued.Token, out _, out var secret));
        Assert.DoesNotContain(secret, issued.Record.SecretHash, StringComparison.Ordinal);
        Assert.Equal(64, issued.Record.SecretHash.Length);
    }

    [Fact]
    public void Two_issued_tokens_differ()
    {
        var a = BearerTokens.Issue("alice", [], null, null);
        var b = BearerTokens.Issue("alice", [], null, null);
        Assert.NotEqual(a.Token, b.Token);
        Assert.NotEqual(a.Record.Id, b.Record.Id);
    }

    [Fact]
    public void A_wrong_secret_is_refused()
    {
        var issued = BearerTokens.Issue("alice", [], null, null);
        Assert.Equal(TokenRejection.WrongSecret, BearerTokens.Verify(issued.Record, "not-the-secret", Now));
    }

    [Fact]
    public void An_expired_token_is_refused_from_its_expiry_on()
    {
        var issued = BearerTokens.Issue("alice", [], null, Now);
        Assert.True(BearerTokens.TryParse(issued.Token, out _, out var secret));
        Assert.Equal(TokenRejection.None, BearerTokens.Verify(issued.Record, secret, Now.AddTicks(-1)));
        Assert.Equal(TokenRejection.Expired, BearerTokens.Verify(issued.Record, secret, Now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("crt_")]
    [InlineData("crt_abc")]
    [InlineData("crt_abc.")]
    [InlineData("crt_.secret")]
    [InlineData("xyz_abc.secret")]
    [InlineData("crt_ABC.secret")]
    [InlineData("crt_abc.sec ret")]
    [InlineData("crt_abc.secret\u00e9")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.sig")]
    public void Malformed_tokens_do_not_parse(string token)
    {
        Assert.False(BearerTokens.TryParse(token, out _, out _));
    }

    [Fact]
    public void An_overlong_token_does_not_parse()
    {
        Assert.False(BearerTokens.TryParse("crt_abc." + new string('a', 300), out _, out _));
    }
}
